"""The core generator: shops, menu, users, orders, payments, production, IoT and accounting.

``generate_core`` runs the steps in dependency order (each step's random stream is derived
from the seed and the step's name, so changing one step never shifts another) and returns the
Arrow tables keyed ``db.table``, the :class:`GenContext` handed to the growth and supply
generators, and the planted facts. The context carries each order's coupon deduction (the
growth generator redeems one coupon of that amount on it) and each item's SKU variant (the
supply generator deducts that SKU's formula from stock).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.dataset import gen_accounting as acc
from app.dataset import gen_iot as iot
from app.dataset import gen_order_tables as ot
from app.dataset import gen_payments as pay
from app.dataset import gen_production as prod
from app.dataset import gen_shops, gen_users
from app.dataset.arrowutil import empty_table
from app.dataset.context import GenContext, Items, Orders, Products, Shops, Users
from app.dataset.gen_facts import build_facts
from app.dataset.gen_menu import Menu, build_menu, commodity_table, pay_channel_table
from app.dataset.gen_orders import ItemFrame, OrderFrame, generate_orders
from app.dataset.gen_shops import ZONES, ShopFrame
from app.dataset.schema import TABLES

Step = Callable[[str], None]
EMPTY_DATABASES = ("luckyus_fi_tax", "luckyus_isalesmembermarketing")


def _rng(seed: int, name: str) -> np.random.Generator:
    key = int.from_bytes(name.encode()[:16].ljust(16, b"\0"), "little")
    return np.random.default_rng([seed, key])


def _context(seed: int, scale: float, bulk_scale: float, shops: ShopFrame, menu: Menu,
             users: gen_users.UserFrame, orders: OrderFrame, items: ItemFrame) -> GenContext:
    open_date = np.where(shops.open_day >= 0, shops.open_day, 0).astype("datetime64[D]")
    open_date[shops.open_day < 0] = np.datetime64("NaT")
    return GenContext(
        seed=seed, scale=scale, bulk_scale=bulk_scale,
        shops=Shops(id=shops.id, shop_no=shops.shop_no, name=shops.name,
                    time_zone=np.array(ZONES)[shops.zone], currency=shops.currency, open_date=open_date,
                    test_flag=shops.test_flag.astype(np.int8),
                    is_nyc_store=shops.kind == "nyc"),
        products=Products(spu_code=menu.spu_code, name=menu.name, category=menu.category,
                          price=menu.list_cents / 100.0, is_food=menu.is_food, is_iced=menu.is_iced),
        users=Users(user_no=users.user_no, register_time=users.register.astype("datetime64[s]"),
                    register_channel=users.channel.astype(np.int8)),
        orders=Orders(id=orders.id, user=orders.user, shop=orders.shop,
                      create_time=orders.create.astype("datetime64[s]"),
                      local_date=orders.day.astype("datetime64[D]"), status=orders.status.astype(np.int16),
                      channel=orders.channel.astype(np.int16), order_type=orders.order_type.astype(np.int16),
                      pay_money=orders.pay / 100.0, currency=np.where(orders.nzd, "NZD", "USD"),
                      coupon_deduct=ot.coupon_deduct(orders, scale)),
        items=Items(order=items.order, product=items.product, quantity=items.qty, pay_money=items.pay / 100.0,
                    variant=items.variant),
    )


def generate_core(seed: int, scale: float, bulk_scale: float, step: Step | None = None,
                  on_context: Callable[[GenContext], None] | None = None,
                  ) -> tuple[dict[str, pa.Table], GenContext, dict[str, Any]]:
    """All core tables. ``on_context`` is called as soon as the context is complete (orders, items,
    users), so the growth and supply generators can run while payments, production and IoT are built."""
    note: Step = step or (lambda _msg: None)
    raw: dict[str, Any] = {}
    t: dict[str, pa.Table] = {}

    note("shops and menu")
    shops = gen_shops.build_shops(_rng(seed, "shops"))
    menu = build_menu()
    t["luckyus_opshop.t_shop_info"] = gen_shops.shop_info_table(shops, _rng(seed, "shop-info"))
    t["luckyus_opshop.t_shop_opening_time"] = gen_shops.opening_time_table(shops, _rng(seed, "hours"))
    t["luckyus_scm_commodity.t_commodity_base_info"] = commodity_table(_rng(seed, "commodity"))
    t["luckyus_sales_payment.t_pay_channel"] = pay_channel_table()

    note("orders and items")
    orders, items, _vol = generate_orders(shops, menu, scale, _rng(seed, "orders"), raw)

    note("users")
    users = gen_users.build_users(orders, shops, scale, _rng(seed, "users"))
    gen_users.assign_users(orders, users, shops, _rng(seed, "assign"), raw)
    crm = gen_users.user_table(users, shops, _rng(seed, "crm"))
    t["luckyus_sales_crm.t_user"] = crm
    ctx = _context(seed, scale, bulk_scale, shops, menu, users, orders, items)
    ctx.manifest["_churn_cohort"] = raw["_churn_cohort"]  # user indexes, for gen_growth's churn fact
    if on_context is not None:
        on_context(ctx)

    note("payments")
    trades = pay.generate_trades(orders, shops, scale, _rng(seed, "trades"), raw)
    order_no = ot.order_numbers(orders)

    note("production")
    pr = prod.generate_production(orders, items, shops, menu, scale, _rng(seed, "production"), raw)
    fleet = iot.build_fleet(shops, _rng(seed, "fleet"), raw)
    p_rows, i_rows = prod.commodity_rows(pr, orders, items, menu)
    when = np.where(pr.accept[p_rows] >= 0, pr.accept[p_rows], pr.create[p_rows])
    device = iot.choose_devices(fleet, shops, menu, orders.shop[pr.order[p_rows]], items.product[i_rows], when,
                                _rng(seed, "devices"), raw)
    sku = ot.sku_lookup(menu, items)
    dev_no = pa.array(fleet.device_no).take(pa.array(np.maximum(device, 0)))
    dev_no = pc.if_else(pa.array(device < 0), pa.scalar(None, pa.string()), dev_no)
    t["luckyus_opproduction.t_production"] = prod.production_table(pr, orders, shops)
    t["luckyus_opproduction.t_commodity"] = prod.commodity_table(pr, p_rows, i_rows, orders, items, menu, dev_no,
                                                                 sku[0].take(pa.array(i_rows)))
    t["luckyus_opproduction.t_print_receipt"] = prod.print_table(pr, orders, items, shops, scale, bulk_scale,
                                                                 _rng(seed, "prints"))

    note("IoT")
    fm = iot.build_formulas(menu)
    t["luckyus_iot_platform.t_coffee_formula"] = iot.formula_table(fm, menu, _rng(seed, "formula"))
    cups = iot.cup_table(fleet, fm, shops, menu, pr, p_rows, i_rows, device, orders, items, scale,
                         _rng(seed, "cups"))
    t["luckyus_iot_platform.t_cup_order_info"] = cups
    events, last_maint = iot.device_events(fleet, shops, scale, _rng(seed, "events"), raw)
    t["luckyus_iot_platform.t_device_event"] = events
    t["luckyus_iot_platform.t_device"] = iot.device_table(fleet, shops, last_maint, _rng(seed, "device"))

    note("order and payment tables")
    t["luckyus_sales_order.t_order"] = ot.order_table(orders, users, shops, order_no, raw["_refund_spike_orders"],
                                                      _rng(seed, "order-table"))
    t["luckyus_sales_order.t_order_item"] = ot.item_table(orders, items, menu, sku)
    t["luckyus_sales_order.t_order_amount"] = ot.amount_table(orders, scale)
    t["luckyus_sales_order.t_order_oper_history"] = ot.oper_history_table(orders, pr, _rng(seed, "oper"))
    t["luckyus_sales_payment.t_trade"] = pay.trade_table(trades, orders, users, shops, order_no,
                                                         _rng(seed, "trade-table"))
    t["luckyus_sales_payment.t_channel_fee"] = pay.channel_fee_table(trades, orders, _rng(seed, "fees"), raw)
    t["luckyus_sales_payment.t_user_channel"] = pay.user_channel_table(trades, orders, users, scale,
                                                                       _rng(seed, "user-channel"))
    t["luckyus_sales_payment.t_user"] = pay.stripe_user_table(trades, orders, users, crm.column("email"), scale,
                                                              _rng(seed, "stripe-user"))

    note("accounting")
    bills_t, bills = acc.income_bills(orders, trades, shops, scale, _rng(seed, "income"), raw)
    t["luckyus_ifiaccounting.t_acc_income_bill"] = bills_t
    t["luckyus_ifiaccounting.t_pre_voucher_entry_assist"] = acc.voucher_table(bills, shops, scale)
    t["luckyus_ifiaccounting.t_acc_cost_bill"] = acc.cost_table(orders, trades, shops, scale, _rng(seed, "cost"))

    for q, tab in TABLES.items():
        if tab.database in EMPTY_DATABASES:
            t[q] = empty_table(q)

    note("planted facts")
    facts = build_facts(shops, menu, users, orders, items, trades, pr, fleet, bills, order_no, cups, raw, scale)
    return t, ctx, facts
