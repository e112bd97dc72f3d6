"""How many orders each trading shop takes each local business day, and at what local time.

The daily shape is opening ramp x season x weekday x holiday x planted anomaly x noise; each
shop's total is fixed to its seed figure and spread over its days by largest remainder (so
totals are exact at every scale). Two season knots (January and February) are solved so that
January revenue and the February production count land on the seed's figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.dataset import reference as ref
from app.dataset.gen_shops import D0, D1, N_DAYS, ShopFrame, day_hours
from app.dataset.timeutil import day_number, weekday

IntArr = npt.NDArray[np.int64]
FloatArr = npt.NDArray[np.float64]

DAYS = np.arange(D0, D1 + 1, dtype=np.int64)
JAN = (day_number(dt.date(2026, 1, 1)) <= DAYS) & (day_number(dt.date(2026, 1, 31)) >= DAYS)
FEB = day_number(dt.date(2026, 2, 1)) <= DAYS
JAN31 = day_number(dt.date(2026, 1, 31)) - D0

# Hourly weights of local order times (index = hour). Weekday: commuter morning peak.
WEEKDAY_PROFILE = np.array([0, 0, 0, 0, 0, 0, 0, .085, .150, .140, .095, .075, .085, .080, .065, .060, .048,
                            .040, .030, .022, .015, .010, .006, 0], dtype=np.float64)
WEEKEND_PROFILE = np.array([0, 0, 0, 0, 0, 0, 0, .030, .070, .110, .140, .140, .130, .120, .100, .080, .060,
                            .045, .035, .025, .018, .012, .008, 0], dtype=np.float64)

SPIKE_DAY = dt.date(2025, 9, 29)  # National Coffee Day promotion: every NYC shop x2.3
SPIKE_FACTOR = 2.3
DROP_DAY = dt.date(2026, 1, 8)  # POS outage at one shop: orders x0.15
DROP_SHOP = "54th & 8th"
DROP_FACTOR = 0.15
HOLIDAY_FACTOR: dict[dt.date, float] = {
    dt.date(2025, 7, 4): 0.45, dt.date(2025, 9, 1): 0.6, dt.date(2025, 11, 27): 0.35,
    dt.date(2025, 11, 28): 0.7, dt.date(2025, 12, 24): 0.55, dt.date(2025, 12, 25): 0.3,
    dt.date(2025, 12, 26): 0.7, dt.date(2025, 12, 29): 0.75, dt.date(2025, 12, 30): 0.75,
    dt.date(2025, 12, 31): 0.6, dt.date(2026, 1, 1): 0.4, dt.date(2026, 1, 19): 0.8,
}
WEEKDAY_FACTOR = np.array([1.03, 1.03, 1.01, 1.02, 0.98, 0.91, 0.95])  # Mon..Sun (weekend x shop factor)
SEASON_DAYS = np.array([day_number(d) for d in (
    dt.date(2025, 7, 15), dt.date(2025, 8, 15), dt.date(2025, 9, 15), dt.date(2025, 10, 15),
    dt.date(2025, 11, 15), dt.date(2025, 12, 15), dt.date(2026, 1, 15), dt.date(2026, 2, 1), dt.date(2026, 2, 13))])
SEASON_VALUES = np.array([1.25, 1.18, 1.12, 1.08, 1.0, 0.92, 0.9, 1.0, 0.95])
FEB_FADE = 0.92  # mid-February softness that offsets the 6 February opening in the totals

JAN_REVENUE = 363_000.0
FEB_PRODUCTIONS = 36_696
FEB_REMAKE_RATE = 0.01  # remakes add this share of productions in February (see gen_production)
TOTAL_ORDERS = 516_000


@dataclass
class Volume:
    shops: IntArr  # trading shop indexes into ShopFrame (row order of the matrices)
    completed: IntArr  # (n_shops, N_DAYS) completed orders per local day
    other: IntArr  # (n_shops, N_DAYS) non-completed orders per local day
    n_mislabel: int


def profile_share(open_h: IntArr, close_h: IntArr, weekend: npt.NDArray[np.bool_],
                  from_hour: int) -> FloatArr:
    """Share of a day's orders at or after ``from_hour`` local, given its opening hours."""
    hours = np.arange(24)
    prof = np.where(weekend[..., None], WEEKEND_PROFILE, WEEKDAY_PROFILE)
    inside = (hours >= open_h[..., None]) & (hours < close_h[..., None])
    w = prof * inside
    tot = w.sum(-1)
    return np.where(tot > 0, (w * (hours >= from_hour)).sum(-1) / np.maximum(tot, 1e-12), 0.0)


def _largest_remainder(total: int, weights: FloatArr) -> IntArr:
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    base = np.floor(exact).astype(np.int64)
    short = total - int(base.sum())
    if short > 0:
        base[np.argsort(-(exact - base), kind="stable")[:short]] += 1
    return base


def scaled_targets(shops: ShopFrame, scale: float, n_mislabel: int) -> tuple[IntArr, FloatArr]:
    """Completed orders and revenue per trading shop at this scale; exact totals preserved."""
    tr = shops.trading
    orders = np.round(shops.orders[tr] * scale).astype(np.int64)
    revenue = np.round(shops.revenue[tr] * scale, 2)
    kind = shops.kind[tr]
    cook = np.flatnonzero(kind == "cook")
    popup = np.flatnonzero(kind == "popup")
    orders = np.maximum(orders, 1)
    # Cook Islands shops carry the NZD total plus the mislabelled (USD) orders
    nzd = round(ref.NZD_ORDERS * scale)
    orders[cook[-1]] = nzd + n_mislabel - orders[cook[:-1]].sum()
    revenue[cook[-1]] = round(ref.NZD_REVENUE * scale - revenue[cook[:-1]].sum(), 2)
    usd = round(ref.USD_TOTAL_ORDERS * scale)
    usd_fixed = orders[kind == "nyc"].sum() + orders[popup[:-1]].sum() + n_mislabel
    orders[popup[-1]] = usd - usd_fixed
    if orders[popup[-1]] < 1:  # tiny scales: rounding left nothing for the last pop-up
        biggest = int(np.argmax(np.where(kind == "nyc", orders, 0)))
        orders[biggest] -= 1 - orders[popup[-1]]
        orders[popup[-1]] = 1
    revenue[popup[-1]] = round(ref.USD_TOTAL_REVENUE * scale - revenue[kind == "nyc"].sum()
                               - revenue[popup[:-1]].sum(), 2)
    if (orders <= 0).any():
        raise ValueError("scale too small to keep every shop")
    return orders, revenue


def _shape(shops: ShopFrame, season_values: FloatArr, noise: FloatArr) -> FloatArr:
    tr = shops.trading
    n = len(tr)
    open_day = shops.open_day[tr][:, None]
    close_day = np.where(shops.close_day[tr] >= 0, shops.close_day[tr], D1)[:, None]
    age = (DAYS[None, :] - open_day).astype(np.float64)
    active = (DAYS[None, :] >= np.maximum(open_day, D0)) & (DAYS[None, :] <= close_day)
    kind = shops.kind[tr][:, None]
    ramp = np.where(kind == "nyc",
                    (1 - 0.35 * np.exp(-np.maximum(age, 0) / 45)) + 1.1 * np.exp(-np.maximum(age, 0) / 5),
                    1.0 + 0.5 * np.exp(-np.maximum(age, 0) / 4))
    wd = weekday(DAYS)
    dow = WEEKDAY_FACTOR[wd][None, :] * np.where(wd >= 5, shops.weekend_factor[tr][:, None], 1.0)
    season = np.interp(DAYS, SEASON_DAYS, season_values)[None, :]
    season = np.where(kind == "cook", 1.0, season)
    us = kind != "cook"
    hol = np.ones((n, N_DAYS))
    for date, f in HOLIDAY_FACTOR.items():
        hol[:, day_number(date) - D0] = np.where(us[:, 0], f, 1.0)
    hol[:, day_number(SPIKE_DAY) - D0] *= np.where(kind[:, 0] == "nyc", SPIKE_FACTOR, 1.0)
    drop = np.flatnonzero(shops.name[tr] == DROP_SHOP)
    hol[drop, day_number(DROP_DAY) - D0] *= DROP_FACTOR
    return active * ramp * dow * season * hol * noise


def _ensure_days(counts: IntArr, shops: ShopFrame) -> None:
    """Every shop trades on its opening day, and every open shop trades 'yesterday' (the last day)."""
    tr = shops.trading
    for row, k in enumerate(tr):
        must = []
        if shops.open_day[k] >= D0:
            must.append(shops.open_day[k] - D0)
        if shops.close_day[k] < 0:
            must.append(N_DAYS - 1)
        for day in must:
            if counts[row, day] == 0:
                donor = int(np.argmax(counts[row]))
                counts[row, donor] -= 1
                counts[row, day] += 1


def plan_volume(shops: ShopFrame, scale: float, rng: np.random.Generator, n_mislabel: int) -> Volume:
    tr = shops.trading
    orders, revenue = scaled_targets(shops, scale, n_mislabel)
    aov = revenue / orders
    noise = np.exp(rng.normal(0.0, 0.05, size=(len(tr), N_DAYS)))
    noise[:, FEB] = np.exp(rng.normal(0.0, 0.025, size=(len(tr), int(FEB.sum()))))
    usd = shops.currency[tr] == "USD"
    # evening spill of Saturday 31 January (local) into 1 February UTC
    open_h, close_h = day_hours(shops, DAYS)
    weekend = weekday(DAYS) >= 5
    spill = profile_share(open_h[tr, JAN31], close_h[tr, JAN31], np.full(len(tr), weekend[JAN31]), 19)
    jan_target = JAN_REVENUE * scale
    feb_target = FEB_PRODUCTIONS * scale / (1 + FEB_REMAKE_RATE)
    season = SEASON_VALUES.copy()
    for _ in range(40):
        shape = _shape(shops, season, noise)
        expected = orders[:, None] * shape / shape.sum(1, keepdims=True)
        jan = float((expected[usd][:, JAN] * (aov[usd, None] * 1.04)).sum())
        feb = float(expected[usd][:, FEB].sum() + (expected[usd, JAN31] * spill[usd]).sum())
        season[-3] *= (jan_target / jan) ** 0.9
        season[-2] *= (feb_target / feb) ** 0.9
        season[-1] = season[-2] * FEB_FADE
    shape = _shape(shops, season, noise)
    completed = np.stack([_largest_remainder(int(orders[i]), shape[i]) for i in range(len(tr))])
    _ensure_days(completed, shops)
    n_other = round(TOTAL_ORDERS * scale) - int(orders.sum())
    other_per_shop = _largest_remainder(n_other, orders.astype(np.float64))
    other = np.stack([rng.multinomial(int(other_per_shop[i]), shape[i] / shape[i].sum())
                      for i in range(len(tr))]).astype(np.int64)
    return Volume(shops=tr, completed=completed, other=other, n_mislabel=n_mislabel)


def sample_local_seconds(shops: ShopFrame, shop_idx: IntArr, day: IntArr, rng: np.random.Generator) -> IntArr:
    """Local second-of-day for each order, inside the shop's hours, following the hourly profile."""
    open_h, close_h = day_hours(shops, DAYS)
    o = open_h[shop_idx, day - D0]
    c = close_h[shop_idx, day - D0]
    weekend = weekday(day) >= 5
    hours = np.arange(24)
    codes, inverse = np.unique((o * 100 + c) * 2 + weekend, return_inverse=True)
    combos = np.stack([codes // 200, codes // 2 % 100, codes % 2], 1)
    prof = np.where(combos[:, 2:3] == 1, WEEKEND_PROFILE, WEEKDAY_PROFILE)
    prof = prof * ((hours >= combos[:, 0:1]) & (hours < combos[:, 1:2]))
    cdf = np.cumsum(prof, 1)
    cdf /= cdf[:, -1:]
    u = rng.random(len(day))
    hour = (u[:, None] > cdf[inverse.ravel()]).sum(1)
    return hour * 3600 + rng.integers(0, 3600, size=len(day))
