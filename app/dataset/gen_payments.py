"""Payments (luckyus_sales_payment): trades, Stripe fee records, saved payment methods, Stripe customers.

Every paid order has one successful trade (a few have two: split tender), in cents, in the
order's currency. Channels are assigned so each channel_id's count and dollar total match the
seed's Tool 8 table: the Cook Islands NZD test payments all run through channel 1 ("Other
Card"), the rest is allocated by a tilted draw over amounts (bigger baskets lean to some
channels) solved exactly on the histogram of amounts. Settled trades (status 2) have a fee
record; the newest trades are still awaiting settlement (status 1) and have none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.dataset import reference as ref
from app.dataset.arrowutil import concat, int_str, make_table, random_token, take
from app.dataset.gen_orders import KIND_COMPLETED, KIND_PENDING, KIND_REFUNDED, KIND_UNPAID, OrderFrame, nearest
from app.dataset.gen_shops import ShopFrame
from app.dataset.gen_users import UserFrame
from app.dataset.timeutil import DAY

IntArr = npt.NDArray[np.int64]
FloatArr = npt.NDArray[np.float64]
TRADES = 518_000
FEE_ROWS = 502_000
USER_CHANNELS = 157_000
STRIPE_USERS = 10_000
CARD_BRANDS = ["Visa", "Mastercard", "Amex", "Discover"]
CARD_P = np.array([0.52, 0.28, 0.14, 0.06])


@dataclass
class TradeFrame:
    order: IntArr  # index into OrderFrame, -1 never (every trade belongs to an order)
    amount: IntArr
    channel: IntArr
    status: IntArr
    create: IntArr
    pay_time: IntArr  # -1 = NULL
    refund: IntArr
    fee: IntArr  # total fee charged (0 when no fee record is expected)
    has_fee_row: npt.NDArray[np.bool_]
    id: IntArr

    def __len__(self) -> int:
        return len(self.order)


def utc(ts: dt.datetime) -> int:
    return int((ts - dt.datetime(1970, 1, 1)).total_seconds())


# ----------------------------------------------------------------------------- exact channel allocation

def select_by_value(x: IntArr, n: int, total: float, rng: np.random.Generator) -> npt.NDArray[np.bool_]:
    """Pick exactly ``n`` of ``x`` whose sum is as close to ``total`` as the values allow.

    Works on the histogram of values: an exponentially tilted, capacity-capped allocation is
    solved by bisection, rounded, then nudged one unit at a time; rows are drawn per value.
    """
    if n >= len(x):
        return np.ones(len(x), dtype=bool)
    hist = np.bincount(x - x.min())  # amounts are integer cents: a histogram beats sorting
    u = np.flatnonzero(hist) + x.min()
    c = hist[u - x.min()]
    lut = np.zeros(len(hist), dtype=np.int64)
    lut[u - x.min()] = np.arange(len(u))
    inv = lut[x - x.min()]
    lu = np.log(np.maximum(u, 1).astype(np.float64))
    z = (lu - lu.mean()) / (lu.std() + 1e-9)
    cf = c.astype(np.float64)

    def alloc(theta: float) -> FloatArr:
        w = cf * np.exp(np.clip(theta * z, -60, 60))
        lo, hi = 0.0, 1.0
        while np.minimum(cf, hi * w).sum() < n:
            hi *= 4
        for _ in range(60):
            mid = (lo + hi) / 2
            if np.minimum(cf, mid * w).sum() < n:
                lo = mid
            else:
                hi = mid
        return np.minimum(cf, hi * w)

    lo_t, hi_t = -12.0, 12.0
    for _ in range(50):
        mid = (lo_t + hi_t) / 2
        if (alloc(mid) * u).sum() < total:
            lo_t = mid
        else:
            hi_t = mid
    s_f = alloc((lo_t + hi_t) / 2)
    s = np.floor(s_f).astype(np.int64)
    short = n - int(s.sum())
    room = np.flatnonzero(s < c)
    if short > 0:
        frac = (s_f - s)[room]
        s[room[np.argsort(-frac, kind="stable")[:short]]] += 1
    uf = u.astype(np.float64)
    for _ in range(400):  # best single-unit moves (value a -> value b) towards the exact total
        diff = total - float((s * uf).sum())
        if abs(diff) < 1:
            break
        have = np.flatnonzero(s > 0)
        free = np.flatnonzero(s < c)
        pos = np.clip(np.searchsorted(uf[free], uf[have] + diff), 1, len(free) - 1) if len(free) > 1 else \
            np.zeros(len(have), np.int64)
        cand = np.stack([free[np.maximum(pos - 1, 0)], free[pos]], 1)
        resid = np.abs(diff - (uf[cand] - uf[have][:, None]))
        resid[cand == have[:, None]] = np.inf
        k = int(np.argmin(resid))
        ai, bi = divmod(k, 2)
        if resid[ai, bi] >= abs(diff):
            break
        s[have[ai]] -= 1
        s[cand[ai, bi]] += 1
    order = np.argsort(inv + rng.random(len(x)), kind="stable")  # by value, random within a value
    starts = np.searchsorted(inv[order], np.arange(len(u)))
    rank = np.empty(len(x), dtype=np.int64)
    rank[order] = np.arange(len(x)) - starts[inv[order]]
    return rank < s[inv]


def assign_channels(amount: IntArr, prefill: dict[int, IntArr], targets: list[tuple[int, int, float]],
                    rng: np.random.Generator) -> IntArr:
    """Channel per trade so each (channel, count, sum) target is met; the last target takes the rest."""
    ch = np.full(len(amount), -1, dtype=np.int64)
    for c, idx in prefill.items():
        ch[idx] = c
    for c, n_c, s_c in targets[:-1]:
        have = ch == c
        need = n_c - int(have.sum())
        if need <= 0:
            continue
        pool = np.flatnonzero(ch < 0)
        pick = select_by_value(amount[pool], need, s_c - float(amount[have].sum()), rng)
        ch[pool[pick]] = c
    ch[ch < 0] = targets[-1][0]
    return ch


# ----------------------------------------------------------------------------- trades

def generate_trades(orders: OrderFrame, shops: ShopFrame, scale: float, rng: np.random.Generator,
                    manifest: dict[str, Any]) -> TradeFrame:
    n = len(orders)
    pay_time = np.where(orders.paid, orders.create + rng.integers(5, 90, size=n), -1)
    orders.pay_time = pay_time  # type: ignore[attr-defined]
    paid = np.flatnonzero(orders.paid)

    # planted: completed orders whose payment never reached t_trade
    missing: list[int] = []
    usd_done = orders.completed & ~orders.cook
    for shop_name, when, k in (("37th & Broadway", dt.datetime(2026, 1, 14, 18, 30), 3),
                               ("102 Fulton", dt.datetime(2025, 12, 3, 14, 0), 2)):
        cand = np.flatnonzero(usd_done & (orders.shop == shops.index(shop_name)))
        missing += nearest(cand, orders.create, utc(when), k).tolist()
    missing_arr = np.array(sorted(missing), dtype=np.int64)
    excluded = np.zeros(n, dtype=bool)
    excluded[missing_arr] = True
    base = paid[~excluded[paid]]

    counts = {c.channel_id: max(1, round(c.txns * scale)) for c in ref.PAY_CHANNELS}
    n_success = sum(counts.values())
    n_split = max(0, n_success - len(base))
    split_cand = np.flatnonzero(orders.completed & ~orders.cook & (orders.pay >= 300) & ~excluded)
    split = np.sort(rng.choice(split_cand, size=min(n_split, len(split_cand)), replace=False))
    first_part = np.round(orders.pay[split] * rng.uniform(0.2, 0.8, size=len(split))).astype(np.int64)
    t_order = np.concatenate([base, split])
    amount = orders.pay[t_order].copy()
    split_mask = np.zeros(n, dtype=bool)
    split_mask[split] = True
    is_split = split_mask[base]
    amount[: len(base)][is_split] -= first_part
    amount[len(base):] = first_part

    # planted: trades whose amount is off by a few cents from the order
    cand = np.flatnonzero((usd_done & (orders.shop == shops.index("28th & 6th")) & ~split_mask)[t_order])
    off = nearest(cand, orders.create[t_order], utc(dt.datetime(2026, 2, 10, 16, 0)), 4)
    deltas = np.array([37, -50, 99, -1], dtype=np.int64)[: len(off)]
    amount[off] += deltas
    manifest["_missing_trades"] = missing_arr
    manifest["_cents_off"] = (t_order[off], deltas)

    nzd = np.flatnonzero(orders.nzd[t_order])
    targets = sorted(((c.channel_id, counts[c.channel_id], c.dollars * scale * 100) for c in ref.PAY_CHANNELS),
                     key=lambda t: (t[0] != 1, t[1]))
    targets = [t for t in targets if t[0] != 53] + [t for t in targets if t[0] == 53]
    channel = assign_channels(amount, {1: nzd}, targets, rng)

    status = np.where(orders.kind[t_order] == KIND_REFUNDED, 3, 2).astype(np.int64)
    refund = np.where(status == 3, amount, 0)
    t_pay = pay_time[t_order] + np.where(np.arange(len(t_order)) >= len(base), 2, 0)

    # failed, closed and created attempts fill t_trade up to its row count
    n_fail = max(0, round(TRADES * scale) - len(t_order))
    pending = np.flatnonzero(orders.kind == KIND_PENDING)
    unpaid = np.flatnonzero(orders.kind == KIND_UNPAID)
    done = np.flatnonzero(orders.kind == KIND_COMPLETED)
    n_closed = min(len(unpaid), int(0.6 * max(0, n_fail - len(pending))))
    n_retry = max(0, n_fail - len(pending) - n_closed)
    f_order = np.concatenate([pending, rng.choice(unpaid, size=n_closed, replace=False),
                              rng.choice(done, size=n_retry, replace=False)])
    f_status = np.concatenate([np.zeros(len(pending), np.int64), np.full(n_closed, 5), np.full(n_retry, 4)])
    probs = np.array([counts[c.channel_id] for c in ref.PAY_CHANNELS], dtype=np.float64)
    f_channel = np.array([c.channel_id for c in ref.PAY_CHANNELS])[
        rng.choice(len(probs), size=len(f_order), p=probs / probs.sum())]
    f_channel = np.where(orders.nzd[f_order], 1, f_channel)
    f_create = orders.create[f_order] + np.where(f_status == 4, 2, rng.integers(3, 40, size=len(f_order)))

    all_order = np.concatenate([t_order, f_order])
    all_amount = np.concatenate([amount, orders.payable[f_order]])
    all_channel = np.concatenate([channel, f_channel])
    all_status = np.concatenate([status, f_status])
    all_create = np.concatenate([np.maximum(t_pay - rng.integers(1, 5, size=len(t_order)), orders.create[t_order]),
                                 f_create])
    all_pay = np.concatenate([t_pay, np.full(len(f_order), -1)])
    all_refund = np.concatenate([refund, np.zeros(len(f_order), np.int64)])
    srt = np.lexsort((np.arange(len(all_order)), all_create))
    all_order, all_amount, all_channel, all_status, all_create, all_pay, all_refund = (
        a[srt] for a in (all_order, all_amount, all_channel, all_status, all_create, all_pay, all_refund))

    # settlement: the newest successful trades are not settled yet (status 1, no fee record)
    bps = dict((c.channel_id, c.fee_bps) for c in ref.PAY_CHANNELS)
    fixed = dict((c.channel_id, c.fee_fixed_cents) for c in ref.PAY_CHANNELS)
    succ = np.flatnonzero(np.isin(all_status, (2, 3)))
    n_orphan = 6
    n_ghost = 4
    want_settled = round(FEE_ROWS * scale) + n_orphan - n_ghost
    settled_2 = succ[all_status[succ] == 2]
    n_unsettled = max(0, len(succ) - want_settled)
    late = settled_2[np.argsort(all_pay[settled_2], kind="stable")[len(settled_2) - n_unsettled:]]
    all_status[late] = 1
    fee = _fees(all_amount, all_channel, bps, fixed)[2]
    has_fee = np.isin(all_status, (2, 3))
    # planted: settled trades whose fee record is missing
    cand = np.flatnonzero((all_status == 2) & (orders.shop[all_order] == shops.index("54th & 8th")))
    orphan = nearest(cand, all_pay, utc(dt.datetime(2025, 10, 9, 15, 0)), n_orphan)
    has_fee[orphan] = False
    fee = np.where(np.isin(all_status, (2, 3)), fee, 0)
    ids = np.arange(1, len(all_order) + 1, dtype=np.int64) + 50_000_000
    manifest["_orphan_trades"] = orphan
    return TradeFrame(order=all_order, amount=all_amount, channel=all_channel, status=all_status,
                      create=all_create, pay_time=all_pay, refund=all_refund, fee=fee, has_fee_row=has_fee, id=ids)


def _fees(amount: IntArr, channel: IntArr, bps: dict[int, int], fixed: dict[int, int]) -> tuple[IntArr, IntArr, IntArr]:
    lut_bps = np.zeros(100, dtype=np.int64)
    lut_fix = np.zeros(100, dtype=np.int64)
    for c, b in bps.items():
        lut_bps[c] = b
        lut_fix[c] = fixed[c]
    tx = (amount * lut_bps[channel] + 5_000) // 10_000 + np.where(lut_bps[channel] > 0, lut_fix[channel], 0)
    ms = np.where(lut_bps[channel] > 0, (amount * ref.MERCHANT_SERVICE_FEE_BPS + 5_000) // 10_000, 0)
    return tx, ms, tx + ms


# ----------------------------------------------------------------------------- tables

def trade_no(ids: IntArr) -> pa.Array:
    return concat("TR", int_str(ids + 7_310_000_000_000))


def trade_table(tr: TradeFrame, orders: OrderFrame, users: UserFrame, shops: ShopFrame, order_no: pa.Array,
                rng: np.random.Generator) -> pa.Table:
    n = len(tr)
    o = tr.order
    nzd = orders.cook[o]  # Cook Islands payments settle in NZD, even for orders mislabelled USD
    stripe = ~np.isin(tr.channel, (91, 92))
    token = concat("pi_", random_token(rng, n, 24))
    gift = concat("gc_", random_token(rng, n, 16))
    third_no = pc.if_else(pa.array(stripe), token, gift)
    update = np.where(tr.status == 3, tr.create + rng.integers(600, 3 * 3600, size=n),
                      np.where(tr.pay_time >= 0, tr.pay_time, tr.create) + rng.integers(0, 2 * DAY, size=n))
    cols: dict[str, Any] = dict(
        id=tr.id, trade_no=trade_no(tr.id), tenant=take(["LKUS", "LKCK"], (orders.cook[o] & ~orders.mislabel[o])),
        order_id=orders.id[o], order_no=order_no.take(pa.array(o)), shop_id=shops.id[orders.shop[o]],
        user_no=take(users.user_no, orders.user[o]), channel_id=tr.channel, amount=tr.amount, fee=tr.fee,
        refund_amount=tr.refund, currency_code=take(["USD", "NZD"], nzd), status=tr.status,
        third_trade_no=third_no, pay_time=tr.pay_time, create_time=tr.create, update_time=update)
    return make_table("luckyus_sales_payment.t_trade", cols,
                      dict(pay_time=tr.pay_time < 0, third_trade_no=tr.status == 0))


def channel_fee_table(tr: TradeFrame, orders: OrderFrame, rng: np.random.Generator,
                      manifest: dict[str, Any]) -> pa.Table:
    bps = dict((c.channel_id, c.fee_bps) for c in ref.PAY_CHANNELS)
    fixed = dict((c.channel_id, c.fee_fixed_cents) for c in ref.PAY_CHANNELS)
    rows = np.flatnonzero(tr.has_fee_row)
    amount = tr.amount[rows]
    channel = tr.channel[rows]
    tx, ms, tot = _fees(amount, channel, bps, fixed)
    trade_ids = tr.id[rows]
    nos = trade_no(trade_ids)
    currency = orders.cook[tr.order[rows]].astype(np.int64)
    tenant = (orders.cook[tr.order[rows]] & ~orders.mislabel[tr.order[rows]]).astype(np.int64)
    created = tr.pay_time[rows] + rng.integers(DAY, 2 * DAY, size=len(rows))
    # planted: fee records whose trade does not exist
    n_ghost = 4
    ghost_ids = tr.id.max() + 1_000 + np.arange(1, n_ghost + 1)
    ghost_amount = np.array([455, 1_210, 389, 2_075], dtype=np.int64)
    ghost_channel = np.array([53, 6, 53, 51], dtype=np.int64)
    gtx, gms, gtot = _fees(ghost_amount, ghost_channel, bps, fixed)
    ghost_time = utc(dt.datetime(2025, 11, 18, 6, 0)) + np.arange(n_ghost) * 97
    manifest["_ghost_fees"] = dict(trade_id=ghost_ids, amount=ghost_amount, channel=ghost_channel,
                                   total_fee=gtot, time=ghost_time)
    ids = np.arange(1, len(rows) + n_ghost + 1, dtype=np.int64)
    all_created = np.concatenate([created, ghost_time])
    srt = np.argsort(all_created, kind="stable")
    cols: dict[str, Any] = dict(
        id=ids, trade_id=np.concatenate([trade_ids, ghost_ids])[srt],
        trade_no=pa.concat_arrays([nos, trade_no(ghost_ids)]).take(pa.array(srt)),
        tenant=take(["LKUS", "LKCK"], np.concatenate([tenant, np.zeros(n_ghost, np.int64)])[srt]),
        channel_id=np.concatenate([channel, ghost_channel])[srt],
        amount=np.concatenate([amount, ghost_amount])[srt],
        transaction_fee=np.concatenate([tx, gtx])[srt], merchant_service_fee=np.concatenate([ms, gms])[srt],
        total_fee=np.concatenate([tot, gtot])[srt],
        currency_code=take(["USD", "NZD"], np.concatenate([currency, np.zeros(n_ghost, np.int64)])[srt]),
        create_time=all_created[srt], update_time=all_created[srt])
    return make_table("luckyus_sales_payment.t_channel_fee", cols)


def user_channel_table(tr: TradeFrame, orders: OrderFrame, users: UserFrame, scale: float,
                       rng: np.random.Generator) -> pa.Table:
    ok = np.isin(tr.status, (1, 2, 3))
    u = orders.user[tr.order[ok]]
    ch = tr.channel[ok]
    t = tr.pay_time[ok]
    key = u * 100 + ch
    uniq, first, cnt = np.unique(key, return_index=True, return_counts=True)
    target = round(USER_CHANNELS * scale)
    if len(uniq) > target:  # keep the most used methods (people delete one-off cards), and every channel
        rare = np.isin(uniq % 100, [c.channel_id for c in ref.PAY_CHANNELS if c.txns < 1_000])
        keep = np.sort(np.argsort(-cnt - rare * 1_000 + rng.random(len(cnt)) * 0.5, kind="stable")[:target])
        uniq, first, cnt = uniq[keep], first[keep], cnt[keep]
    uu = uniq // 100
    cc = uniq % 100
    created = t[first]
    if len(uniq) < target:  # saved methods never used yet
        extra = target - len(uniq)
        eu = rng.choice(np.flatnonzero(~users.test), size=extra)
        ec = np.array([53, 6, 51, 3])[rng.choice(4, size=extra, p=[0.45, 0.35, 0.1, 0.1])]
        uu, cc = np.concatenate([uu, eu]), np.concatenate([cc, ec])
        created = np.concatenate([created, users.register[eu] + rng.integers(60, 30 * DAY, size=extra)])
        cnt = np.concatenate([cnt, np.zeros(extra, np.int64)])
    srt = np.lexsort((np.arange(len(uu)), created))
    uu, cc, created, cnt = uu[srt], cc[srt], created[srt], cnt[srt]
    # default method: the user's most used one
    o2 = np.lexsort((-cnt, uu))
    is_first = np.r_[True, uu[o2][1:] != uu[o2][:-1]]
    default = np.zeros(len(uu), dtype=np.int64)
    default[o2[is_first]] = 1
    carded = np.isin(cc, (53, 6, 51, 3, 1, 5, 54))
    brand = rng.choice(len(CARD_BRANDS), size=len(uu), p=CARD_P)
    cols: dict[str, Any] = dict(
        id=np.arange(1, len(uu) + 1, dtype=np.int64), user_no=take(users.user_no, uu), channel_id=cc,
        card_brand=take(CARD_BRANDS, brand), card_last4=int_str(rng.integers(0, 10_000, size=len(uu)), 4),
        is_default=default, create_time=created, update_time=created + rng.integers(0, 5 * DAY, size=len(uu)))
    return make_table("luckyus_sales_payment.t_user_channel", cols, dict(card_brand=~carded, card_last4=~carded))


def stripe_user_table(tr: TradeFrame, orders: OrderFrame, users: UserFrame, crm_email: pa.Array, scale: float,
                      rng: np.random.Generator) -> pa.Table:
    ok = np.isin(tr.status, (1, 2, 3))
    per_user = np.bincount(orders.user[tr.order[ok]], minlength=len(users))
    target = min(round(STRIPE_USERS * scale), int((per_user > 0).sum()))
    top = np.sort(np.argsort(-per_user, kind="stable")[:target])
    first_trade = np.full(len(users), np.iinfo(np.int64).max)
    np.minimum.at(first_trade, orders.user[tr.order[ok]], tr.create[ok])
    created = first_trade[top]
    srt = np.argsort(created, kind="stable")
    top, created = top[srt], created[srt]
    cols: dict[str, Any] = dict(
        id=np.arange(1, target + 1, dtype=np.int64), user_no=users.user_no[top],
        stripe_customer_id=concat("cus_", random_token(rng, target, 14)), email=crm_email.take(pa.array(top)),
        create_time=created, update_time=created + rng.integers(0, 30 * DAY, size=target))
    return make_table("luckyus_sales_payment.t_user", cols)

