"""The planted facts of the core generator, written to ``manifest.json`` for tools and tests.

Manifest schema (JSON): ``{"kind": {"description": str, "facts": [ {...}, ... ], ...}, ...}``.
Every fact carries the keys a tool needs to find it (ids, order numbers, shop_id/shop_name,
local ``business_date`` as ISO date, UTC times as ISO ``YYYY-MM-DD HH:MM:SS``) and the amounts
as they appear in the data (``*_cents`` in cents, ``*_usd`` in dollars). Kinds written here:

- ``reconciliation_mismatch``: shop-days where orders (t_order status 90, pay_money), payments
  (t_trade status 1/2 of those orders, amount) and accounting (t_acc_income_bill income_amount)
  disagree, with each total and the cause (missing trade, trade amount off, bill short, bill missing).
- ``trade_without_fee`` / ``fee_without_trade``: settled trades lacking a t_channel_fee row, and
  fee rows whose trade_id is not in t_trade. (Status 1 trades are awaiting settlement by design.)
- ``missing_tax`` / ``zero_tax``: orders whose taxable items have NULL tax/tax_rate, or tax 0.00.
- ``device_offline`` / ``device_degraded``: machines that went offline (when), and one whose
  cups per working hour fell by more than 20 % from a date.
- ``production_outlier``: productions with done - accept > 1,800 s (the longest is 9,839 s).
- ``currency_mislabel``: Cook Islands (NZD) orders labelled USD in t_order.
- ``anomalous_day``: a network-wide order spike and a one-shop order drop.
- ``refund_spike``: the day and shop with many refunds.
- ``timezone_trap``: New York evening orders of "yesterday" that fall on the next UTC day.
- ``churn_cohort``: users whose order frequency collapses after a date.
- ``basket_pair``: two products bought together far above chance.
- ``calendar``: holidays with reduced hours/volume (context for anomaly detection).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from app.dataset import gen_users, gen_volume
from app.dataset.gen_iot import Fleet
from app.dataset.gen_menu import Menu
from app.dataset.gen_orders import KIND_REFUNDED, PAIR, REFUND_SPIKE_DAY, REFUND_SPIKE_SHOP, ItemFrame, OrderFrame
from app.dataset.gen_payments import TradeFrame
from app.dataset.gen_production import ProdFrame
from app.dataset.gen_shops import D0, D1, ShopFrame
from app.dataset.gen_users import UserFrame
from app.dataset.timeutil import DAY, day_number, to_date

IntArr = npt.NDArray[np.int64]


def iso(ts: int) -> str:
    return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(ts))).strftime("%Y-%m-%d %H:%M:%S")


def iso_day(day: int) -> str:
    return to_date(int(day)).isoformat()


def _shop(shops: ShopFrame, k: int) -> dict[str, Any]:
    return {"shop_id": int(shops.id[k]), "shop_name": str(shops.name[k])}


def _day_totals(orders: OrderFrame, tr: TradeFrame, bills: dict[str, Any], k: int, day: int) -> dict[str, Any]:
    sel = orders.completed & (orders.shop == k) & (orders.day == day)
    o_total = int(orders.pay[sel].sum())
    t_ok = np.isin(tr.status, (1, 2)) & sel[tr.order]
    t_total = int(tr.amount[t_ok].sum())
    b = (bills["shop"] == k) & (bills["day"] == day)
    i_total = int(bills["income"][b].sum())
    return {"orders_total_cents": o_total, "trades_total_cents": t_total, "income_total_cents": i_total,
            "orders_minus_trades_cents": o_total - t_total, "orders_minus_income_cents": o_total - i_total}


def build_facts(shops: ShopFrame, menu: Menu, users: UserFrame, orders: OrderFrame, items: ItemFrame,
                tr: TradeFrame, pr: ProdFrame, fleet: Fleet, bills: dict[str, Any], order_no: pa.Array,
                cups: pa.Table, raw: dict[str, Any], scale: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ono = order_no.to_numpy(zero_copy_only=False)

    # --- reconciliation
    recon: list[dict[str, Any]] = []
    miss = raw["_missing_trades"]
    for k in np.unique(orders.shop[miss]):
        for day in np.unique(orders.day[miss][orders.shop[miss] == k]):
            sel = miss[(orders.shop[miss] == k) & (orders.day[miss] == day)]
            recon.append({"cause": "missing_trade", **_shop(shops, int(k)), "business_date": iso_day(day),
                          "order_ids": orders.id[sel].tolist(), "order_nos": ono[sel].tolist(),
                          "amount_cents": int(orders.pay[sel].sum()),
                          **_day_totals(orders, tr, bills, int(k), int(day))})
    off_orders, deltas = raw["_cents_off"]
    for k in np.unique(orders.shop[off_orders]):
        for day in np.unique(orders.day[off_orders][orders.shop[off_orders] == k]):
            m = (orders.shop[off_orders] == k) & (orders.day[off_orders] == day)
            sel = off_orders[m]
            t_ids = tr.id[np.isin(tr.order, sel) & np.isin(tr.status, (1, 2))]
            recon.append({"cause": "trade_amount_off", **_shop(shops, int(k)), "business_date": iso_day(day),
                          "order_ids": orders.id[sel].tolist(), "order_nos": ono[sel].tolist(),
                          "trade_ids": t_ids.tolist(), "trade_minus_order_cents": deltas[m].tolist(),
                          **_day_totals(orders, tr, bills, int(k), int(day))})
    inc = raw["_income"]
    for cause, b_idx, amount in (("income_bill_short", inc["short_bill"], inc["short_by"]),
                                 ("income_bill_missing", inc["missing_bill"], inc["missing_amount"])):
        for j, b in enumerate(b_idx):
            k, day = int(inc["shop"][b]), int(inc["day"][b])
            recon.append({"cause": cause, **_shop(shops, k), "business_date": iso_day(day),
                          "amount_cents": int(np.atleast_1d(amount)[j]),
                          **_day_totals(orders, tr, bills, k, day)})
    out["reconciliation_mismatch"] = {
        "description": "Shop-days where orders (status 90 pay_money), payments (t_trade status 1/2 amount, by "
                       "the order's local date) and accounting (t_acc_income_bill income_amount) disagree. "
                       "All other USD shop-days agree exactly.",
        "facts": recon}

    # --- fees
    orphan = raw["_orphan_trades"]
    out["trade_without_fee"] = {
        "description": "Settled trades (status 2) with no t_channel_fee row. Status 1 trades (newest, not yet "
                       "settled by Stripe) have no fee row by design.",
        "facts": [{"trade_id": int(tr.id[i]), "trade_no": f"TR{int(tr.id[i]) + 7_310_000_000_000}",
                   "order_id": int(orders.id[tr.order[i]]), **_shop(shops, int(orders.shop[tr.order[i]])),
                   "channel_id": int(tr.channel[i]), "amount_cents": int(tr.amount[i]),
                   "pay_time": iso(int(tr.pay_time[i]))} for i in orphan]}
    g = raw["_ghost_fees"]
    out["fee_without_trade"] = {
        "description": "t_channel_fee rows whose trade_id does not exist in t_trade.",
        "facts": [{"trade_id": int(t), "trade_no": f"TR{int(t) + 7_310_000_000_000}", "amount_cents": int(a),
                   "channel_id": int(c), "total_fee_cents": int(f), "create_time": iso(int(w))}
                  for t, a, c, f, w in zip(g["trade_id"], g["amount"], g["channel"], g["total_fee"], g["time"],
                                           strict=True)]}

    # --- tax
    for spec in raw["_tax"]:
        o = spec["orders"]
        out[spec["kind"]] = {
            "description": spec["note"], "shop": _shop(shops, int(spec["shop"])),
            "expected_tax_cents": spec["expected_tax_cents"], "items": len(spec["items"]),
            "facts": [{"order_id": int(orders.id[i]), "order_no": str(ono[i]), "business_date": iso_day(orders.day[i]),
                       "create_time": iso(int(orders.create[i])), "pay_money_cents": int(orders.pay[i])} for i in o]}

    # --- devices
    facts = []
    dev_col = cups.column("device_no").to_numpy(zero_copy_only=False)
    start_col = cups.column("start_time").cast(pa.int64()).to_numpy() // 1_000_000
    for p in raw["_offline_plants"]:
        i = p["device"]
        mine = dev_col == fleet.device_no[i]
        last_cup = int(start_col[mine].max()) if mine.any() else None
        facts.append({"device_no": str(fleet.device_no[i]), "device_name": str(fleet.name[i]),
                      **_shop(shops, int(fleet.shop[i])), "offline_at": iso(p["offline_at"]),
                      "last_cup_time": iso(last_cup) if last_cup else None})
    out["device_offline"] = {
        "description": "Machines in open stores that went offline (t_device.online_status 0, last_online_time; "
                       "t_device_event error then offline); no cups after that time.",
        "facts": facts}
    deg = raw["_degraded"]
    i = deg["device"]
    mine = dev_col == fleet.device_no[i]
    t = start_col[mine]
    since = deg["since"]
    before = t[(t >= since - 28 * DAY) & (t < since)]
    after = t[(t >= since) & (t < since + 28 * DAY)]

    def per_hour(x: IntArr) -> float:
        hours = len(np.unique(x // 3600))
        return round(len(x) / hours, 3) if hours else 0.0

    b_rate, a_rate = per_hour(before), per_hour(after)
    out["device_degraded"] = {
        "description": "A machine whose cups per working hour (hours with at least one cup) fall by more than 20 % "
                       "from a date, 28 days before vs 28 days after.",
        "facts": [{"device_no": str(fleet.device_no[i]), "device_name": str(fleet.name[i]),
                   **_shop(shops, int(fleet.shop[i])), "since": iso_day(since // DAY),
                   "baseline_cups_per_hour": b_rate, "degraded_cups_per_hour": a_rate,
                   "drop_pct": round(100 * (1 - a_rate / b_rate), 1) if b_rate else None}]}

    # --- production outliers
    outl = raw["_outliers"]
    dur = pr.done[outl] - pr.accept[outl]
    out["production_outlier"] = {
        "description": "Productions with TIMESTAMPDIFF(SECOND, accept_time, done_time) > 1800.",
        "threshold_s": 1800, "max_s": int(dur.max()),
        "facts": [{"production_id": int(pr.id[j]), "order_id": int(orders.id[pr.order[j]]),
                   **_shop(shops, int(orders.shop[pr.order[j]])), "create_time": iso(int(pr.create[j])),
                   "seconds": int(d)} for j, d in zip(outl, dur, strict=True)]}

    # --- currency
    mis = np.flatnonzero(orders.mislabel)
    out["currency_mislabel"] = {
        "description": "Cook Islands test-shop orders labelled currency_code 'USD' in t_order (their trades are NZD).",
        "facts": [{"order_id": int(orders.id[i]), "order_no": str(ono[i]), **_shop(shops, int(orders.shop[i])),
                   "status": int(orders.status[i]), "pay_money": round(int(orders.pay[i]) / 100, 2),
                   "business_date": iso_day(orders.day[i])} for i in mis]}

    # --- anomalous days
    done = orders.completed
    nyc = shops.kind[orders.shop] == "nyc"
    per_day = np.bincount(orders.day[done & nyc] - D0, minlength=D1 - D0 + 1)
    spike = day_number(gen_volume.SPIKE_DAY) - D0
    same_wd = per_day[spike % 7::7]
    drop_k = shops.index(gen_volume.DROP_SHOP)
    drop_day = day_number(gen_volume.DROP_DAY) - D0
    shop_days = np.bincount(orders.day[done & (orders.shop == drop_k)] - D0, minlength=D1 - D0 + 1)
    around = shop_days[max(drop_day - 28, 0): drop_day + 28][(np.arange(max(drop_day - 28, 0), drop_day + 28)
                                                             % 7) == drop_day % 7]
    out["anomalous_day"] = {
        "description": "Days with anomalous completed-order volume (local business date).",
        "facts": [{"kind": "spike", "business_date": iso_day(spike + D0), "scope": "all NYC stores",
                   "cause": "National Coffee Day promotion", "orders": int(per_day[spike]),
                   "median_same_weekday": float(np.median(same_wd[same_wd > 0]))},
                  {"kind": "drop", "business_date": iso_day(drop_day + D0), **_shop(shops, drop_k),
                   "cause": "POS outage", "orders": int(shop_days[drop_day]),
                   "median_same_weekday_8w": float(np.median(around[around > 0]))}]}

    # --- refunds
    rk = shops.index(REFUND_SPIKE_SHOP)
    rday = day_number(REFUND_SPIKE_DAY)
    refunded = orders.kind == KIND_REFUNDED
    daily = np.bincount(orders.day[refunded] - D0, minlength=D1 - D0 + 1)
    on_day = refunded & (orders.shop == rk) & (orders.day == rday)
    out["refund_spike"] = {
        "description": "Refunded orders (t_order status 0 with pay_money > 0; t_trade status 3, refund_amount) "
                       "spike on one day at one shop.",
        "facts": [{**_shop(shops, rk), "business_date": iso_day(rday), "refunds": int(on_day.sum()),
                   "refund_amount_cents": int(orders.pay[on_day].sum()),
                   "median_daily_refunds_all_shops": float(np.median(daily)),
                   "cause": "espresso machine failure"}]}

    # --- time zone trap
    yday = D1
    ny = shops.zone[orders.shop] == 0
    y = done & ny & (orders.day == yday)
    late = y & (orders.local_sec >= 19 * 3600)
    next_utc = late & (orders.create // DAY > yday)
    out["timezone_trap"] = {
        "description": "Orders of local business date 2026-02-13 ('yesterday') placed after 19:00 New York time "
                       "carry a UTC create_time on 2026-02-14; DATE(create_time) misattributes them.",
        "facts": [{"business_date": iso_day(yday), "orders_local_day": int(y.sum()),
                   "orders_utc_day": int((done & ny & (orders.create // DAY == yday)).sum()),
                   "orders_after_19_local": int(late.sum()), "orders_on_next_utc_day": int(next_utc.sum()),
                   "example_order_ids": orders.id[next_utc][:5].tolist()}]}

    # --- churn
    cohort = raw["_churn_cohort"]
    cut = day_number(gen_users.CHURN_FROM)
    in_c = np.isin(orders.user, cohort) & done
    before_w = (cut - (day_number(gen_users.CHURN_REGISTERED[1]) + 1)) / 7
    after_w = (D1 + 1 - cut) / 7
    n_c = max(len(cohort), 1)
    out["churn_cohort"] = {
        "description": "Users registered in July 2025 whose home shop is 8th & Broadway (register_shop_id) order "
                       "at their usual rate until 2025-11-01, then almost stop.",
        "facts": [{"register_from": gen_users.CHURN_REGISTERED[0].isoformat(),
                   "register_to": gen_users.CHURN_REGISTERED[1].isoformat(),
                   **_shop(shops, shops.index(gen_users.CHURN_SHOP)), "collapse_from": gen_users.CHURN_FROM.isoformat(),
                   "users": len(cohort), "user_nos_sample": users.user_no[cohort][:10].tolist(),
                   "orders_per_user_week_before": round(float((in_c & (orders.day >= cut - 7 * before_w)
                                                               & (orders.day < cut)).sum()) / n_c / before_w, 4),
                   "orders_per_user_week_after": round(float((in_c & (orders.day >= cut)).sum()) / n_c / after_w, 4)}]}

    # --- basket pair
    a, b = menu.index(PAIR[0]), menu.index(PAIR[1])
    ci = done[items.order]
    has_a = np.bincount(items.order[ci & (items.product == a)], minlength=len(orders)) > 0
    has_b = np.bincount(items.order[ci & (items.product == b)], minlength=len(orders)) > 0
    n_done = int(done.sum())
    both = int((has_a & has_b).sum())
    pa_, pb_ = has_a.sum() / n_done, has_b.sum() / n_done
    out["basket_pair"] = {
        "description": "Two products in the same completed order far more often than chance (lift = "
                       "P(A and B) / (P(A) P(B)) over completed orders).",
        "facts": [{"product_a": PAIR[0], "product_b": PAIR[1], "spu_code_a": str(menu.spu_code[a]),
                   "spu_code_b": str(menu.spu_code[b]), "orders_with_both": both,
                   "orders_with_a": int(has_a.sum()), "orders_with_b": int(has_b.sum()),
                   "lift": round(float(both / n_done / (pa_ * pb_)), 1)}]}
    out["calendar"] = {
        "description": "US holidays with reduced hours or volume at NYC shops (not planted anomalies).",
        "facts": [{"business_date": d.isoformat(), "volume_factor": f} for d, f in
                  sorted(gen_volume.HOLIDAY_FACTOR.items())]}
    return out
