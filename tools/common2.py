"""Shared pieces of the growth, product, supply and cross-department tools (seed tools 4-6, 10, 11, 15-17, 20, 21, 24).

SQL is written as constant MySQL-dialect templates with ``:name`` placeholders bound to typed
sqlglot literals by ``tools.common.bind``, so no caller value is ever spliced into SQL text.
Fragments such as the default order filters are module constants here, never input.
Statistics run in Python on the aggregated rows these templates return.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from tools.base import ToolContext
from tools.common import bind

NY = ZoneInfo("America/New_York")
UTC = dt.UTC

# ----------------------------------------------------------------------------- constant SQL fragments
LOCAL_TS = "CONVERT_TZ(o.create_time, 'UTC', 'America/New_York')"
"""An order's local (store) time; every USD store is in New York (SEMANTICS.md)."""
LOCAL_DAY = f"DATE({LOCAL_TS})"
TEST_SHOPS = "SELECT id FROM luckyus_opshop.t_shop_info WHERE test_flag = 1"
ORDER_FILTER = f"o.status = 90 AND o.currency_code = 'USD' AND o.shop_id NOT IN ({TEST_SHOPS})"
"""The finance defaults (completed, USD, no test shops) on ``t_order AS o``."""
ORDER_FILTER_TEXT = ["completed orders only (status = 90)", "USD only", "test shops excluded"]
PROD_SECONDS = "TIMESTAMPDIFF(SECOND, p.accept_time, p.done_time)"
PROD_VALID = "p.accept_time IS NOT NULL AND p.done_time IS NOT NULL AND p.done_time > p.accept_time"
PROD_CAP_S = 1800


# ----------------------------------------------------------------------------- running templates
def rows(ctx: ToolContext, template: str, /, **params: Any) -> list[dict[str, Any]]:
    """Bind and run one constant template through the guardrails; Decimals come back as floats."""
    return [{k: plain(v) for k, v in r.items()} for r in ctx.records(bind(template, **params))]


def plain(v: Any) -> Any:
    """Decimals to int (a count MySQL returns as DECIMAL) or float, so DuckDB and MariaDB results agree."""
    if isinstance(v, Decimal):
        exponent = v.as_tuple().exponent
        return int(v) if isinstance(exponent, int) and exponent >= 0 else float(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


# ----------------------------------------------------------------------------- time
def utc_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The half-open UTC range covering local (New York) days ``first`` .. ``last`` inclusive."""
    lo = dt.datetime.combine(first, dt.time(), NY).astimezone(UTC).replace(tzinfo=None)
    hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), NY).astimezone(UTC).replace(tzinfo=None)
    return lo, hi


def as_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def last_data_day(ctx: ToolContext) -> dt.date:
    """Yesterday relative to the context's 'today' (today itself has no data yet)."""
    return ctx.today - dt.timedelta(days=1)


# ----------------------------------------------------------------------------- statistics
def robust_z(value: float, history: Sequence[float], rel_floor: float = 0.05,
             abs_floor: float = 1e-9) -> tuple[float, float, float]:
    """(z, median, scaled MAD) of ``value`` against ``history``.

    The scale is the MAD × 1.4826 (σ for normal data), floored at ``rel_floor`` × |median| and
    ``abs_floor`` so a nearly constant series does not turn a small wobble into a huge z.
    """
    h = np.asarray(history, dtype=float)
    if not len(h):
        return 0.0, 0.0, 0.0
    med = float(np.median(h))
    mad = float(np.median(np.abs(h - med))) * 1.4826
    scale = max(mad, rel_floor * abs(med), abs_floor)
    return (value - med) / scale, med, mad


def severity_for(z: float, critical: float = 6.0, warning: float = 4.0) -> str:
    a = abs(z)
    return "critical" if a >= critical else "warning" if a >= warning else "info"


def two_proportions(x_a: int, n_a: int, x_b: int, n_b: int) -> tuple[float, float]:
    """Two-sided two-proportion z-test (statsmodels); returns (z, p)."""
    from statsmodels.stats.proportion import proportions_ztest

    if min(n_a, n_b) == 0 or (x_a + x_b) in (0, n_a + n_b):
        return 0.0, 1.0
    z, p = proportions_ztest([x_b, x_a], [n_b, n_a])
    return float(z), float(p)


def fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def fmt_pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f} %"


def money(x: float | None) -> float | None:
    return None if x is None else round(float(x) + 0.0, 2)


def safe_div(a: float, b: float) -> float | None:
    return None if not b else a / b


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# ----------------------------------------------------------------------------- output helpers
def chunks(seq: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


# ----------------------------------------------------------------------------- user ids
def mask_user(user_no: str) -> str:
    """The id non-admins see for a user: the guardrails' keyed pseudonym (``u_`` + 8 hex digits of an HMAC).

    It is the same code every masked Ask Lucky answer shows for that user, so an id copied from any
    ranking can be pasted into the Customer 360 look-up (resolved by ``resolve_user``).
    """
    from guardrails.masking import pseudonym

    return pseudonym(user_no, "user_id")


def mask_pii(value: Any, pii: str) -> Any:
    """A contact value as non-admins see it (the guardrails' partial masks: ``***-***-1234``, ``j***@x.com``)."""
    from guardrails.masking import mask_value

    return mask_value(value, pii, "partial")


_USER_PAGE = """SELECT u.id, u.user_no FROM luckyus_sales_crm.t_user AS u WHERE u.id > :after ORDER BY u.id
LIMIT 5000"""
_FIND_RAW = "SELECT u.id FROM luckyus_sales_crm.t_user AS u WHERE u.user_no = :user_no LIMIT 1"
_PSEUDONYMS: dict[tuple[str, str], dict[str, int]] = {}


def pseudonym_index(ctx: ToolContext) -> dict[str, int]:
    """pseudonym -> ``t_user.id`` for every registered user, built once per dataset and target.

    Read as the caller: the guardrails already return ``user_no`` as its pseudonym to non-admins
    (admins get raw numbers, hashed here with the same function), so the tool never holds a raw
    user number it could not otherwise see. Pages of 5,000 by ``t_user.id``. The card's queries
    then select the user by ``t_user.id``, which is not personal data.
    """
    raw = shows_raw_ids(ctx)
    key = (str(ctx.executor.settings.data_dir), f"{ctx.target}:{raw}")
    index = _PSEUDONYMS.get(key)
    if index is None:
        index, after = {}, 0
        while True:
            page = rows(ctx, _USER_PAGE, after=after)
            for r in page:
                code = str(r["user_no"])
                index[mask_user(code) if raw else code] = int(r["id"])
            if len(page) < 5000:
                break
            after = int(page[-1]["id"])
        _PSEUDONYMS[key] = index
    return index


def resolve_user(ctx: ToolContext, text: str) -> int:
    """``t_user.id`` of a customer given as a masked id (``u_…``), or as a raw number by a caller who sees raw ids."""
    from tools.common import ToolInputError

    want = text.strip()
    if want.lower().startswith("u_"):
        uid = pseudonym_index(ctx).get(want.lower())
        if uid is not None:
            return uid
    elif shows_raw_ids(ctx):
        found = rows(ctx, _FIND_RAW, user_no=want)
        if found:
            return int(found[0]["id"])
    raise ToolInputError(f"There is no customer with the id {want!r}. Customers are looked up by their masked "
                         f"id (u_ followed by 8 hex digits, as shown in rankings and the RFM tables).")


def shows_raw_ids(ctx: ToolContext) -> bool:
    """Whether user numbers and contact details may be shown unmasked to this caller."""
    return ctx.principal.sees_raw_pii
