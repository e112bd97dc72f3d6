"""CRM users (luckyus_sales_crm.t_user) and which user placed each order.

Users register before they order: most register shortly before a first order at a "home"
shop, some on the pre-launch waitlist, some never order. Each order picks a user registered
before it (80 % from the shop's own regulars, else anyone), weighted by a heavy-tailed
activity level, so a few loyal customers order daily and most rarely. Cook Islands orders
belong to internal test accounts. One planted cohort stops ordering (churn).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from app.dataset.arrowutil import make_table, take
from app.dataset.fakepii import people
from app.dataset.gen_orders import OrderFrame
from app.dataset.gen_shops import D1, ShopFrame
from app.dataset.timeutil import DAY, day_number

IntArr = npt.NDArray[np.int64]
FULL_USERS = 277_537
USER_ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Denver", "Europe/London",
              "Asia/Shanghai", "Pacific/Rarotonga"]
ZONE_P = np.array([0.93, 0.02, 0.02, 0.01, 0.01, 0.01])
WAITLIST_START = day_number(dt.date(2025, 5, 15)) * DAY
CHURN_SHOP = "8th & Broadway"
CHURN_REGISTERED = (dt.date(2025, 7, 1), dt.date(2025, 7, 31))
CHURN_FROM = dt.date(2025, 11, 1)
CHURN_KEEP = 0.1  # share of the cohort's orders kept after the collapse


@dataclass
class UserFrame:
    user_no: npt.NDArray[np.str_]
    register: IntArr  # UTC seconds
    channel: IntArr
    origin: IntArr
    home: IntArr  # shop index, -1 = none
    test: npt.NDArray[np.bool_]
    weight: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.user_no)


def build_users(orders: OrderFrame, shops: ShopFrame, scale: float, rng: np.random.Generator) -> UserFrame:
    n = max(50, round(FULL_USERS * scale))
    n_test = max(10, round(150 * scale))
    n_wait = round(0.04 * n)
    n_reg = n - n_test - n_wait
    usd_done = np.flatnonzero(orders.completed & ~orders.cook)
    seed_orders = rng.choice(usd_done, size=n_reg)
    reg = np.concatenate([
        orders.create[seed_orders] - rng.integers(60, 5 * DAY, size=n_reg),
        rng.integers(WAITLIST_START, day_number(dt.date(2025, 6, 29)) * DAY, size=n_wait),
        day_number(dt.date(2025, 6, 2)) * DAY + rng.integers(0, 20 * DAY, size=n_test)])
    reg = np.maximum(reg, WAITLIST_START)
    home = np.concatenate([orders.shop[seed_orders], np.full(n_wait, -1), np.full(n_test, -1)])
    home = np.where(np.isin(home, np.flatnonzero(shops.kind == "nyc")), home, -1)
    test = np.concatenate([np.zeros(n - n_test, bool), np.ones(n_test, bool)])
    active = rng.random(n) < 0.8
    weight = np.where(active, np.minimum(rng.lognormal(0.0, 1.1, size=n), 25.0), 0.0)
    weight[test] = 1.0
    channel = np.where(test, rng.choice([1, 2], size=n),
                       rng.choice([2, 1, 3, 8], size=n, p=[0.78, 0.16, 0.03, 0.03])).astype(np.int64)
    origin = np.where(test, 6, rng.choice([1, 2, 3, 4, 5], size=n, p=[0.45, 0.2, 0.15, 0.12, 0.08]))
    origin = np.where(channel == 3, 5, origin).astype(np.int64)
    order = np.lexsort((np.arange(n), reg))
    ids = np.arange(1, n + 1, dtype=np.int64)
    user_no = np.char.add("LU", (3_000_000_000 + ids * 7 + rng.integers(0, 7, size=n)).astype(str))
    return UserFrame(user_no=user_no, register=reg[order], channel=channel[order], origin=origin[order],
                     home=home[order], test=test[order], weight=weight[order])


def _prefix_pick(reg: IntArr, weight: npt.NDArray[np.float64], members: IntArr, times: IntArr,
                 rng: np.random.Generator) -> IntArr:
    """For each time, a member registered before it, weighted; -1 where nobody qualifies."""
    r = reg[members]
    cum = np.cumsum(weight[members])
    k = np.searchsorted(r, times, side="right")
    out = np.full(len(times), -1, dtype=np.int64)
    ok = (k > 0) & (cum[np.maximum(k, 1) - 1] > 0)
    u = rng.random(int(ok.sum())) * cum[k[ok] - 1]
    idx = np.minimum(np.searchsorted(cum, u, side="right"), k[ok] - 1)
    out[ok] = members[idx]
    return out


def assign_users(orders: OrderFrame, users: UserFrame, shops: ShopFrame, rng: np.random.Generator,
                 manifest: dict[str, Any]) -> None:
    n = len(orders)
    user = np.full(n, -1, dtype=np.int64)
    everyone = np.flatnonzero(~users.test)
    testers = np.flatnonzero(users.test)
    local = rng.random(n) < 0.8
    for k in np.unique(orders.shop):
        sel = np.flatnonzero((orders.shop == k) & local & ~orders.cook)
        members = np.flatnonzero(users.home == k)
        if len(sel) and len(members):
            user[sel] = _prefix_pick(users.register, users.weight, members, orders.create[sel], rng)
    rest = np.flatnonzero((user < 0) & ~orders.cook)
    user[rest] = _prefix_pick(users.register, users.weight, everyone, orders.create[rest], rng)
    cook = np.flatnonzero(orders.cook)
    user[cook] = testers[rng.integers(0, len(testers), size=len(cook))]
    left = np.flatnonzero(user < 0)  # orders before anyone registered in a shop's pool (rare)
    user[left] = everyone[rng.integers(0, min(len(everyone), 50), size=len(left))]

    # planted churn: a July cohort of one shop nearly stops ordering from 1 November
    k_shop = shops.index(CHURN_SHOP)
    lo = day_number(CHURN_REGISTERED[0]) * DAY
    hi = (day_number(CHURN_REGISTERED[1]) + 1) * DAY
    cohort = (users.home == k_shop) & (users.register >= lo) & (users.register < hi) & (users.weight > 0)
    cut = day_number(CHURN_FROM) * DAY
    after = np.flatnonzero(cohort[user] & (orders.create >= cut) & (rng.random(n) > CHURN_KEEP))
    for _ in range(3):
        if not len(after):
            break
        repl = _prefix_pick(users.register, users.weight, everyone, orders.create[after], rng)
        ok = (repl >= 0) & ~cohort[np.maximum(repl, 0)]
        user[after[ok]] = repl[ok]
        after = after[~ok]
    orders.user = user
    manifest["_churn_cohort"] = np.flatnonzero(cohort)


def user_table(users: UserFrame, shops: ShopFrame, rng: np.random.Generator) -> pa.Table:
    n = len(users)
    phone, email, nick = people(rng, n)
    status = rng.choice([1, 2, 3], size=n, p=[0.965, 0.01, 0.025]).astype(np.int64)
    status[users.test] = 1
    gone = status == 3
    no_email = gone | (rng.random(n) < 0.2)
    zone = np.where(users.test, len(USER_ZONES) - 1, rng.choice(len(ZONE_P), size=n, p=ZONE_P / ZONE_P.sum()))
    update = np.minimum(users.register + rng.integers(0, 120 * DAY, size=n), (D1 + 1) * DAY - 3600)
    update = np.maximum(update, users.register)
    null = pa.scalar(None, pa.string())
    cols: dict[str, Any] = dict(
        id=np.arange(1, n + 1, dtype=np.int64), user_no=users.user_no,
        tenant=np.where(users.test, "LKCK", "LKUS"),
        phone=pc.if_else(pa.array(gone), null, phone), email=pc.if_else(pa.array(no_email), null, email),
        nick_name=pc.if_else(pa.array(gone), null, nick), origin=users.origin, register_channel=users.channel,
        register_shop_id=np.where(users.home >= 0, shops.id[np.maximum(users.home, 0)], 0),
        register_time=users.register, time_zone=take(USER_ZONES, zone), status=status,
        create_time=users.register, update_time=update)
    return make_table("luckyus_sales_crm.t_user", cols, dict(register_shop_id=users.home < 0))

