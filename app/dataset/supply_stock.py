"""Store stock: consumption from sales, replenishment, waste, counts, and the planted stock events.

Quantities are handled as integer milli-units end to end, so every change row satisfies
``before_qty + change_qty = after_qty`` exactly and each day's last ``after_qty`` is that day's
``t_shop_goods_stock.stock_qty``.

* Consumption (change_type 1) is what the items sold at the store use, by the formula of each
  item's own SKU (``t_order_item.sku_code``; the default L-R SKU when the items carry no variant;
  ``supply_goods``), posted per item line or, when the row budget is smaller, in
  batches per store x goods x day (``ref_no`` 'CS...'); operating supplies post one row a day
  ('OPS...'); a planted anomaly posts one extra manual row ('MAN...').
* Receipts (2) arrive before opening on Mon/Wed/Fri (and on the opening day) when stock is below
  the reorder point (use until the next delivery + 1 day + 3 sigma), topping up four more days of
  the trailing 14-day mean use; 'DN...' delivery notes, or the ``ship_no`` of the supplier
  shipment for a planted late delivery. ``safety_stock_qty`` = 2 days of use, ``max_stock_qty`` =
  1.5 x the recent order-up-to level (+ one unit).
* Waste (3) of perishables at the Wednesday and Sunday expiry checks ('WS...'); stock-count
  adjustments (4) on Sundays ('SC...').
* When a store runs out, consumption stops at zero stock (sales that day used what was there).
  A planted stock-out misses every delivery in the ten days up to its last day, and the deliveries
  before are trimmed so the store holds less than those ten days' use when they stop: the stock
  reaches 0 however small and lumpy the store's use is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.dataset.arrowtab import Arr, build_table, decimal_from_units, take, target_rows
from app.dataset.context import END_LOCAL, START_LOCAL, GenContext
from app.dataset.supply_goods import DEFAULT_VARIANT, Goods, perishable

SS = "luckyus_scm_shopstock"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = 86_400
FUTURE_DAYS = 7  # forecasts reach this many days past the last business day


@dataclass
class Calendar:
    """Open stores (opened, not test) and business days, with each store's UTC offset per day."""

    shop: Arr  # ctx.shops indexes
    shop_id: Arr
    shop_name: Arr
    open_day: Arr  # index into days of the opening day (negative = before the window)
    close_day: Arr  # first day index after a store stopped trading (len(days) while it still trades)
    days: Arr  # datetime64[D], START_LOCAL .. END_LOCAL + FUTURE_DAYS
    n_hist: int  # days up to END_LOCAL
    offset: Arr  # (shops, days) seconds to add to UTC to get local time
    volume: Arr  # completed orders per store (ranks stores for the planted facts)
    nyc: Arr  # the seed's NYC stores (preferred for the planted facts)

    def day_epoch(self) -> Arr:
        return np.asarray(self.days.astype("datetime64[s]").astype(np.int64))

    def to_utc(self, k: Arr, d: Arr, local_seconds: Arr) -> Arr:
        """UTC epoch seconds of a local time-of-day on business day ``d`` at store ``k``."""
        return np.asarray(self.day_epoch()[d] + local_seconds - self.offset[k, d])

    def trading(self, n_days: int) -> Arr:
        """(stores, n_days) bool: open and not yet closed."""
        d = np.arange(n_days)[None, :]
        return np.asarray((d >= self.open_day[:, None]) & (d < self.close_day[:, None]))

    def weekday(self) -> Arr:
        return np.asarray((self.days.astype(np.int64) + 3) % 7)  # 0 = Monday


def calendar(ctx: GenContext) -> Calendar:
    shops = ctx.shops
    opened = ~np.isnat(np.asarray(shops.open_date)) & (np.asarray(shops.test_flag) == 0)
    idx = np.flatnonzero(opened)
    days = np.arange(np.datetime64(START_LOCAL), np.datetime64(END_LOCAL) + FUTURE_DAYS + 1)
    n_hist = int((np.datetime64(END_LOCAL) - np.datetime64(START_LOCAL)).astype(np.int64)) + 1
    open_day = (np.asarray(shops.open_date)[idx].astype("datetime64[D]") - days[0]).astype(np.int64)
    tz = np.asarray(shops.time_zone).astype(str)[idx]
    offset = np.zeros((len(idx), len(days)), dtype=np.int64)
    for zone in sorted(set(tz.tolist())):
        zi = ZoneInfo(zone)
        per_day = np.array([_offset(zi, d) for d in days.astype(object)])
        offset[tz == zone] = per_day
    done = np.asarray(ctx.orders.status) == 90
    o_shop = np.asarray(ctx.orders.shop)
    volume = np.bincount(o_shop[done], minlength=len(shops.id))[idx]
    # a store whose orders stop more than a week before the end (a pop-up that closed) stops trading
    o_day = (np.asarray(ctx.orders.local_date).astype("datetime64[D]") - days[0]).astype(np.int64)
    last = np.full(len(shops.id), -1, dtype=np.int64)
    np.maximum.at(last, o_shop, o_day)
    last = last[idx]
    close_day = np.where((last >= 0) & (last < n_hist - 7), last + 1, len(days))
    return Calendar(shop=idx, shop_id=np.asarray(shops.id)[idx], shop_name=np.asarray(shops.name).astype(str)[idx],
                    open_day=open_day, close_day=close_day, days=days, n_hist=n_hist, offset=offset, volume=volume,
                    nyc=np.asarray(shops.is_nyc_store, dtype=bool)[idx])


def _offset(zone: ZoneInfo, day: dt.date) -> int:
    off = dt.datetime(day.year, day.month, day.day, 12, tzinfo=zone).utcoffset()
    return int(off.total_seconds()) if off is not None else 0


@dataclass
class Sales:
    """Item lines sold at open stores, with the store, day and UTC time of each."""

    k: Arr  # calendar store index
    d: Arr  # day index
    t: Arr  # UTC epoch seconds
    product: Arr
    variant: Arr  # order-item variant (index into supply_goods.VARIANT_CODES)
    qty: Arr
    orders_kd: Arr  # (stores, days) completed orders
    orders_kdh: Arr  # (stores, days, 24) all orders by local hour (for the order forecast)
    order_k: Arr  # completed orders at open stores: store, day, UTC time
    order_d: Arr
    order_t: Arr


def sales(ctx: GenContext, cal: Calendar) -> Sales:
    o, it = ctx.orders, ctx.items
    shop_k = np.full(len(ctx.shops.id), -1, dtype=np.int64)
    shop_k[cal.shop] = np.arange(len(cal.shop))
    ok_shop = shop_k[np.asarray(o.shop)] >= 0
    d_all = (np.asarray(o.local_date).astype("datetime64[D]") - cal.days[0]).astype(np.int64)
    in_win = ok_shop & (d_all >= 0) & (d_all < cal.n_hist)
    done = (np.asarray(o.status) == 90) & in_win
    t_all = np.asarray(o.create_time).astype("datetime64[s]").astype(np.int64)
    k_all = shop_k[np.asarray(o.shop)]
    S, D = len(cal.shop), len(cal.days)
    orders_kd = np.bincount(k_all[done] * D + d_all[done], minlength=S * D).reshape(S, D)
    kk, dd = k_all[in_win], d_all[in_win]
    hour = ((t_all[in_win] + cal.offset[kk, dd]) // 3600) % 24
    orders_kdh = np.bincount((kk * D + dd) * 24 + hour, minlength=S * D * 24).reshape(S, D, 24)
    io = np.asarray(it.order)
    sel = done[io]
    oi = io[sel]
    variant = it.variant  # the core's items carry it; without it, the default SKU
    var = (np.asarray(variant, dtype=np.int64)[sel] if variant is not None
           else np.full(int(sel.sum()), DEFAULT_VARIANT, dtype=np.int64))
    return Sales(k=k_all[oi], d=d_all[oi], t=t_all[oi], product=np.asarray(it.product)[sel], variant=var,
                 qty=np.asarray(it.quantity)[sel].astype(np.int64), orders_kd=orders_kd, orders_kdh=orders_kdh,
                 order_k=k_all[done], order_d=d_all[done], order_t=t_all[done])


@dataclass
class Plan:
    """The planted stock events, as (store k, goods index, day index) picked from names and dates."""

    stockouts: list[tuple[int, int, int]] = field(default_factory=list)  # last day of the missed deliveries
    overstock: list[tuple[int, int, int]] = field(default_factory=list)
    anomalies: list[tuple[int, int, int]] = field(default_factory=list)
    forecast_errors: list[tuple[int, int, int, float]] = field(default_factory=list)
    late_supplier_goods: tuple[str, ...] = ("Oat Milk (Barista)", "Coconut Milk (Barista)")

    def goods(self) -> list[int]:
        seen: list[int] = []
        for rows in (self.stockouts, self.overstock, self.anomalies):
            for _, g, _ in rows:
                if g not in seen:
                    seen.append(g)
        for _, g, _, _ in self.forecast_errors:
            if g not in seen:
                seen.append(g)
        return seen


def plan(cal: Calendar, goods: Goods) -> Plan:
    rank = np.lexsort((-cal.volume, ~cal.nyc))  # the seed's NYC stores first, busiest first

    def pick(r: int, name: str, date: str) -> tuple[int, int, int]:
        k = int(rank[min(r, len(rank) - 1)])
        d = int((np.datetime64(date) - cal.days[0]).astype(np.int64))
        d = min(max(d, int(cal.open_day[k]) + 21), cal.n_hist - 3, int(cal.close_day[k]) - 4)
        return k, goods.index(name), d

    p = Plan()
    p.stockouts = [pick(0, "Coconut Milk (Barista)", "2026-01-13"), pick(1, "Coconut Milk (Barista)", "2025-12-16"),
                   pick(2, "Iced Cup 20oz", "2026-02-03")]
    p.overstock = [pick(3, "Iced Flat Lid", "2025-12-20"), pick(0, "Hot Cup 16oz", "2026-01-05")]
    p.anomalies = [pick(0, "Whole Milk", "2026-01-22"), pick(1, "Kyoto Matcha Powder", "2026-02-04"),
                   pick(2, "Espresso Blend Beans", "2025-11-18")]
    p.forecast_errors = [(*pick(0, "Espresso Blend Beans", "2026-01-28"), 3.2),
                         (*pick(1, "Whole Milk", "2025-12-29"), 0.3),
                         (*pick(3, "Coconut Milk (Barista)", "2026-02-10"), 2.8),
                         (*pick(2, "Iced Cup 20oz", "2025-11-07"), 0.25)]
    return p


@dataclass
class Stock:
    """Daily stock simulation results, arrays shaped (stores, history days, tracked goods), milli-units."""

    tracked: Arr  # goods indexes, in priority order
    demand: Arr  # what sales and operations imply
    extra: Arr  # planted unexplained use
    open_qty: Arr
    receipt: Arr
    cons: Arr
    waste: Arr
    adjust: Arr
    end: Arr
    safety: Arr
    max_qty: Arr
    late: Arr  # bool: first receipt after a planted run of missed deliveries
    active: Arr  # (stores, days) bool
    ops_cols: Arr  # tracked positions of operating supplies
    ops_per_order: Arr  # (stores, days, ops) milli-units each completed order uses


def _ragged(ptr: Arr, rows: Arr) -> tuple[Arr, Arr]:
    """For each row r with CSR slice [ptr[r], ptr[r+1]): (repeated row position, CSR data index)."""
    counts = ptr[rows + 1] - ptr[rows]
    rep = np.repeat(np.arange(len(rows)), counts)
    starts = np.repeat(ptr[rows], counts)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(counts) - counts, counts)
    return rep, starts + within


def choose_tracked(ctx: GenContext, cal: Calendar, goods: Goods, sales_: Sales, p: Plan) -> Arr:
    """Goods followed in store stock: the planted ones, then recipe goods by value used (scale x all of
    them, at least 12), the standard operating supplies (as many as their daily postings fit in the
    change tables' budget), and more goods while the snapshot table's row budget needs them."""
    V, P, _ = goods.recipes.shape
    use = np.bincount(sales_.variant * P + sales_.product, weights=sales_.qty, minlength=V * P)
    value = (use @ goods.recipes.reshape(V * P, -1)) * goods.unit_cost
    recipe_used = np.flatnonzero(value > 0)
    recipe_used = recipe_used[np.argsort(-value[recipe_used], kind="stable")]
    recipe = list(dict.fromkeys([*p.goods(), *recipe_used.tolist()]))
    n_recipe = int(np.clip(round(len(recipe) * ctx.scale), min(12, len(recipe)), len(recipe)))
    shop_days = max(int(cal.trading(cal.n_hist).sum()), 1)
    n_ops = int(0.15 * target_rows(ctx, f"{SS}.t_shop_goods_stock_change_mon") / (shop_days / 7))
    chosen = list(dict.fromkeys([*recipe[:n_recipe], *goods.ops_std[:n_ops].tolist()]))
    rest = [g for g in dict.fromkeys([*recipe, *goods.ops.tolist()]) if g not in set(chosen)]
    need = -(-target_rows(ctx, f"{SS}.t_shop_goods_stock") // shop_days)
    return np.array(chosen + rest[: max(0, need - len(chosen))], dtype=np.int64)


def consumption_lines(goods: Goods, s: Sales, tracked: Arr) -> tuple[Arr, Arr, Arr, Arr, Arr]:
    """Per item line: (store, day, tracked-goods position, UTC time, milli-units)."""
    V, P, _ = goods.recipes.shape
    rec = np.round(goods.recipes[:, :, tracked].reshape(V * P, len(tracked)) * 1000).astype(np.int64)
    nz_p, nz_g = np.nonzero(rec)
    ptr = np.searchsorted(nz_p, np.arange(rec.shape[0] + 1))
    rep, data = _ragged(ptr, s.variant * P + s.product)
    return s.k[rep], s.d[rep], nz_g[data], s.t[rep], s.qty[rep] * rec[nz_p[data], nz_g[data]]


def simulate(ctx: GenContext, cal: Calendar, goods: Goods, s: Sales, p: Plan) -> tuple[Stock, tuple[Arr, ...]]:
    rng = ctx.rng("supply.stock")
    tracked = choose_tracked(ctx, cal, goods, s, p)
    S, D, G = len(cal.shop), cal.n_hist, len(tracked)
    lines = consumption_lines(goods, s, tracked)
    lk, ld, lg, _, lq = lines
    demand = np.bincount((lk * D + ld) * G + lg, weights=lq, minlength=S * D * G).reshape(S, D, G)
    demand = np.round(demand).astype(np.int64)
    active = cal.trading(D)
    # operating supplies: a standard use per order plus a daily base, on trading days
    ops_cols = np.flatnonzero(np.isin(tracked, goods.ops))
    ops_per_order = np.zeros((S, D, len(ops_cols)), dtype=np.int64)
    for j, gi in enumerate(ops_cols.tolist()):
        std = bool(np.isin(tracked[gi], goods.ops_std))
        per_order = rng.uniform(0.002, 0.02) / goods.unit_cost[tracked[gi]] * 1000 * (1.0 if std else 0.2)
        noise = rng.lognormal(0, 0.15, (S, D))
        ops_per_order[:, :, j] = np.where(active, np.round(per_order * noise), 0)
        base = np.where(active, np.round(per_order * 25 * noise), 0).astype(np.int64)
        demand[:, :, gi] = s.orders_kd[:, :D] * ops_per_order[:, :, j] + base
    extra = np.zeros_like(demand)
    g_of = {int(g): i for i, g in enumerate(tracked.tolist())}
    for k, g, d in p.anomalies:
        gi = g_of[g]
        typical = max(float(demand[k, max(0, d - 28):d, gi].mean()), 1000.0)
        extra[k, d, gi] = round(max(4 * demand[k, d, gi], 5 * typical))
    # trailing mean use (the replenishment signal): 14 days, or the first week right after opening
    csum = np.cumsum(demand, axis=1)
    lag = np.concatenate([np.zeros((S, 1, G), dtype=np.int64), csum], axis=1)
    t_idx = np.arange(D)
    lo = np.maximum(t_idx - 14, 0)
    trailing = (lag[:, t_idx, :] - lag[:, lo, :]) / np.maximum(t_idx - lo, 1)[None, :, None]
    first_week = np.stack([(lag[k, min(D, max(0, cal.open_day[k]) + 7), :] - lag[k, max(0, cal.open_day[k]), :]) / 7
                           for k in range(S)])
    young = (t_idx[None, :] - np.maximum(cal.open_day, 0)[:, None]) < 7
    mu = np.where(young[:, :, None], first_week[:, None, :], trailing)
    mu = np.maximum(mu, 1.0)
    sq = np.concatenate([np.zeros((S, 1, G)), np.cumsum(demand.astype(np.float64) ** 2, axis=1)], axis=1)
    var = (sq[:, t_idx, :] - sq[:, lo, :]) / np.maximum(t_idx - lo, 1)[None, :, None] - trailing ** 2
    sd = np.sqrt(np.maximum(var, 0)) + np.where(young[:, :, None], mu, 0.0)
    wd = cal.weekday()[:D]
    deliver_day = np.isin(wd, [0, 2, 4])
    cover = np.select([wd == 4, wd == 0, wd == 2], [3, 2, 2], 2)[None, :, None]
    # (s, S) policy: below the reorder point (use until the next delivery + 1 day + safety), order up to
    # four more days of use
    reorder_all = mu * (cover + 1.0) + 3.0 * sd * np.sqrt(cover + 1.0)
    target_all = reorder_all + 4.0 * mu
    skip = np.zeros((S, D, G), dtype=bool)
    use = demand + extra
    outages = []  # (store, tracked goods, first missed day, the most the store may hold on that morning)
    for k, g, d in p.stockouts:
        gi, first = g_of[g], max(0, d - 9)
        skip[k, first:d + 1, gi] = True
        outages.append((k, gi, first, 0.95 * float(use[k, first:d + 1, gi].sum()) - 1000))
    over = np.zeros((S, D, G), dtype=np.int64)
    for k, g, d in p.overstock:
        over[k, d, g_of[g]] = 1
    waste_rate = np.where(perishable(goods)[tracked], 0.015, 0.0)
    shape = (S, D, G)
    open_q, rec, cons, waste, adj, end, max_q = (np.zeros(shape, dtype=np.int64) for _ in range(7))
    peak = np.zeros((S, G))
    late = np.zeros(shape, dtype=bool)
    stock = np.zeros((S, G), dtype=np.int64)
    was_skipped = np.zeros((S, G), dtype=bool)
    count_noise = rng.normal(0, 0.004, shape)
    count_pairs = rng.random((S, G)) < 0.5
    for d in range(D):
        act = active[:, d][:, None]
        reorder, target = reorder_all[:, d, :], target_all[:, d, :]
        is_open_day = (cal.open_day == d)[:, None]
        go = act & (deliver_day[d] | is_open_day) & ~skip[:, d, :]
        go &= (stock < reorder) | is_open_day
        r = np.where(go, np.maximum(0, np.ceil((target - stock) / 1000) * 1000), 0).astype(np.int64)
        r += np.where(over[:, d, :] > 0, (np.ceil(12 * target / 1000) * 1000).astype(np.int64), 0)
        for k, gi, first, hold in outages:  # trim the deliveries before an outage so the stock runs out in it
            if first - 40 <= d < first:
                room = hold + float(use[k, d:first, gi].sum()) - float(stock[k, gi])
                r[k, gi] = min(int(r[k, gi]), max(0, int(room // 1000) * 1000))
        late[:, d, :] = go & was_skipped & (r > 0)
        was_skipped = np.where(go & (r > 0), False, was_skipped | skip[:, d, :])
        avail = stock + r
        c = np.minimum(avail, demand[:, d, :] + extra[:, d, :])
        rem = avail - c
        # expiry checks on Wednesdays and Sundays write off what aged out since the last check
        w = np.floor(rem * waste_rate[None, :] * {2: 3, 6: 4}.get(int(wd[d]), 0)).astype(np.int64)
        rem -= w
        a = np.zeros_like(rem)
        if wd[d] == 6:
            a = np.where(count_pairs & act, np.round(rem * count_noise[:, d, :]).astype(np.int64), 0)
            a = np.maximum(a, -rem)
        open_q[:, d], rec[:, d], cons[:, d], waste[:, d], adj[:, d] = stock, r, c, w, a
        # the most a store should hold: half again its recent order-up-to level, and at least one more unit
        peak = np.maximum(peak * 0.985, target)
        max_q[:, d] = np.ceil(1.5 * peak / 1000) * 1000 + 1000
        stock = np.where(act, rem + a, 0)
        end[:, d] = stock
    st = Stock(tracked=tracked, demand=demand, extra=extra, open_qty=open_q, receipt=rec, cons=cons, waste=waste,
               adjust=adj, end=end, safety=np.round(2 * mu).astype(np.int64),
               max_qty=max_q,
               late=late, active=active, ops_cols=ops_cols, ops_per_order=ops_per_order)
    return st, lines


def _merge(key: Arr, t: Arr, q: Arr, budget: int) -> tuple[Arr, Arr, Arr]:
    """Merge consecutive rows of each key (sorted by key, t) into batches so about ``budget`` rows remain."""
    if len(key) <= budget:
        return key, t, q
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    lo_r, hi_r = 0.0, 1.0
    for _ in range(40):
        mid = (lo_r + hi_r) / 2
        if np.maximum(1, np.floor(sizes * mid)).sum() > budget:
            hi_r = mid
        else:
            lo_r = mid
    batches = np.maximum(1, np.floor(sizes * lo_r)).astype(np.int64)
    short = budget - int(batches.sum())  # hand the last few batches to the groups closest to another one
    if short > 0:
        room = np.flatnonzero(batches < sizes)
        frac = sizes[room] * lo_r - batches[room]
        batches[room[np.argsort(-frac, kind="stable")[:short]]] += 1
    rank = np.arange(len(key)) - np.repeat(starts, sizes)
    b = rank * np.repeat(batches, sizes) // np.repeat(sizes, sizes)
    brk = np.flatnonzero(np.r_[True, (key[1:] != key[:-1]) | (b[1:] != b[:-1])])
    last = np.r_[brk[1:], len(key)] - 1
    return key[brk], t[last], np.add.reduceat(q, brk)


def change_tables(ctx: GenContext, cal: Calendar, goods: Goods, st: Stock, s: Sales, lines: tuple[Arr, ...],
                  late_refs: dict[tuple[int, int, int], str]) -> dict[str, pa.Table]:
    """The seven ``t_shop_goods_stock_change_<weekday>`` tables, each close to its row budget.

    Consumption is posted per item line; when a weekday's table would be short of its budget, that
    weekday's orders also post their operating supplies (a standard use per order; the daily row
    keeps the base); when it would be over, consecutive postings of a store x goods x day are batched.
    """
    rng = ctx.rng("supply.changes")
    _, D, G = st.demand.shape
    wday = cal.weekday()[:D]
    target = target_rows(ctx, f"{SS}.t_shop_goods_stock_change_mon")
    rk, rd, rg = np.nonzero(st.receipt)
    wk, wd_, wg = np.nonzero(st.waste)
    ak, ad, ag = np.nonzero(st.adjust)
    xk, xd, xg = np.nonzero(st.extra)
    lk, ld, lg, lt, lq = lines
    fixed_w = sum(np.bincount(wday[x], minlength=7) for x in (rd, wd_, ad, xd))
    ops_all = np.zeros_like(st.demand, dtype=bool)
    ops_all[:, :, st.ops_cols] = True
    ops_daily = st.demand.copy()
    daily_rows_w = np.bincount(wday[np.nonzero((st.demand > 0) & ops_all)[1]], minlength=7)
    deficit = target - fixed_w - daily_rows_w - np.bincount(wday[ld], minlength=7)
    orders_w = np.bincount(wday[s.order_d], minlength=7)
    extra = []
    for w in np.flatnonzero(deficit > 0).tolist():  # a short table: orders also post their operating supplies
        n_cols = min(len(st.ops_cols), -(-int(deficit[w] * 1.1) // max(int(orders_w[w]), 1)))
        on = np.flatnonzero(wday[s.order_d] == w)
        rep = np.repeat(on, n_cols)
        j = np.tile(np.arange(n_cols), len(on))
        oq = st.ops_per_order[s.order_k[rep], s.order_d[rep], j]
        keep = oq > 0
        extra.append((s.order_k[rep][keep], s.order_d[rep][keep], st.ops_cols[j][keep], s.order_t[rep][keep],
                      oq[keep]))
        days_w = np.flatnonzero(wday == w)
        ops_daily[:, days_w[:, None], st.ops_cols[:n_cols][None, :]] -= (
            s.orders_kd[:, days_w, None] * st.ops_per_order[:, days_w, :n_cols])
    if extra:
        lk, ld, lg, lt, lq = (np.concatenate([x, *(e[i] for e in extra)]) for i, x in enumerate((lk, ld, lg, lt, lq)))
    ok_, od, og = np.nonzero((ops_daily > 0) & ops_all)
    other_w = fixed_w + np.bincount(wday[od], minlength=7)
    # batch item lines per weekday table so each table lands on its budget
    key = ((lk * G + lg) * D + ld)
    local = lt + cal.offset[lk, ld] - cal.day_epoch()[ld]
    srt = np.lexsort((local, key, wday[ld]))
    key, lt_s, lq_s, w_s = key[srt], lt[srt], lq[srt], wday[ld][srt]
    cuts = np.searchsorted(w_s, np.arange(8))
    merged = [_merge(key[cuts[w]:cuts[w + 1]], lt_s[cuts[w]:cuts[w + 1]], lq_s[cuts[w]:cuts[w + 1]],
                     max(int(target - other_w[w]), 0)) for w in range(7)]
    fk = np.concatenate([m[0] for m in merged])
    ft = np.concatenate([m[1] for m in merged])
    fq = np.concatenate([m[2] for m in merged])
    fd = fk % D
    fg = (fk // D) % G
    fkk = fk // (D * G)

    def at(k: Arr, d: Arr, sec: Arr | int) -> Arr:
        return cal.to_utc(k, d, np.broadcast_to(sec, k.shape))

    parts = {  # phase, k, d, g, utc time, signed qty, ref prefix
        "rec": (0, rk, rd, rg, at(rk, rd, 5 * 3600 + 1800 + rng.integers(0, 1200, len(rk))), st.receipt[rk, rd, rg],
                "DN"),
        "con": (1, fkk, fd, fg, ft, -fq, "CS"),
        "ops": (1, ok_, od, og, at(ok_, od, 21 * 3600), -ops_daily[ok_, od, og], "OPS"),
        "man": (1, xk, xd, xg, at(xk, xd, 15 * 3600 + rng.integers(0, 1800, len(xk))), -st.extra[xk, xd, xg], "MAN"),
        "wst": (2, wk, wd_, wg, at(wk, wd_, 21 * 3600 + 1800), -st.waste[wk, wd_, wg], "WS"),
        "adj": (3, ak, ad, ag, at(ak, ad, 22 * 3600), st.adjust[ak, ad, ag], "SC"),
    }
    phase = np.concatenate([np.full(len(v[1]), v[0]) for v in parts.values()])
    k = np.concatenate([v[1] for v in parts.values()])
    d = np.concatenate([v[2] for v in parts.values()])
    g = np.concatenate([v[3] for v in parts.values()])
    t = np.concatenate([v[4] for v in parts.values()])
    q = np.concatenate([v[5] for v in parts.values()]).astype(np.int64)
    kind = np.concatenate([np.full(len(v[1]), i) for i, v in enumerate(parts.values())])
    local_t = t + cal.offset[k, d] - cal.day_epoch()[d]
    order = np.lexsort((local_t, phase, d, g, k))
    k, d, g, t, q, kind, phase = k[order], d[order], g[order], t[order], q[order], kind[order], phase[order]
    grp = np.flatnonzero(np.r_[True, (k[1:] != k[:-1]) | (g[1:] != g[:-1]) | (d[1:] != d[:-1])])
    sizes = np.diff(np.r_[grp, len(k)])
    gid = np.repeat(np.arange(len(grp)), sizes)
    t = _monotone_times(t, phase, gid, grp, sizes)
    # cap consumption at what is on hand (a stock-out stops the day's use at zero)
    avail = (st.open_qty + st.receipt)[k[grp], d[grp], g[grp]]
    use = np.where(phase == 1, -q, 0)
    cum = np.cumsum(use)
    cum = cum - np.repeat(cum[grp] - use[grp], sizes)
    capped = np.minimum(cum, avail[gid]) - np.minimum(cum - use, avail[gid])
    q = np.where(phase == 1, -capped, q)
    keep = (q != 0)
    k, d, g, t, q, kind, gid = k[keep], d[keep], g[keep], t[keep], q[keep], kind[keep], gid[keep]
    start = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    sizes = np.diff(np.r_[start, len(k)])
    cs = np.cumsum(q)
    after = st.open_qty[k, d, g] + cs - np.repeat(cs[start] - q[start], sizes)
    before = after - q
    if len(after) and after.min() < 0:
        raise AssertionError("stock went negative")
    change_type = np.array([2, 1, 1, 1, 3, 4], dtype=np.int8)[kind]
    ref = _refs(cal, k, d, g, kind, st, late_refs)
    weekday = cal.weekday()[d]
    out: dict[str, pa.Table] = {}
    codes_ = goods.code[st.tracked]
    for w, name in enumerate(WEEKDAYS):
        m = np.flatnonzero(weekday == w)
        m = m[np.argsort(t[m], kind="stable")]
        out[f"{SS}.t_shop_goods_stock_change_{name}"] = build_table(f"{SS}.t_shop_goods_stock_change_{name}", {
            "id": np.arange(1, len(m) + 1), "shop_id": cal.shop_id[k[m]], "goods_code": take(codes_, g[m]),
            "biz_date": cal.days[d[m]], "change_type": change_type[m], "change_qty": decimal_from_units(q[m], 3),
            "before_qty": decimal_from_units(before[m], 3), "after_qty": decimal_from_units(after[m], 3),
            "ref_no": ref.take(pa.array(m)), "create_time": t[m].astype("datetime64[s]"),
            "update_time": t[m].astype("datetime64[s]")})
    return out


def _monotone_times(t: Arr, phase: Arr, gid: Arr, grp: Arr, sizes: Arr) -> Arr:
    """Keep each store-goods-day's rows in time order: a receipt before the first use, waste and the stock
    count after the last one (rows are already in booking order within each group)."""
    t = t.copy()
    big = np.iinfo(np.int64).max
    first_use = np.minimum.reduceat(np.where(phase == 0, big, t), grp)
    rec = phase == 0
    t[rec] = np.minimum(t[rec], first_use[gid[rec]] - 60)
    span = 2 * int(t.max() - t.min() + 3600) if len(t) else 1
    not_first = np.arange(len(t)) != np.repeat(grp, sizes)
    for _ in range(2):  # waste, then the stock count, each after everything before it
        run = np.maximum.accumulate(t + gid * span) - gid * span  # groups never overlap: one running max
        prev = np.r_[t[:1], run[:-1]]
        late = (phase >= 2) & (t <= prev) & not_first
        t[late] = prev[late] + 30
    return t


def _refs(cal: Calendar, k: Arr, d: Arr, g: Arr, kind: Arr, st: Stock, late_refs: dict[tuple[int, int, int], str]
          ) -> pa.Array:
    """Reference numbers: prefix + store + yyyymmdd (+ goods for per-goods documents)."""
    prefixes = np.array(["DN", "CS", "OPS", "MAN", "WS", "SC"])
    ymd = pc.strftime(pa.array(cal.days.astype("datetime64[s]")), format="%Y%m%d")
    shop = pa.array(np.char.zfill((cal.shop_id % 100000).astype(str), 5))
    text = pc.binary_join_element_wise(take(prefixes, kind), take(shop, k), ymd.take(pa.array(d)), "")
    if not late_refs:
        return text
    mask = np.zeros(len(k), dtype=bool)
    repl: list[str] = []
    hits = []
    for (kk, gg, dd), ship in late_refs.items():
        idx = np.flatnonzero((k == kk) & (g == gg) & (d == dd) & (kind == 0))
        hits += [(int(i), ship) for i in idx]
    hits.sort()
    for i, ship in hits:
        mask[i] = True
        repl.append(ship)
    return pc.replace_with_mask(text, pa.array(mask), pa.array(repl, pa.string()))


def snapshots(ctx: GenContext, cal: Calendar, goods: Goods, st: Stock, p: Plan) -> pa.Table:
    """``t_shop_goods_stock``: end-of-day stock per store x goods; every store-goods on the last day and on
    planted days, the rest of the row budget sampled across days ("daily-ish")."""
    rng = ctx.rng("supply.snapshots")
    S, D, G = st.demand.shape
    act = np.broadcast_to(st.active[:, :, None], (S, D, G))
    must = np.zeros((S, D, G), dtype=bool)
    must[:, D - 1, :] = True
    must |= (st.end == 0) & act
    for kk, gg, dd in p.overstock:
        gi = int(np.flatnonzero(st.tracked == gg)[0])
        must[kk, dd:, gi] = True
    must &= act
    budget = target_rows(ctx, f"{SS}.t_shop_goods_stock")
    cand = np.flatnonzero((act & ~must).ravel())
    n_more = max(0, min(len(cand), budget - int(must.sum())))
    pick = np.sort(np.concatenate([np.flatnonzero(must.ravel()), rng.choice(cand, n_more, replace=False)]))
    k, rest = np.divmod(pick, D * G)
    d, g = np.divmod(rest, G)
    order = np.lexsort((g, k, d))
    k, d, g = k[order], d[order], g[order]
    snap_t = cal.to_utc(k, d, np.full(len(k), 23 * 3600 + 59 * 60))
    goods_i = st.tracked[g]
    return build_table(f"{SS}.t_shop_goods_stock", {
        "id": np.arange(1, len(k) + 1), "shop_id": cal.shop_id[k], "goods_code": take(goods.code, goods_i),
        "goods_name": take(goods.name, goods_i), "stock_date": cal.days[d],
        "stock_qty": decimal_from_units(st.end[k, d, g], 3),
        "unit": take(goods.unit, goods_i), "safety_stock_qty": decimal_from_units(st.safety[k, d, g], 3),
        "max_stock_qty": decimal_from_units(st.max_qty[k, d, g], 3), "create_time": snap_t.astype("datetime64[s]"),
        "update_time": snap_t.astype("datetime64[s]")})


def stock_facts(cal: Calendar, goods: Goods, st: Stock, p: Plan, late_refs: dict[tuple[int, int, int], str]
                ) -> dict[str, Any]:
    """Manifest entries recomputed from the simulated stock (what the tables show)."""
    late_ship = {(k, g): ship for (k, g, _), ship in late_refs.items()}
    g_pos = {int(g): i for i, g in enumerate(st.tracked.tolist())}

    def ident(k: int, g: int) -> dict[str, Any]:
        return {"shop_id": int(cal.shop_id[k]), "shop_name": str(cal.shop_name[k]),
                "goods_code": str(goods.code[g]), "goods_name": str(goods.name[g])}

    outs = []
    for k, g, d in p.stockouts:
        gi = g_pos[g]
        zero = np.flatnonzero((st.end[k, :, gi] == 0) & st.active[k])
        zero = zero[(zero >= d - 12) & (zero <= d + 3)]
        outs.append({**ident(k, g), "stockout_dates": [str(cal.days[x]) for x in zero],
                     "missed_deliveries_until": str(cal.days[d]), "late_ship_no": late_ship.get((k, gi))})
    overs = []
    for k, g, d in p.overstock:
        gi = g_pos[g]
        above = st.end[k, d:, gi] > st.max_qty[k, d:, gi]
        run = int(np.argmin(above)) if not above.all() else len(above)
        overs.append({**ident(k, g), "receipt_date": str(cal.days[d]), "receipt_qty": st.receipt[k, d, gi] / 1000,
                      "days_above_max": run, "peak_stock_qty": int(st.end[k, d:, gi].max()) / 1000,
                      "max_stock_qty": int(st.max_qty[k, d, gi]) / 1000})
    anomalies = []
    for k, g, d in p.anomalies:
        gi = g_pos[g]
        anomalies.append({**ident(k, g), "biz_date": str(cal.days[d]), "implied_qty": st.demand[k, d, gi] / 1000,
                          "recorded_qty": int(st.cons[k, d, gi]) / 1000, "unit": str(goods.unit[g])})
    planted = {(k, g_pos[g]) for k, g, _ in p.stockouts}
    all_zero = np.argwhere((st.end == 0) & st.active[:, :, None])
    natural = [1 for k, _, g in all_zero.tolist() if (k, g) not in planted]
    return {
        "stockout": {"description": "Store x goods whose end-of-day stock (t_shop_goods_stock.stock_qty, and the "
                                    "day's last after_qty in the change tables) hits 0 on stockout_dates after "
                                    "missed deliveries; late_ship_no is the late supplier shipment behind it (the "
                                    "receipt's ref_no).", "facts": outs, "other_zero_stock_days": len(natural)},
        "overstock": {"description": "An over-delivery (receipt_qty, change_type 2 on receipt_date) leaves stock "
                                     "above max_stock_qty for days_above_max days.", "facts": overs},
        "consumption_anomaly": {"description": "Consumption (change_type 1, -SUM(change_qty)) far above what the "
                                               "day's completed sales imply through t_formula_spu (implied_qty); "
                                               "the excess is one manual 'MAN...' row.", "facts": anomalies}}
