"""Local business time <-> UTC, vectorised, with each zone's real DST rules.

Orders are generated in the shop's local time (business hours, morning peak) and stored in
UTC. The offset is looked up per (zone, local date) from ``zoneinfo`` once per day, then applied
to every row with NumPy indexing, so New York's switch from EDT to EST on 2025-11-02 is exact.
Business hours never include 01:00-03:00, so a per-date offset is exact for every order.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

EPOCH = dt.date(1970, 1, 1)
DAY = 86_400


def day_number(d: dt.date) -> int:
    """Days since 1970-01-01 (the integer date representation used throughout the generator)."""
    return (d - EPOCH).days


def to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


@lru_cache(maxsize=64)
def _offsets(zone: str, first_day: int, n_days: int) -> npt.NDArray[np.int64]:
    tz = ZoneInfo(zone)
    out = np.empty(n_days, dtype=np.int64)
    for i in range(n_days):  # one lookup per calendar day, not per row
        local_noon = dt.datetime.combine(to_date(first_day + i), dt.time(12), tzinfo=tz)
        off = local_noon.utcoffset()
        out[i] = int(off.total_seconds()) if off is not None else 0
    return out


FIRST_DAY = day_number(dt.date(2025, 1, 1))
N_DAYS = 800


def utc_offset(zone: str, local_day: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """UTC offset in seconds (local = utc + offset) for each local day number."""
    return _offsets(zone, FIRST_DAY, N_DAYS)[np.asarray(local_day) - FIRST_DAY]


def local_to_utc(zone_idx: npt.NDArray[np.integer[Any]], zones: list[str], local_day: npt.NDArray[np.int64],
                 seconds_of_day: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """UTC epoch seconds of local wall-clock times, zone chosen per row by ``zone_idx``."""
    table = np.stack([_offsets(z, FIRST_DAY, N_DAYS) for z in zones])
    off = table[np.asarray(zone_idx), np.asarray(local_day) - FIRST_DAY]
    return np.asarray(local_day, dtype=np.int64) * DAY + np.asarray(seconds_of_day, dtype=np.int64) - off


def utc_to_local_day(zone_idx: npt.NDArray[np.integer[Any]], zones: list[str],
                     utc_seconds: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Local calendar day number of UTC instants (offset taken from the UTC day; exact in business hours)."""
    table = np.stack([_offsets(z, FIRST_DAY, N_DAYS) for z in zones])
    utc_day = np.asarray(utc_seconds) // DAY
    off = table[np.asarray(zone_idx), utc_day - FIRST_DAY]
    local = np.asarray(utc_seconds) + off
    off2 = table[np.asarray(zone_idx), local // DAY - FIRST_DAY]
    return (np.asarray(utc_seconds) + off2) // DAY


def weekday(day: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday)."""
    return (np.asarray(day) + 3) % 7
