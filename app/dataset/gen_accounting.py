"""Accounting (luckyus_ifiaccounting): income bills, voucher assist entries, cost bills.

Income bills book completed orders' ``pay_money`` per shop, local business date, hour and
payment channel, at the finest of those grains that fits the row target; large groups are split
into batches so the row count matches the seed. Voucher assist rows carry each bill's revenue
line; bills from the tax-split go-live onwards also carry a separate sales-tax line. Planted:
one bill booked short, one bill missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from app.dataset.arrowutil import concat, int_str, make_table, take
from app.dataset.gen_orders import OrderFrame, nearest
from app.dataset.gen_payments import TradeFrame
from app.dataset.gen_shops import D1, ZONES, ShopFrame
from app.dataset.timeutil import DAY, local_to_utc

IntArr = npt.NDArray[np.int64]
INCOME_BILLS = 136_000
VOUCHER_ROWS = 179_000
COST_BILLS = 5_649
SHORT_BILL = ("8th & Broadway", dt.datetime(2026, 2, 12, 17, 0), 0.2)
MISSING_BILL = ("221 Grand", dt.datetime(2026, 1, 9, 16, 0))
COST_TYPES = ["ingredients", "labor", "packaging", "rent", "utilities", "payment_fees", "maintenance"]


def _utc(ts: dt.datetime) -> int:
    return int((ts - dt.datetime(1970, 1, 1)).total_seconds())


def primary_channel(orders: OrderFrame, tr: TradeFrame) -> IntArr:
    """The channel of each order's largest successful trade (53 when it has none)."""
    ch = np.full(len(orders), 53, dtype=np.int64)
    ok = np.flatnonzero(np.isin(tr.status, (1, 2, 3)))
    srt = ok[np.lexsort((tr.amount[ok], tr.order[ok]))]
    ch[tr.order[srt]] = tr.channel[srt]  # the last write per order is its largest trade
    return ch


def income_bills(orders: OrderFrame, tr: TradeFrame, shops: ShopFrame, scale: float, rng: np.random.Generator,
                 manifest: dict[str, Any]) -> tuple[pa.Table, dict[str, Any]]:
    done = np.flatnonzero(orders.completed)
    channel = primary_channel(orders, tr)[done]
    shop, day = orders.shop[done], orders.day[done]
    hour = orders.local_sec[done] // 3600
    target = round(INCOME_BILLS * scale)
    d = (day - day.min()) * 2 + orders.nzd[done]  # a bill never mixes currencies
    grains = [((shop * 2048 + d) * 32 + hour) * 128 + channel, (shop * 2048 + d) * 128 + channel, shop * 2048 + d]
    for key in grains:  # the finest grain with no more groups than bills wanted
        uniq, inv = np.unique(key, return_inverse=True)
        if len(uniq) <= target:
            break
    inv = inv.ravel()
    size = np.bincount(inv)
    parts = np.ones(len(uniq), dtype=np.int64)
    extra = target - len(uniq)
    if extra > 0:  # split the largest groups into batches (largest remainder on order counts)
        cap = size - 1
        exact = extra * size / size.sum()
        add = np.minimum(np.floor(exact).astype(np.int64), cap)
        short = extra - int(add.sum())
        room = np.flatnonzero(add < cap)
        add[room[np.argsort(-(exact - add)[room], kind="stable")[:short]]] += 1
        parts += add
    srt = np.lexsort((orders.create[done], inv))
    g_sorted = inv[srt]
    starts = np.searchsorted(g_sorted, np.arange(len(uniq)))
    rank = np.arange(len(srt)) - starts[g_sorted]
    part = rank * parts[g_sorted] // size[g_sorted]
    bill_key = np.cumsum(np.r_[0, parts[:-1]])[g_sorted] + part
    bill_of = np.empty(len(done), dtype=np.int64)
    bill_of[srt] = bill_key
    n_bills = int(parts.sum())
    o = done
    income = np.bincount(bill_of, orders.pay[o], minlength=n_bills).astype(np.int64)
    tax = np.bincount(bill_of, orders.tax[o] + orders.vat[o], minlength=n_bills).astype(np.int64)
    count = np.bincount(bill_of, minlength=n_bills)
    first = np.full(n_bills, len(o), dtype=np.int64)
    np.minimum.at(first, bill_of, np.arange(len(o)))
    b_order = o[first]
    b_shop = orders.shop[b_order]
    b_day = orders.day[b_order]
    b_hour = orders.local_sec[b_order] // 3600
    b_channel = channel[first]
    b_cur = np.where(orders.nzd[b_order], "NZD", "USD")
    # planted: one bill booked short, one bill never created
    keep = np.ones(n_bills, dtype=bool)
    name, when, frac = SHORT_BILL
    cand = np.flatnonzero((shops.name[b_shop] == name) & (income > 2_000))
    b_time = orders.create[b_order]
    short_bill = nearest(cand, b_time, _utc(when), 1)
    short_by = np.round(income[short_bill] * frac).astype(np.int64)
    income[short_bill] -= short_by
    name2, when2 = MISSING_BILL
    cand2 = np.flatnonzero(shops.name[b_shop] == name2)
    missing_bill = nearest(cand2, b_time, _utc(when2), 1)
    keep[missing_bill] = False
    manifest["_income"] = dict(short_bill=short_bill, short_by=short_by, missing_bill=missing_bill,
                               missing_amount=income[missing_bill], shop=b_shop, day=b_day)
    rows = np.flatnonzero(keep)
    n = len(rows)
    ids = np.arange(1, n + 1, dtype=np.int64) + 5_000_000
    posted = local_to_utc(shops.zone[b_shop[rows]], ZONES, b_day[rows] + 1, rng.integers(2 * 3600, 4 * 3600, size=n))
    status = np.where(b_day[rows] >= D1 - 1, 2, np.where(rng.random(n) < 0.01, 3, 1))
    ymd_days = np.unique(b_day[rows])
    ymd = take([np.datetime64(int(d), "D").astype(str).replace("-", "") for d in ymd_days],
               np.searchsorted(ymd_days, b_day[rows]))
    bill_no = concat("IB", ymd, int_str(ids % 1_000_000, 6))
    cols: dict[str, Any] = dict(
        id=ids, bill_no=bill_no, tenant=np.where(b_cur[rows] == "NZD", "LKCK", "LKUS"),
        shop_id=shops.id[b_shop[rows]], business_date=b_day[rows], bill_hour=b_hour[rows],
        channel_id=b_channel[rows], order_count=count[rows], income_amount=income[rows], tax_amount=tax[rows],
        currency_code=b_cur[rows], bill_status=status, create_time=posted,
        update_time=posted + np.where(status == 3, rng.integers(DAY, 3 * DAY, size=n), 0))
    table = make_table("luckyus_ifiaccounting.t_acc_income_bill", cols)
    info: dict[str, Any] = dict(bill_no_idx=rows, shop=b_shop[rows], day=b_day[rows], income=income[rows],
                                tax=tax[rows], currency=b_cur[rows], posted=posted, ids=ids)
    return table, {"bill_no": bill_no, **info}


def voucher_table(bills: dict[str, Any], shops: ShopFrame, scale: float) -> pa.Table:
    n_bills = len(bills["ids"])
    target = round(VOUCHER_ROWS * scale)
    n_tax = int(np.clip(target - n_bills, 0, n_bills))
    order = np.argsort(bills["day"], kind="stable")
    tax_rows = np.sort(order[n_bills - n_tax:])  # the newest bills carry a separate tax line
    rev_amount = bills["income"] - np.where(np.isin(np.arange(n_bills), tax_rows), bills["tax"], 0)
    b = np.concatenate([np.arange(n_bills), tax_rows])
    is_tax = np.concatenate([np.zeros(n_bills, bool), np.ones(n_tax, bool)])
    amount = np.concatenate([rev_amount, bills["tax"][tax_rows]])
    srt = np.lexsort((is_tax, b))
    b, is_tax, amount = b[srt], is_tax[srt], amount[srt]
    n = len(b)
    shop_no = pa.array(shops.shop_no).take(pa.array(bills["shop"][b]))
    ymd_days = np.unique(bills["day"])
    ymd = take([np.datetime64(int(d), "D").astype(str).replace("-", "") for d in ymd_days],
               np.searchsorted(ymd_days, bills["day"][b]))
    cols: dict[str, Any] = dict(
        id=np.arange(1, n + 1, dtype=np.int64), voucher_no=concat("PV", ymd, "-", shop_no),
        bill_no=bills["bill_no"].take(pa.array(b)), shop_id=shops.id[bills["shop"][b]],
        business_date=bills["day"][b], account_code=take(["6001", "2221"], is_tax.astype(np.int64)),
        account_name=take(["Main business income", "Output sales tax payable"], is_tax.astype(np.int64)),
        debit_amount=np.zeros(n, np.int64), credit_amount=amount, currency_code=bills["currency"][b],
        create_time=bills["posted"][b] + 600, update_time=bills["posted"][b] + 600)
    return make_table("luckyus_ifiaccounting.t_pre_voucher_entry_assist", cols)


def cost_table(orders: OrderFrame, tr: TradeFrame, shops: ShopFrame, scale: float,
               rng: np.random.Generator) -> pa.Table:
    usd = orders.completed & ~orders.cook
    key = orders.shop * 100_000 + orders.day
    uk, inv = np.unique(key[usd], return_inverse=True)
    rev = np.bincount(inv, orders.pay[usd])
    s_shop, s_day = uk // 100_000, uk % 100_000
    n_sd = len(uk)
    # candidate rows: every cost type for every trading shop-day, most likely ones first
    ct = np.repeat(np.arange(len(COST_TYPES))[None, :], n_sd, 0).ravel()
    sd = np.repeat(np.arange(n_sd), len(COST_TYPES))
    day_of_month = (np.array(s_day, dtype="datetime64[D]") - np.array(s_day, dtype="datetime64[D]").astype(
        "datetime64[M]").astype("datetime64[D]")).astype(np.int64)[sd]
    weekday = (s_day[sd] + 3) % 7
    prio = np.select([ct == 0, ct == 1, (ct == 2) & (weekday == 0), (ct == 3) & (day_of_month == 0),
                      (ct == 4) & (day_of_month == 0), ct == 5], [6.0, 5.0, 4.0, 4.0, 4.0, 1.0], 0.5)
    prio = prio + rng.random(len(ct))
    target = min(round(COST_BILLS * scale), len(ct))
    pick = np.sort(np.argsort(-prio, kind="stable")[:target])
    ct, sd = ct[pick], sd[pick]
    base = rev[sd]
    amount = np.select(
        [ct == 0, ct == 1, ct == 2, ct == 3, ct == 4, ct == 5],
        [base * rng.uniform(0.26, 0.32, size=len(ct)), rng.integers(90_000, 160_000, size=len(ct)),
         rng.integers(40_000, 90_000, size=len(ct)), rng.integers(3_500_000, 6_000_000, size=len(ct)),
         rng.integers(180_000, 420_000, size=len(ct)), base * rng.uniform(0.028, 0.036, size=len(ct))],
        rng.integers(15_000, 120_000, size=len(ct))).astype(np.int64)
    supplier = np.where(np.isin(ct, (0, 2, 6)), rng.integers(1, 25, size=len(ct)), -1)
    posted = (s_day[sd] + 1) * DAY + 9 * 3600 + rng.integers(0, 6 * 3600, size=len(ct))
    n = len(ct)
    ids = np.arange(1, n + 1, dtype=np.int64)
    cols: dict[str, Any] = dict(
        id=ids, bill_no=concat("CB", int_str(ids + 880_000, 7)), shop_id=shops.id[s_shop[sd]],
        business_date=s_day[sd], cost_type=take(COST_TYPES, ct), supplier_id=supplier, amount=amount,
        currency_code=np.full(n, "USD"), create_time=posted, update_time=posted)
    return make_table("luckyus_ifiaccounting.t_acc_cost_bill", cols, dict(supplier_id=supplier < 0))
