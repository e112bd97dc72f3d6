"""Store production (luckyus_opproduction): tickets, the items made, and printed labels.

Every completed order gets a production ticket; refunded orders get a cancelled one; a small,
falling share of drinks is remade (a second ticket, the first marked superseded). Make time
(done - accept) falls with the network's and each shop's experience and rises at peaks; a
smooth correction pins the launch week at about 320 s and February 2026 at 217.9 s exactly,
and a few planted tickets exceed 30 minutes (the longest is exactly 9,839 s).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from app.dataset.arrowutil import concat, int_str, make_table
from app.dataset.gen_menu import Menu
from app.dataset.gen_orders import KIND_COMPLETED, KIND_REFUNDED, ItemFrame, OrderFrame, gumbel_top, nearest
from app.dataset.gen_shops import D0, ShopFrame
from app.dataset.timeutil import DAY, day_number

IntArr = npt.NDArray[np.int64]
FloatArr = npt.NDArray[np.float64]
PRODUCTIONS = 502_000
COMMODITY_ROWS = 567_000
PRINT_ROWS = 2_000_000
FEB_START = day_number(dt.date(2026, 2, 1)) * DAY
FEB_TARGET = 217.9
LAUNCH_TARGET = 320.0
MAX_OUTLIER = 9_839
OUTLIER_SHOP = "28th & 6th"
OUTLIER_AT = dt.datetime(2026, 1, 17, 15, 20)


@dataclass
class ProdFrame:
    order: IntArr
    status: IntArr
    create: IntArr
    accept: IntArr  # -1 = NULL
    done: IntArr
    take: IntArr
    cups: IntArr
    remake: npt.NDArray[np.bool_]  # this ticket is a remake
    id: IntArr

    def __len__(self) -> int:
        return len(self.order)


def _utc(ts: dt.datetime) -> int:
    return int((ts - dt.datetime(1970, 1, 1)).total_seconds())


def generate_production(orders: OrderFrame, items: ItemFrame, shops: ShopFrame, menu: Menu, scale: float,
                        rng: np.random.Generator, manifest: dict[str, Any]) -> ProdFrame:
    pay_time: IntArr = orders.pay_time  # type: ignore[attr-defined]
    done_o = np.flatnonzero(orders.kind == KIND_COMPLETED)
    ref_o = np.flatnonzero(orders.kind == KIND_REFUNDED)
    drink = ~menu.is_food[items.product]
    cups_o = np.bincount(items.order, np.where(drink, items.qty, 0), minlength=len(orders)).astype(np.int64)
    n_remake = max(0, round(PRODUCTIONS * scale) - len(done_o) - len(ref_o))
    age_net = (orders.day[done_o] - D0).astype(np.float64)
    w = (0.004 + 0.06 * np.exp(-age_net / 40)) * (cups_o[done_o] > 0)
    remade = done_o[gumbel_top(rng, w, n_remake)]

    # make-time model, then a smooth correction in time to hit the launch and February figures
    def model(o: IntArr) -> FloatArr:
        net = (orders.day[o] - D0).astype(np.float64)
        store = (orders.day[o] - np.maximum(shops.open_day[orders.shop[o]], D0 - 400)).astype(np.float64)
        hour = orders.local_sec[o] // 3600
        peak = np.where((hour >= 8) & (hour < 10), 1.10, np.where((hour >= 12) & (hour < 14), 1.05, 1.0))
        mu = 200 * (1 + 0.30 * np.exp(-net / 70)) * (1 + 0.22 * np.exp(-store / 25))
        mu *= (1 + 0.10 * np.maximum(cups_o[o] - 1, 0)) * peak
        return mu * rng.lognormal(0.0, 0.35, size=len(o))

    base_raw = model(done_o)
    remake_raw = 0.8 * model(remade)
    accept_base = pay_time[done_o] + rng.integers(3, 40, size=len(done_o))
    k0, k1 = float(D0 + 3), float(day_number(dt.date(2026, 2, 7)))
    c0, c1 = 1.0, 1.0
    launch = orders.day[done_o] < D0 + 7
    feb_b = orders.create[done_o] >= FEB_START

    def durations(c0: float, c1: float) -> tuple[IntArr, IntArr]:
        cb = np.interp(orders.day[done_o], [k0, k1], [c0, c1])
        cr = np.interp(orders.day[remade], [k0, k1], [c0, c1])
        return (np.clip(np.round(base_raw * cb), 40, 1500).astype(np.int64),
                np.clip(np.round(remake_raw * cr), 40, 1500).astype(np.int64))

    launch_r = orders.day[remade] < D0 + 7
    feb_r = orders.create[remade] >= FEB_START  # remake tickets are created after the original
    for _ in range(8):
        db, dr = durations(c0, c1)
        c0 *= LAUNCH_TARGET / ((db[launch].sum() + dr[launch_r].sum()) / (launch.sum() + launch_r.sum()))
        c1 *= FEB_TARGET / ((db[feb_b].sum() + dr[feb_r].sum()) / (feb_b.sum() + feb_r.sum()))
    db, dr = durations(c0, c1)

    # planted outliers (> 30 min), the longest exactly 9,839 s
    n_out = max(6, round(40 * scale))
    k_shop = shops.index(OUTLIER_SHOP)
    top_cand = np.flatnonzero(orders.shop[done_o] == k_shop)
    top = nearest(top_cand, orders.create[done_o], _utc(OUTLIER_AT), 1)
    pool = np.ones(len(done_o), dtype=bool)
    pool[top] = False
    others = rng.choice(np.flatnonzero(pool), size=n_out - 1, replace=False)
    out_idx = np.concatenate([top, others])
    db[top] = MAX_OUTLIER
    db[others] = rng.integers(1_900, 8_500, size=len(others))
    is_out = np.zeros(len(done_o), dtype=bool)
    is_out[out_idx] = True

    # rows: base tickets (superseded when remade), remakes, cancelled tickets of refunded orders
    done_base = accept_base + db
    remade_pos = np.searchsorted(done_o, remade)
    r_create = done_base[remade_pos] + rng.integers(20, 60, size=len(remade))
    r_accept = r_create + rng.integers(5, 30, size=len(remade))
    r_done = r_accept + dr
    deliv = orders.order_type == 2
    wait = np.clip(rng.lognormal(np.log(200), 0.8, size=len(orders)), 20, 2_400).astype(np.int64)
    wait = np.where(deliv, rng.integers(120, 720, size=len(orders)), wait)
    final_done = done_base.copy()
    final_done[remade_pos] = r_done
    take_final = final_done + wait[done_o]
    base_status = np.full(len(done_o), 4, dtype=np.int64)
    base_status[remade_pos] = 6
    base_take = np.where(base_status == 6, -1, take_final)
    r_take = take_final[remade_pos]
    ref_accept = pay_time[ref_o] + rng.integers(3, 40, size=len(ref_o))

    order = np.concatenate([done_o, remade, ref_o])
    status = np.concatenate([base_status, np.full(len(remade), 4), np.full(len(ref_o), 5)])
    create = np.concatenate([pay_time[done_o], r_create, pay_time[ref_o]])
    accept = np.concatenate([accept_base, r_accept, ref_accept])
    done = np.concatenate([done_base, r_done, np.full(len(ref_o), -1)])
    take = np.concatenate([base_take, r_take, np.full(len(ref_o), -1)])
    cups = np.concatenate([cups_o[done_o], np.ones(len(remade), np.int64), cups_o[ref_o]])
    is_remake = np.concatenate([np.zeros(len(done_o), bool), np.ones(len(remade), bool), np.zeros(len(ref_o), bool)])
    outlier = np.concatenate([is_out, np.zeros(len(remade) + len(ref_o), bool)])

    _pin_february(create, accept, done, take, outlier, rng)
    srt = np.lexsort((np.arange(len(order)), create))
    order, status, create, accept, done, take, cups, is_remake, outlier = (
        a[srt] for a in (order, status, create, accept, done, take, cups, is_remake, outlier))
    ids = np.arange(1, len(order) + 1, dtype=np.int64) + 70_000_000
    orders.finish_time = np.full(len(orders), -1, dtype=np.int64)  # type: ignore[attr-defined]
    final = status == 4
    finish = take[final] + np.where(deliv[order[final]], rng.integers(12 * 60, 35 * 60, size=int(final.sum())), 0)
    orders.finish_time[order[final]] = finish  # type: ignore[attr-defined]
    manifest["_outliers"] = np.flatnonzero(outlier)
    return ProdFrame(order=order, status=status, create=create, accept=accept, done=done, take=take, cups=cups,
                     remake=is_remake, id=ids)


def _pin_february(create: IntArr, accept: IntArr, done: IntArr, take: IntArr, outlier: npt.NDArray[np.bool_],
                  rng: np.random.Generator) -> None:
    """Move single seconds so ROUND(AVG(done - accept), 1) over February is exactly 217.9."""
    feb = np.flatnonzero((create >= FEB_START) & (done > accept) & (accept >= 0))
    dur = done[feb] - accept[feb]
    target = round(FEB_TARGET * len(feb))
    delta = target - int(dur.sum())
    movable = feb[~outlier[feb] & (dur > 60)]
    if len(movable) == 0 or delta == 0:
        return
    step = int(np.sign(delta))
    reps = -(-abs(delta) // len(movable))
    for r in range(reps):
        k = min(len(movable), abs(delta) - r * len(movable))
        pick = rng.choice(movable, size=k, replace=False)
        done[pick] += step
        take[pick] = np.where(take[pick] >= 0, take[pick] + step, take[pick])


# ----------------------------------------------------------------------------- tables

def production_table(pr: ProdFrame, orders: OrderFrame, shops: ShopFrame) -> pa.Table:
    update = np.maximum.reduce([pr.create, pr.accept, pr.done, pr.take])
    cols: dict[str, Any] = dict(
        id=pr.id, production_no=concat("PD", int_str(pr.id + 880_000_000)), order_id=orders.id[pr.order],
        shop_id=shops.id[orders.shop[pr.order]], status=pr.status, cup_count=pr.cups, accept_time=pr.accept,
        done_time=pr.done, take_time=pr.take, create_time=pr.create, update_time=update)
    return make_table("luckyus_opproduction.t_production", cols,
                      dict(accept_time=pr.accept < 0, done_time=pr.done < 0, take_time=pr.take < 0))


def commodity_rows(pr: ProdFrame, orders: OrderFrame, items: ItemFrame, menu: Menu) -> tuple[IntArr, IntArr]:
    """(production row, item row) pairs: each ticket's made items; a remake ticket only its first drink."""
    start = orders.item_start[pr.order]
    count = orders.n_items[pr.order]
    whole = ~pr.remake
    p_rows = np.repeat(np.flatnonzero(whole), count[whole])
    offs = np.arange(len(p_rows)) - np.repeat(np.cumsum(count[whole]) - count[whole], count[whole])
    i_rows = start[p_rows] + offs
    drink_first = _first_drink(orders, items, menu)
    r_rows = np.flatnonzero(pr.remake)
    p_all = np.concatenate([p_rows, r_rows])
    i_all = np.concatenate([i_rows, drink_first[pr.order[r_rows]]])
    keep = menu.mode[items.product[i_all]] == 0  # pre-packaged items need no production
    srt = np.lexsort((i_all[keep], p_all[keep]))
    return p_all[keep][srt], i_all[keep][srt]


def _first_drink(orders: OrderFrame, items: ItemFrame, menu: Menu) -> IntArr:
    is_drink = ~menu.is_food[items.product]
    pos = np.where(is_drink, np.arange(len(items)), np.iinfo(np.int64).max)
    first = np.full(len(orders), np.iinfo(np.int64).max)
    np.minimum.at(first, items.order, pos)
    return np.where(first == np.iinfo(np.int64).max, orders.item_start, first)


def commodity_table(pr: ProdFrame, p_rows: IntArr, i_rows: IntArr, orders: OrderFrame, items: ItemFrame,
                    menu: Menu, device_no: pa.Array, sku_code: pa.Array) -> pa.Table:
    n = len(p_rows)
    status = pr.status[p_rows]
    make = np.where(pr.remake[p_rows], 2, np.where(status == 5, 3, 1))
    done = pr.done[p_rows]
    spu = pa.array(menu.spu_code).take(pa.array(items.product[i_rows]))
    name = pa.array(menu.name).take(pa.array(items.product[i_rows]))
    cols: dict[str, Any] = dict(
        id=np.arange(1, n + 1, dtype=np.int64) + 90_000_000, production_id=pr.id[p_rows],
        order_id=orders.id[pr.order[p_rows]], spu_code=spu, spu_name=name, sku_code=sku_code,
        quantity=np.where(pr.remake[p_rows], 1, items.qty[i_rows]), make_status=make, device_no=device_no,
        done_time=done, create_time=pr.create[p_rows], update_time=np.maximum(done, pr.create[p_rows]))
    return make_table("luckyus_opproduction.t_commodity", cols, dict(done_time=done < 0))


def print_table(pr: ProdFrame, orders: OrderFrame, items: ItemFrame, shops: ShopFrame, scale: float,
                bulk_scale: float, rng: np.random.Generator) -> pa.Table:
    """Receipts, kitchen tickets, cup labels, bag stickers, reprints; the newest kept up to the row target."""
    n = len(pr)
    qty_o = np.bincount(items.order, items.qty, minlength=len(orders)).astype(np.int64)
    labels = np.where(pr.remake, 1, qty_o[pr.order])
    bag = ((orders.order_type[pr.order] == 2) | (orders.n_items[pr.order] > 1)) & ~pr.remake
    reprint = rng.poisson(0.61, size=n)
    per = 2 + labels + bag + reprint
    target = round(PRINT_ROWS * scale * bulk_scale)
    keep_from = max(0, n - int(np.searchsorted(np.cumsum(per[::-1]), target)) - 1)
    rows = np.arange(keep_from, n)
    per_k = per[rows]
    p_idx = np.repeat(rows, per_k)
    pos = np.arange(len(p_idx)) - np.repeat(np.cumsum(per_k) - per_k, per_k)
    lab, bg = labels[p_idx], bag[p_idx]
    ptype = np.select([pos == 0, pos == 1, pos < 2 + lab, (pos == 2 + lab) & bg], [1, 2, 3, 4], 5)
    if len(p_idx) > target:
        p_idx, pos, ptype = p_idx[-target:], pos[-target:], ptype[-target:]
    base_t = np.where(pr.accept[p_idx] >= 0, pr.accept[p_idx], pr.create[p_idx])
    when = base_t + pos * 2 + np.where(ptype == 5, rng.integers(60, 900, size=len(p_idx)), 0)
    shop = orders.shop[pr.order[p_idx]]
    printer = concat("PRN-", pa.array(shops.shop_no).take(pa.array(shop)), "-",
                     int_str(np.where(ptype == 3, 2, 1) + (pr.id[p_idx] % 2) * 2))
    cols: dict[str, Any] = dict(
        id=np.arange(1, len(p_idx) + 1, dtype=np.int64), production_id=pr.id[p_idx],
        order_id=orders.id[pr.order[p_idx]], shop_id=shops.id[shop], print_type=ptype, printer_no=printer,
        print_time=when)
    return make_table("luckyus_opproduction.t_print_receipt", cols)
