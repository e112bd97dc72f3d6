"""Arrow tables of luckyus_sales_order: t_order, t_order_item, t_order_amount, t_order_oper_history.

The arrays come from ``gen_orders`` (money, items), ``gen_users`` (who), ``gen_payments`` (pay
time) and ``gen_production`` (accept/done/take times); this module only lays them out as rows.
``t_order.coupon_no`` is left NULL here: the growth generator numbers the coupons, and
``links.link_coupon_numbers`` copies each used coupon's number onto its order once both are built.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from app.dataset.arrowutil import concat, int_str, make_table, take
from app.dataset.gen_menu import Menu
from app.dataset.gen_orders import (
    KIND_COMPLETED,
    KIND_PENDING,
    KIND_REFUNDED,
    KIND_UNPAID,
    VARIANT_CODES,
    VARIANTS,
    ItemFrame,
    OrderFrame,
)
from app.dataset.gen_production import ProdFrame
from app.dataset.gen_shops import ShopFrame
from app.dataset.gen_users import UserFrame

IntArr = npt.NDArray[np.int64]
ORDER_AMOUNT_ROWS = 484_000
TAX_INFO = [
    json.dumps({"jurisdiction": "NY", "state_rate": 0.04, "city_rate": 0.045, "mctd_rate": 0.00375,
                "total_rate": 0.08875}, sort_keys=True),
    json.dumps({"jurisdiction": "NY", "exempt": True, "reason": "packaged food sold unheated"}, sort_keys=True),
    json.dumps({"jurisdiction": "CK", "vat_rate": 0.15, "inclusive": True}, sort_keys=True),
]
CANCEL_REASONS = ["payment timeout", "cancelled by customer", "cancelled by store: item sold out",
                  "refund: customer request", "refund: espresso machine failure"]
OPERATORS = ["customer", "system", "store_staff", "courier_doordash", "courier_ubereats", "customer_service"]


def order_numbers(orders: OrderFrame) -> pa.Array:
    """order_no: 'US' or 'CK' + local business date + a 7-digit sequence."""
    days = np.unique(orders.day)
    ymd = [np.datetime64(int(d), "D").astype(str).replace("-", "") for d in days]
    day_str = take(ymd, np.searchsorted(days, orders.day))
    prefix = take(["US", "CK"], orders.cook.astype(np.int64))
    return concat(prefix, day_str, int_str(orders.id % 10_000_000, 7))


def order_table(orders: OrderFrame, users: UserFrame, shops: ShopFrame, order_no: pa.Array,
                refund_spike: IntArr, rng: np.random.Generator) -> pa.Table:
    n = len(orders)
    pay_time: IntArr = orders.pay_time  # type: ignore[attr-defined]
    finish: IntArr = orders.finish_time  # type: ignore[attr-defined]
    reason = np.full(n, -1, dtype=np.int64)
    unpaid = orders.kind == KIND_UNPAID
    reason[unpaid] = rng.choice(3, size=int(unpaid.sum()), p=[0.7, 0.25, 0.05])
    reason[orders.kind == KIND_REFUNDED] = 3
    reason[refund_spike] = 4
    update = np.select([finish >= 0, pay_time >= 0], [finish, pay_time + rng.integers(120, 1_800, size=n)],
                       orders.create + np.where(orders.kind == KIND_PENDING, 5, 900))
    cols: dict[str, Any] = dict(
        id=orders.id, order_no=order_no, tenant=take(["LKUS", "LKCK"], (orders.cook & ~orders.mislabel)),
        channel=orders.channel, order_type=orders.order_type, user_no=take(users.user_no, orders.user),
        shop_id=shops.id[orders.shop], shop_no=take(shops.shop_no, orders.shop),
        shop_name=take(shops.name, orders.shop),
        status=orders.status, total_money=orders.total, discount_money=orders.promo + orders.coupon,
        delivery_fee=orders.fee, tax_money=orders.tax, payable_money=orders.payable, pay_money=orders.pay,
        currency_code=take(["USD", "NZD"], orders.nzd), coupon_no=pa.nulls(n, pa.string()),  # see links.py
        pay_time=pay_time, finish_time=finish, cancel_reason=take(CANCEL_REASONS, np.maximum(reason, 0)),
        create_time=orders.create, update_time=update)
    return make_table("luckyus_sales_order.t_order", cols,
                      dict(pay_time=pay_time < 0, finish_time=finish < 0, cancel_reason=reason < 0))


def sku_lookup(menu: Menu, items: ItemFrame) -> tuple[pa.Array, pa.Array]:
    """(sku_code, sku_name) of every item from a (product x variant) vocabulary."""
    codes, names = [], []
    for j in range(len(menu)):
        for v in range(len(VARIANTS)):
            if menu.is_food[j]:
                codes.append(f"{menu.spu_code[j]}-STD")
                names.append(str(menu.name[j]))
            else:
                codes.append(f"{menu.spu_code[j]}-{VARIANT_CODES[v]}")
                names.append(f"{menu.name[j]} ({VARIANTS[v]})")
    key = items.product * len(VARIANTS) + items.variant
    return take(codes, key), take(names, key)


def item_table(orders: OrderFrame, items: ItemFrame, menu: Menu, sku: tuple[pa.Array, pa.Array]) -> pa.Table:
    n = len(items)
    o = items.order
    info = np.select([items.tax_mode == 1, items.tax_mode == 0], [0, 1], 2)
    cols: dict[str, Any] = dict(
        id=np.arange(1, n + 1, dtype=np.int64) + 20_000_000, order_id=orders.id[o],
        tenant=take(["LKUS", "LKCK"], (orders.cook[o] & ~orders.mislabel[o])),
        spu_code=take(list(menu.spu_code), items.product), spu_name=take(list(menu.name), items.product),
        one_category_name=take(list(menu.category), items.product),
        two_category_name=take(list(menu.sub), items.product),
        three_category_name=take(list(menu.temperature), items.product), sku_code=sku[0], sku_name=sku[1],
        quantity=items.qty, origin_price=items.origin_unit, sale_price=items.sale_unit, pay_money=items.pay,
        tax_rate=items.tax_rate, tax=items.tax, tax_mode=items.tax_mode, tax_info=take(TAX_INFO, info),
        currency_code=take(["USD", "NZD"], orders.nzd[o]), create_time=orders.create[o],
        update_time=orders.create[o] + 1)
    nulls = items.tax_null
    return make_table("luckyus_sales_order.t_order_item", cols, dict(tax_rate=nulls, tax=nulls, tax_info=nulls))


def amount_rows(orders: OrderFrame, scale: float) -> npt.NDArray[np.bool_]:
    """Orders with a t_order_amount row: every paid order but the oldest NZD test orders, which predate the
    amount service (and so carry no coupon record either)."""
    keep = orders.paid.copy()
    extra = int(keep.sum()) - round(ORDER_AMOUNT_ROWS * scale)
    if extra > 0:
        keep[np.flatnonzero(keep & orders.nzd)[:extra]] = False
    return keep


def coupon_deduct(orders: OrderFrame, scale: float) -> npt.NDArray[np.float64]:
    """t_order_amount.coupon_deduct per order in dollars, 0 where the order has no amount row."""
    return np.where(amount_rows(orders, scale), orders.coupon, 0) / 100.0


def amount_table(orders: OrderFrame, scale: float) -> pa.Table:
    """One row per order of ``amount_rows``."""
    paid = np.flatnonzero(amount_rows(orders, scale))
    pay_time: IntArr = orders.pay_time  # type: ignore[attr-defined]
    n = len(paid)
    cols: dict[str, Any] = dict(
        id=np.arange(1, n + 1, dtype=np.int64) + 30_000_000, order_id=orders.id[paid],
        tenant=take(["LKUS", "LKCK"], (orders.cook[paid] & ~orders.mislabel[paid])),
        total_money=orders.total[paid], coupon_deduct=orders.coupon[paid], promotion_deduct=orders.promo[paid],
        delivery_fee=orders.fee[paid], tax_amount=orders.tax[paid], gst_amount=np.zeros(n, np.int64),
        vat_amount=orders.vat[paid], pay_money=orders.pay[paid],
        currency_code=take(["USD", "NZD"], orders.nzd[paid]), create_time=pay_time[paid],
        update_time=pay_time[paid])
    return make_table("luckyus_sales_order.t_order_amount", cols)


def oper_history_table(orders: OrderFrame, pr: ProdFrame, rng: np.random.Generator) -> pa.Table:
    """Status transitions of every order, in time order per order."""
    n = len(orders)
    pay_time: IntArr = orders.pay_time  # type: ignore[attr-defined]
    finish: IntArr = orders.finish_time  # type: ignore[attr-defined]
    accept = np.full(n, -1, dtype=np.int64)
    done = np.full(n, -1, dtype=np.int64)
    take_t = np.full(n, -1, dtype=np.int64)
    final = pr.status != 6  # the superseded ticket of a remade order does not drive the order
    np.maximum.at(accept, pr.order[final], pr.accept[final])
    np.maximum.at(done, pr.order[final], pr.done[final])
    np.maximum.at(take_t, pr.order[final], pr.take[final])
    deliv = orders.order_type == 2
    k = orders.kind
    # (oper_type, from, to, time, operator) per step; steps not taken are masked out
    steps = [
        (1, -1, 10, orders.create, 0, np.ones(n, bool)),
        (2, 10, 20, pay_time, 0, (k == KIND_COMPLETED) | (k == KIND_REFUNDED)),
        (3, 20, 30, accept, 2, ((k == KIND_COMPLETED) & ~orders.cook) | ((k == KIND_REFUNDED) & (accept >= 0))),
        (4, 30, 40, done, 2, (k == KIND_COMPLETED) & ~orders.cook),
        (4, 20, 40, done, 2, (k == KIND_COMPLETED) & orders.cook),  # test shops auto-accept: no step 3
        (5, 40, 50, take_t, 3, (k == KIND_COMPLETED) & deliv),
        (6, 40, 90, finish, 1, (k == KIND_COMPLETED) & ~deliv),
        (6, 50, 90, finish, 1, (k == KIND_COMPLETED) & deliv),
        (7, 10, 0, orders.create + 900, 1, k == KIND_UNPAID),
        (8, 30, 0, accept + 300, 5, (k == KIND_REFUNDED) & (accept >= 0)),
        (8, 20, 0, pay_time + 300, 5, (k == KIND_REFUNDED) & (accept < 0)),
    ]
    parts: list[list[npt.NDArray[Any]]] = [[], [], [], [], [], []]
    for oper_t, frm_s, to_s, at, who, mask in steps:
        idx = np.flatnonzero(mask)
        for lst, arr in zip(parts, (idx, np.full(len(idx), oper_t), np.full(len(idx), frm_s),
                                    np.full(len(idx), to_s), at[idx], np.full(len(idx), who)), strict=True):
            lst.append(arr)
    o, oper, frm, to, when, operator = (np.concatenate(p) for p in parts)
    user_cancel = (oper == 7) & (rng.random(len(o)) < 0.3)
    operator = np.where(user_cancel, 0, operator)
    operator = np.where(oper == 5, np.where(rng.random(len(o)) < 0.6, 3, 4), operator)
    remark = np.select([oper == 7, oper == 8], [np.where(user_cancel, 1, 0), 3], -1)
    step_no = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts[0])])
    srt = np.argsort(o * 16 + step_no, kind="stable")  # steps are listed in the order they happen
    o, oper, frm, to, when, operator, remark = (a[srt] for a in (o, oper, frm, to, when, operator, remark))
    cols: dict[str, Any] = dict(
        id=np.arange(1, len(o) + 1, dtype=np.int64) + 40_000_000, order_id=orders.id[o],
        tenant=take(["LKUS", "LKCK"], (orders.cook[o] & ~orders.mislabel[o])), oper_type=oper,
        from_status=np.maximum(frm, 0), to_status=to, operator=take(OPERATORS, operator),
        remark=take(CANCEL_REASONS, np.maximum(remark, 0)), create_time=when)
    return make_table("luckyus_sales_order.t_order_oper_history", cols,
                      dict(from_status=frm < 0, remark=remark < 0))

