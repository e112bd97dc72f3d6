"""Per-user facts derived once from the core's orders, shared by the growth generators.

Coupons, labels, CDP segments, experiments and CRM rows must agree with what each user
actually ordered; computing recency, frequency, favourite shop and category shares once here
keeps every growth table consistent with ``t_order`` and with each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from app.dataset.context import TODAY, GenContext

Arr = npt.NDArray[Any]
DAY = 86_400
#: "now" for the demo data: local midnight of 2026-02-14 in New York, as UTC epoch seconds
NOW = int(np.datetime64(f"{TODAY.isoformat()}T05:00:00", "s").astype(np.int64))


def epoch(a: Arr) -> Arr:
    """UTC datetime64 -> int64 epoch seconds."""
    return np.asarray(a).astype("datetime64[s]").astype(np.int64)


def as_dt(seconds: Arr) -> Arr:
    """Epoch seconds -> datetime64[s] without copying."""
    return np.ascontiguousarray(seconds, dtype=np.int64).view("datetime64[s]")


@dataclass
class UserStats:
    """Recency/frequency/monetary and taste per user (index = ctx.users index)."""

    n: int
    user_no: pa.Array  # ctx.users.user_no as Arrow, for cheap ``take``
    reg: Arr  # register time, epoch s
    reg_order: Arr  # user indexes sorted by register time
    reg_sorted: Arr  # register times in that order
    done: Arr  # bool per order: completed (status 90)
    o_user: Arr  # user of each completed order
    o_time: Arr  # epoch s of each completed order
    o_id: Arr  # order id of each completed order
    o_pay: Arr
    o_shop: Arr
    key: Arr  # sorted user * 2**32 + time of completed orders (for "ordered within" look-ups)
    n_orders: Arr
    first: Arr  # first completed order time (-1 = none)
    last: Arr
    money: Arr
    fav_shop: Arr  # shop index, -1 = none
    fav_cat: Arr  # category index into ``categories``, -1 = none
    categories: Arr
    share: dict[str, Arr]  # per-user shares: iced, food, matcha, coffee, delivery, morning, weekend

    def registered_before(self, t: Arr, u: Arr) -> Arr:
        """Map uniforms ``u`` in [0,1) to a random user registered before each time ``t`` (or the first)."""
        k = np.searchsorted(self.reg_sorted, t, side="right")
        pick = np.floor(u * np.maximum(k, 1)).astype(np.int64)
        return np.asarray(self.reg_order[np.minimum(pick, self.n - 1)])

    def orders_between(self, users: Arr, t0: Arr, t1: Arr) -> Arr:
        """Completed orders of each user with t0 < create_time <= t1 (counts)."""
        base = users.astype(np.int64) << 32
        lo = np.searchsorted(self.key, base + t0, side="right")
        hi = np.searchsorted(self.key, base + t1, side="right")
        return np.asarray(hi - lo)


def user_stats(ctx: GenContext) -> UserStats:
    users, orders, items, prods = ctx.users, ctx.orders, ctx.items, ctx.products
    n = len(users.user_no)
    reg = epoch(users.register_time)
    reg_order = np.argsort(reg, kind="stable")
    done = np.asarray(orders.status) == 90
    o_user = np.asarray(orders.user, dtype=np.int64)[done]
    o_time = epoch(orders.create_time)[done]
    key = np.sort((o_user << 32) + o_time)
    n_orders = np.bincount(o_user, minlength=n)
    first = np.full(n, -1, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    first[n_orders > 0] = np.iinfo(np.int64).max
    np.minimum.at(first, o_user, o_time)
    np.maximum.at(last, o_user, o_time)
    money = np.bincount(o_user, weights=np.asarray(orders.pay_money)[done], minlength=n)
    o_shop = np.asarray(orders.shop, dtype=np.int64)[done]
    fav_shop = _mode(o_user, o_shop, n)
    # item-level taste
    done_idx = np.flatnonzero(done)
    it_ok = done[items.order]
    it_user = np.asarray(orders.user, dtype=np.int64)[items.order[it_ok]]
    it_prod = np.asarray(items.product)[it_ok]
    qty = np.asarray(items.quantity)[it_ok].astype(np.float64)
    categories, cat_idx = np.unique(np.asarray(prods.category).astype(str), return_inverse=True)
    it_cat = cat_idx[it_prod]
    fav_cat = _mode(it_user, it_cat, n)
    tot = np.bincount(it_user, weights=qty, minlength=n)
    denom = np.maximum(tot, 1e-9)
    is_matcha = np.char.find(np.char.lower(np.asarray(prods.name).astype(str)), "matcha") >= 0
    is_coffee = np.isin(categories, ["Fresh Ground Coffee", "Classic Drinks", "Cold Brew"])
    flags = {"iced": np.asarray(prods.is_iced, dtype=bool)[it_prod], "food": np.asarray(prods.is_food,
             dtype=bool)[it_prod], "matcha": is_matcha[it_prod], "coffee": is_coffee[it_cat]}
    share = {k: np.bincount(it_user, weights=qty * f, minlength=n) / denom for k, f in flags.items()}
    cnt = np.maximum(n_orders, 1)
    o_local = np.asarray(orders.local_date).astype("datetime64[D]").astype(np.int64)[done]
    hour_local = ((o_time - o_local * DAY) // 3600) % 24
    share["delivery"] = np.bincount(o_user, weights=np.asarray(orders.order_type)[done] == 2, minlength=n) / cnt
    share["morning"] = np.bincount(o_user, weights=hour_local < 11, minlength=n) / cnt
    share["weekend"] = np.bincount(o_user, weights=((o_local + 3) % 7) >= 5, minlength=n) / cnt
    return UserStats(n=n, user_no=pa.array(np.asarray(users.user_no).astype(str)), reg=reg, reg_order=reg_order,
                     reg_sorted=reg[reg_order], done=done, o_user=o_user,
                     o_time=o_time, o_id=np.asarray(orders.id, dtype=np.int64)[done_idx],
                     o_pay=np.asarray(orders.pay_money)[done], o_shop=o_shop, key=key, n_orders=n_orders,
                     first=first, last=last, money=money, fav_shop=fav_shop, fav_cat=fav_cat,
                     categories=categories, share=share)


def _mode(user: Arr, value: Arr, n: int) -> Arr:
    """Most frequent ``value`` per user (-1 where the user has none); ties go to the lower value."""
    out = np.full(n, -1, dtype=np.int64)
    if len(user) == 0:
        return out
    width = int(value.max()) + 1
    pairs, counts = np.unique(user.astype(np.int64) * width + value, return_counts=True)
    pu = pairs // width
    order = np.lexsort((pairs % width, -counts, pu))
    first = np.ones(len(order), dtype=bool)
    first[1:] = pu[order][1:] != pu[order][:-1]
    sel = order[first]
    out[pu[sel]] = pairs[sel] % width
    return out
