"""Shops (t_shop_info, t_shop_opening_time): the 517-row shop table and each shop's daily hours.

Only 16 shops trade (the 10 open NYC stores, 3 Cook Islands NZD test shops, 3 closed USD
pop-ups); the rest are templates, QA test shops and cancelled sites, as a real shop master
accumulates. Shop rows never scale. Opening hours are the single source of truth for when a
shop may take orders: the order generator samples inside them, and tests check it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from app.dataset import reference as ref
from app.dataset.arrowutil import make_table, take
from app.dataset.context import END_LOCAL, START_LOCAL
from app.dataset.timeutil import DAY, day_number, local_to_utc, weekday

D0 = day_number(START_LOCAL)
D1 = day_number(END_LOCAL)
N_DAYS = D1 - D0 + 1
SCHEDULE_DAYS = 261  # t_shop_opening_time covers the window plus the published schedule ahead
ZONES = ["America/New_York", "Pacific/Rarotonga", "America/Los_Angeles"]

# Reduced hours on US holidays (NYC shops); local open hour, close hour.
HOLIDAY_HOURS: dict[dt.date, tuple[int, int]] = {
    dt.date(2025, 11, 27): (9, 17),
    dt.date(2025, 12, 24): (7, 18),
    dt.date(2025, 12, 25): (9, 17),
    dt.date(2025, 12, 31): (7, 18),
    dt.date(2026, 1, 1): (9, 18),
}

IntArr = npt.NDArray[np.int64]


@dataclass
class ShopFrame:
    """All 517 shop rows as parallel arrays; trading shops have ``orders`` > 0."""

    id: IntArr
    shop_no: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]
    zone: IntArr  # index into ZONES
    currency: npt.NDArray[np.str_]
    tenant: npt.NDArray[np.str_]
    status: IntArr
    mode: IntArr
    test_flag: IntArr
    internal: IntArr
    address: npt.NDArray[Any]
    neighbourhood: npt.NDArray[Any]
    postal: npt.NDArray[Any]
    lat: npt.NDArray[np.float64]  # NaN = unknown
    lon: npt.NDArray[np.float64]
    open_day: IntArr  # -1 = never opened
    close_day: IntArr  # last business day, -1 = still open
    create_time: IntArr
    orders: IntArr  # full-scale completed orders
    revenue: npt.NDArray[np.float64]
    hours: IntArr  # (n, 4): weekday open, weekday close, weekend open, weekend close
    weekend_factor: npt.NDArray[np.float64]
    kind: npt.NDArray[np.str_]  # nyc | cook | popup | template | qa | cancelled

    def __len__(self) -> int:
        return len(self.id)

    def index(self, name: str) -> int:
        return int(np.flatnonzero(self.name == name)[0])

    @property
    def trading(self) -> IntArr:
        """Indexes of shops that take orders, in a fixed order."""
        return np.flatnonzero(self.orders > 0)


_STREETS = ["Broadway", "5th Ave", "6th Ave", "7th Ave", "Lexington Ave", "Madison Ave", "Park Ave S",
            "W 14th St", "E 23rd St", "W 34th St", "E 42nd St", "W 57th St", "Canal St", "Houston St",
            "Amsterdam Ave", "Columbus Ave", "1st Ave", "2nd Ave", "Water St", "Church St"]


def build_shops(rng: np.random.Generator) -> ShopFrame:
    refs: list[tuple[str, ref.ShopRef]] = (
        [("nyc", s) for s in ref.NYC_SHOPS] + [("cook", s) for s in ref.COOK_SHOPS]
        + [("popup", s) for s in ref.POPUP_SHOPS])
    rows: list[dict[str, Any]] = []
    for shop_kind, s in refs:
        opened = day_number(s.opened) if s.opened else -1
        created = (opened if opened >= 0 else D1 - 20) - 60
        rows.append(dict(
            name=s.name, zone=ZONES.index(s.time_zone), currency=s.currency, tenant=s.tenant, status=s.status,
            mode=s.mode, test_flag=s.test_flag, internal=s.internal, address=s.address,
            neighbourhood=s.neighbourhood, postal=s.postal_code, lat=s.lat, lon=s.lon, open_day=opened,
            close_day=day_number(s.closed) if s.closed else -1, create_day=created, orders=s.orders,
            revenue=s.revenue, hours=(*s.weekday_hours, *s.weekend_hours), weekend_factor=s.weekend_factor,
            kind=shop_kind))
    n_template, n_qa = 320, 130
    n_cancel = ref.N_SHOP_ROWS - len(rows) - n_template - n_qa
    first_day, last_day = day_number(dt.date(2024, 9, 2)), day_number(dt.date(2026, 1, 30))
    made = np.sort(rng.integers(first_day, last_day, size=n_template + n_qa + n_cancel))
    sizes = ["Standard Store", "Express Kiosk", "Flagship", "Delivery Kitchen", "Campus Store"]
    for i in range(n_template):
        rows.append(dict(
            name=f"Template - {sizes[i % len(sizes)]} {i + 1:03d}", zone=0, currency="USD", tenant="LKUS",
            status=9, mode=4, test_flag=1, internal=1, address=None, neighbourhood=None, postal=None,
            lat=None, lon=None, open_day=-1, close_day=-1, create_day=int(made[i]), orders=0,
            revenue=0.0, hours=(7, 21, 8, 20), weekend_factor=0.5, kind="template"))
    for j in range(n_qa):
        west = j % 26 == 25
        name = "QA Test Lab - Long Island City" if j == 0 else f"QA {'West ' if west else ''}Test Store {j:03d}"
        rows.append(dict(
            name=name, zone=2 if west else 0, currency="USD", tenant="LKUS",
            status=1 if j % 3 == 0 else (3 if j % 7 == 3 else 4),
            mode=3, test_flag=1, internal=1, address="31-00 47th Ave, Long Island City, NY 11101" if j == 0
            else None, neighbourhood=None, postal="11101" if j == 0 else None, lat=40.742530 if j == 0 else None,
            lon=-73.935360 if j == 0 else None, open_day=-1, close_day=-1,
            create_day=int(made[n_template + j]), orders=0, revenue=0.0, hours=(7, 21, 8, 20),
            weekend_factor=0.5, kind="qa"))
    for j in range(n_cancel):
        addr = f"{100 + 37 * j % 900} {_STREETS[j % len(_STREETS)]}"
        rows.append(dict(
            name=f"Cancelled Site - {addr}", zone=0, currency="USD", tenant="LKUS", status=4, mode=1,
            test_flag=0, internal=0, address=f"{addr}, New York, NY", neighbourhood=None, postal=None,
            lat=None, lon=None, open_day=-1, close_day=-1, create_day=int(made[n_template + n_qa + j]),
            orders=0, revenue=0.0, hours=(7, 21, 8, 20), weekend_factor=0.5, kind="cancelled"))

    # ids follow creation order, as an auto-increment key would
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["create_day"], i))
    rows = [rows[i] for i in order]
    n = len(rows)
    ids = np.arange(1, n + 1, dtype=np.int64) + 100
    create_secs = (np.array([r["create_day"] for r in rows], dtype=np.int64) * DAY
                   + rng.integers(13 * 3600, 23 * 3600, size=n))

    def col(key: str, dtype: Any = object) -> npt.NDArray[Any]:
        return np.array([r[key] for r in rows], dtype=dtype)

    kinds = col("kind", str)
    prefix = np.where(kinds == "cook", "CK", "US")
    shop_no = np.char.add(prefix.astype(str), (10000 + ids).astype(str))
    nan = np.nan
    return ShopFrame(
        id=ids, shop_no=shop_no, name=col("name", str), zone=col("zone", np.int64),
        currency=col("currency", str), tenant=col("tenant", str), status=col("status", np.int64),
        mode=col("mode", np.int64), test_flag=col("test_flag", np.int64), internal=col("internal", np.int64),
        address=col("address"), neighbourhood=col("neighbourhood"), postal=col("postal"),
        lat=np.array([r["lat"] if r["lat"] is not None else nan for r in rows]),
        lon=np.array([r["lon"] if r["lon"] is not None else nan for r in rows]),
        open_day=col("open_day", np.int64), close_day=col("close_day", np.int64), create_time=create_secs,
        orders=col("orders", np.int64), revenue=col("revenue", np.float64),
        hours=np.array([r["hours"] for r in rows], dtype=np.int64),
        weekend_factor=col("weekend_factor", np.float64), kind=kinds)


def day_hours(shops: ShopFrame, days: IntArr) -> tuple[IntArr, IntArr]:
    """Scheduled (open hour, close hour) for every shop (rows) and day (columns)."""
    wd = weekday(days)
    weekend = (wd >= 5)[None, :]
    open_h = np.where(weekend, shops.hours[:, 2:3], shops.hours[:, 0:1])
    close_h = np.where(weekend, shops.hours[:, 3:4], shops.hours[:, 1:2])
    us = (shops.zone == 0)[:, None]
    for date, (o, c) in HOLIDAY_HOURS.items():
        hit = days == day_number(date)
        if hit.any():
            open_h = np.where(us & hit[None, :], np.maximum(open_h, o), open_h)
            close_h = np.where(us & hit[None, :], np.minimum(close_h, c), close_h)
    return open_h, close_h


def shop_info_table(shops: ShopFrame, rng: np.random.Generator) -> pa.Table:
    n = len(shops)
    opened = shops.open_day >= 0
    set_up = local_to_utc(shops.zone, ZONES, np.where(opened, shops.open_day, D0), np.full(n, 7 * 3600))
    update = shops.create_time + rng.integers(3600, 40 * DAY, size=n)
    update = np.minimum(update, D1 * DAY + 20 * 3600)
    no_geo = np.isnan(shops.lat)
    cols: dict[str, Any] = dict(
        id=shops.id, shop_no=shops.shop_no, shop_name=shops.name, tenant=shops.tenant,
        status=shops.status, operation_mode=shops.mode, time_zone=take(ZONES, shops.zone),
        currency_code=shops.currency, address=shops.address, neighbourhood=shops.neighbourhood,
        postal_code=shops.postal, country_name=pa.nulls(n, pa.string()),
        administrative_area_name=pa.nulls(n, pa.string()), locality_name=pa.nulls(n, pa.string()),
        location_longitude=np.round(np.nan_to_num(shops.lon) * 1e6).astype(np.int64),
        location_latitude=np.round(np.nan_to_num(shops.lat) * 1e6).astype(np.int64),
        set_up_time=set_up, internal=shops.internal, test_flag=shops.test_flag,
        create_time=shops.create_time, update_time=update)
    masks = dict(location_longitude=no_geo, location_latitude=no_geo, set_up_time=~opened)
    return make_table("luckyus_opshop.t_shop_info", cols, masks)


def opening_time_table(shops: ShopFrame, rng: np.random.Generator) -> pa.Table:
    """One row per shop per schedule day (a calendar: it does not scale with order volume)."""
    days = np.arange(D0, D0 + SCHEDULE_DAYS, dtype=np.int64)
    open_h, close_h = day_hours(shops, days)
    si, di = np.nonzero(np.ones((len(shops), len(days)), dtype=bool))
    day = days[di]
    active = ((shops.open_day[si] >= 0) & (day >= shops.open_day[si])
              & ((shops.close_day[si] < 0) | (day <= shops.close_day[si])))
    is_closed = (~active).astype(np.int64)
    oh, ch = open_h[si, di], close_h[si, di]
    past = active & (day <= D1)
    local_open = oh * 3600 - rng.integers(0, 12 * 60, size=len(si))
    local_close = ch * 3600 + rng.integers(0, 20 * 60, size=len(si))
    zone = shops.zone[si]
    actual_open = local_to_utc(zone, ZONES, day, local_open)
    actual_close = local_to_utc(zone, ZONES, day, local_close)
    hh = [f"{h:02d}:00" for h in range(25)]
    cols: dict[str, Any] = dict(
        id=np.arange(1, len(si) + 1, dtype=np.int64), shop_id=shops.id[si], business_date=day,
        week_day=weekday(day) + 1, open_time=take(hh, oh), close_time=take(hh, ch),
        actual_open_time=actual_open, actual_close_time=actual_close, is_closed=is_closed)
    return make_table("luckyus_opshop.t_shop_opening_time", cols,
                      dict(actual_open_time=~past, actual_close_time=~past))


def shop_labels(shops: ShopFrame) -> tuple[pa.Array, pa.Array]:
    """Arrow arrays of shop_no and shop_name for ``take``-based lookups."""
    return pa.array(shops.shop_no, type=pa.string()), pa.array(shops.name, type=pa.string())


