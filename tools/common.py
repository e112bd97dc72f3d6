"""Shared pieces of the finance/IT/operations tools: SQL binding, periods, shops, numbers, charts.

Every tool builds its SQL from a *constant* MySQL template whose ``:name`` placeholders are
replaced by typed sqlglot literals (``bind``), so no user text is ever formatted into SQL. Periods
("yesterday", "last week", "2026-01") resolve against ``ctx.today`` the way SEMANTICS.md defines
them, and shops resolve by exact name, id or shop_no, asking back when a name is ambiguous.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlglot
from sqlglot import exp

from app.errors import LuckyError
from tools.base import TableOut, ToolContext

NEW_YORK = "America/New_York"
ALL_START = dt.date(2000, 1, 1)  # "all" periods start here (the demo data starts 2025-06-30)

PERIOD_HELP = ("yesterday, today, last N days, this week, last week, this month, last month, this year, "
               "all, YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (local business days, weeks start Monday)")


class ToolInputError(LuckyError):
    """The input cannot be understood as given; ``options`` lists what the person may have meant."""

    code = "clarify"

    def __init__(self, message: str, options: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.options = list(options)


# ------------------------------------------------------------------ SQL binding
def lit(value: Any) -> exp.Expr:
    """A typed SQL literal for a Python value (dates and datetimes become CASTs).

    An ``exp.Expr`` passes through unchanged: tools use that to choose a column or expression from
    their own constant table (never from user text), e.g. the dimension a statistic is grouped by.
    """
    if isinstance(value, exp.Expr):
        return value.copy()
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Literal.number(1 if value else 0)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("non-finite number cannot be bound into SQL")
        return exp.Literal.number(repr(value))
    if isinstance(value, Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, dt.datetime):
        return exp.cast(exp.Literal.string(value.strftime("%Y-%m-%d %H:%M:%S")), exp.DataType.build("DATETIME"))
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"cannot bind {type(value).__name__} into SQL")


def bind(template: str, **params: Any) -> exp.Expr:
    """Parse a constant MySQL template and replace each ``:name`` with a typed literal (or a given expression).

    A sequence may only be bound inside ``IN (:name)``; an empty one becomes ``IN (NULL)`` (no row).
    Missing or unused parameters raise, so a typo cannot silently drop a filter.
    """
    tree = sqlglot.parse_one(template, read="mysql")
    used: set[str] = set()

    def value(name: str) -> Any:
        if name not in params:
            raise KeyError(f"SQL template needs :{name}")
        used.add(name)
        return params[name]

    def repl(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.In) and len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Placeholder):
            v = value(node.expressions[0].name)
            items = list(v) if isinstance(v, list | tuple | set | frozenset) else [v]
            node.set("expressions", [lit(x) for x in items] or [exp.Null()])
            return node
        if isinstance(node, exp.Placeholder) and node.name:
            v = value(node.name)
            if isinstance(v, list | tuple | set | frozenset):
                raise TypeError(f":{node.name} is a list; lists bind only inside IN (...)")
            return lit(v)
        return node

    out = tree.transform(repl)
    unused = set(params) - used
    if unused:
        raise KeyError(f"unused SQL parameters: {sorted(unused)}")
    return out


# ------------------------------------------------------------------ periods
@dataclass(frozen=True)
class Period:
    """Inclusive range of local business days."""

    start: dt.date
    end: dt.date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_window(self, zones: Iterable[str] = (NEW_YORK,)) -> tuple[dt.datetime, dt.datetime]:
        """A half-open UTC range covering the period in every given zone (index-friendly prefilter)."""
        lo: dt.datetime | None = None
        hi: dt.datetime | None = None
        for z in set(zones) or {NEW_YORK}:
            a, b = local_day_bounds_utc(self.start, z)[0], local_day_bounds_utc(self.end, z)[1]
            lo = a if lo is None or a < lo else lo
            hi = b if hi is None or b > hi else hi
        assert lo is not None and hi is not None
        return lo, hi

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def local_day_bounds_utc(day: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """[day 00:00, day+1 00:00) in ``zone``, as naive UTC datetimes (how the data stores time)."""
    tz = ZoneInfo(zone)
    utc = ZoneInfo("UTC")
    a = dt.datetime.combine(day, dt.time(), tz).astimezone(utc).replace(tzinfo=None)
    b = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).astimezone(utc).replace(tzinfo=None)
    return a, b


_LAST_N = re.compile(r"^(?:last|past|trailing)\s+(\d{1,4})\s+days?$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|to|/)\s*(\d{4}-\d{2}-\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_period(text: str | None, today: dt.date, *, start: dt.date | None = None, end: dt.date | None = None,
                 default: str = "yesterday") -> Period:
    """Resolve a period phrase (or explicit start/end dates) against ``today``; today has no data yet."""
    yesterday = today - dt.timedelta(days=1)
    if start or end:
        s, e = start or end, end or start
        assert s is not None and e is not None
        if e < s:
            raise ToolInputError(f"The period ends ({e}) before it starts ({s}).")
        return Period(s, e, f"{s.isoformat()}..{e.isoformat()}" if s != e else s.isoformat())
    phrase = (text or default).strip().lower()
    monday = today - dt.timedelta(days=today.weekday())
    if phrase == "yesterday":
        return Period(yesterday, yesterday, "yesterday")
    if phrase == "today":
        return Period(today, today, "today")
    if phrase in {"this week", "week to date"}:
        return Period(monday, today, "this week")
    if phrase == "last week":
        return Period(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1), "last week")
    if phrase in {"this month", "month to date"}:
        return Period(today.replace(day=1), today, "this month")
    if phrase == "last month":
        last = today.replace(day=1) - dt.timedelta(days=1)
        return Period(last.replace(day=1), last, "last month")
    if phrase in {"this year", "year to date"}:
        return Period(today.replace(month=1, day=1), today, "this year")
    if phrase in {"all", "all time", "all data"}:
        return Period(ALL_START, yesterday, "all data")
    if m := _LAST_N.match(phrase):
        n = int(m.group(1))
        if n < 1:
            raise ToolInputError("A period needs at least one day.")
        return Period(yesterday - dt.timedelta(days=n - 1), yesterday, f"last {n} days")
    if m := _RANGE.match(phrase):
        return parse_period(None, today, start=dt.date.fromisoformat(m.group(1)), end=dt.date.fromisoformat(m.group(2)))
    if m := _MONTH.match(phrase):
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise ToolInputError(f"{phrase!r} is not a month.")
        return Period(dt.date(y, mo, 1), min(_month_end(y, mo), today), phrase)
    try:
        day = dt.date.fromisoformat(phrase)
    except ValueError:
        raise ToolInputError(f"I do not understand the period {text!r}. Use one of: {PERIOD_HELP}.") from None
    return Period(day, day, day.isoformat())


# ------------------------------------------------------------------ shops
@dataclass(frozen=True)
class Shop:
    id: int
    shop_no: str
    name: str
    time_zone: str
    currency: str
    test_flag: int
    status: int
    opened: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "shop_no": self.shop_no, "name": self.name, "time_zone": self.time_zone,
                "currency": self.currency, "test_flag": self.test_flag}


_SHOPS_SQL = """SELECT id, shop_no, shop_name, time_zone, currency_code, test_flag, status, set_up_time
FROM luckyus_opshop.t_shop_info ORDER BY id"""


def all_shops(ctx: ToolContext) -> list[Shop]:
    """Every row of t_shop_info, read once per context."""
    cached = ctx.cache.get("shops")
    if cached is None:
        rows = ctx.query(sqlglot.parse_one(_SHOPS_SQL, read="mysql"), row_cap=100_000).rows
        cached = [Shop(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]), int(r[6]),
                       as_date(r[7])) for r in rows]
        ctx.cache["shops"] = cached
    return list(cached)


def shop_index(ctx: ToolContext) -> dict[int, Shop]:
    return {s.id: s for s in all_shops(ctx)}


def test_shop_ids(ctx: ToolContext) -> list[int]:
    return [s.id for s in all_shops(ctx) if s.test_flag == 1]


def resolve_shop(ctx: ToolContext, text: str | None) -> Shop | None:
    """A shop by exact name (any case), id or shop_no; a unique partial name; else ask back."""
    if text is None or not text.strip():
        return None
    want = text.strip()
    shops = all_shops(ctx)
    low = want.lower()
    for s in shops:
        if s.name.lower() == low or s.shop_no.lower() == low or (want.isdigit() and s.id == int(want)):
            return s
    partial = [s for s in shops if low in s.name.lower()]
    trading = [s for s in partial if s.status == 1]  # open stores first: "Broadway" means a store, not a lost site
    partial = trading or partial
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        names = sorted({s.name for s in partial})
        raise ToolInputError(f"{want!r} matches several shops: {', '.join(names)}. Which one?", names)
    from rapidfuzz import fuzz, process

    near = process.extract(want, sorted({s.name for s in shops}), scorer=fuzz.WRatio, limit=3)
    options = [n for n, score, _ in near if score >= 60]
    hint = f" Did you mean {', '.join(repr(o) for o in options)}?" if options else ""
    raise ToolInputError(f"There is no shop called {want!r}.{hint}", options)


@dataclass
class Scope:
    """The shops, currencies and period a reconciliation covers, with the bound SQL parameters."""

    period: Period
    shops: list[Shop]
    currencies: list[str]

    def params(self) -> dict[str, Any]:
        lo, hi = self.period.utc_window({s.time_zone for s in self.shops})
        return {"lo": lo, "hi": hi, "d0": self.period.start, "d1": self.period.end,
                "shops": [s.id for s in self.shops], "cur": self.currencies}


def scope_of(ctx: ToolContext, period: Period, shop: str | None, currency: str = "USD",
             include_test_shops: bool = False) -> Scope:
    """The shops a tool covers: one named shop, or every shop (test shops only when asked or for NZD)."""
    one = resolve_shop(ctx, shop)
    if one is not None:
        shops = [one]
    else:
        shops = [s for s in all_shops(ctx) if include_test_shops or currency == "NZD" or s.test_flag == 0]
        if currency == "NZD":
            shops = [s for s in shops if s.currency == "NZD" or include_test_shops]
    currencies = ["USD", "NZD"] if currency == "all" else [currency]
    return Scope(period, shops, currencies)


# ------------------------------------------------------------------ values
def as_date(v: Any) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def num(v: Any, digits: int = 2) -> float | None:
    """A database number as a float rounded to ``digits`` (Decimal and double agree after this)."""
    if v is None:
        return None
    f = float(v)
    if not math.isfinite(f):
        return None
    return round(f, digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def clean(v: Any) -> Any:
    """A JSON-friendly, engine-independent form of one cell."""
    if isinstance(v, Decimal):
        return num(v, 6)
    if isinstance(v, float):
        return num(v, 6)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def clean_record(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: clean(v) for k, v in rec.items()}


def table(name: str, records: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> TableOut:
    cols = list(columns) if columns is not None else (list(records[0].keys()) if records else [])
    return TableOut(name=name, columns=cols, rows=[[clean(r.get(c)) for c in cols] for r in records])


def cents(v: Any) -> int:
    """Money as integer cents, so sums do not depend on the order rows arrive in (engines differ)."""
    return 0 if v is None else int((Decimal(str(v)) * 100).to_integral_value())


def pct(part: float | None, whole: float | None, digits: int = 2) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, digits)


# ------------------------------------------------------------------ charts (Vega-Lite v5)
_VL = "https://vega.github.io/schema/vega-lite/v5.json"


def chart(mark: str, records: Sequence[Mapping[str, Any]], x: str, y: str, *, title: str,
          color: str | None = None, x_type: str = "nominal", y_type: str = "quantitative",
          sort: str | None = None) -> dict[str, Any]:
    """A one-layer Vega-Lite spec with inline data."""
    enc: dict[str, Any] = {"x": {"field": x, "type": x_type}, "y": {"field": y, "type": y_type}}
    if sort:
        enc["x"]["sort"] = sort
    if color:
        enc["color"] = {"field": color, "type": "nominal"}
    return {"$schema": _VL, "title": title, "mark": {"type": mark, "tooltip": True},
            "data": {"values": [clean_record(r) for r in records]}, "encoding": enc}


# ------------------------------------------------------------------ running
def fetch(ctx: ToolContext, tree: exp.Expr, what: str = "rows") -> list[dict[str, Any]]:
    """All rows of an aggregate query; refuses to return a silently capped result."""
    cap = ctx.executor.settings.row_cap
    res = ctx.query(tree, row_cap=cap)
    if res.truncated:
        raise ToolInputError(f"The analysis produced more than {cap:,} {what}, the row cap. "
                             "Narrow the period or pick one shop.")
    return [dict(zip(res.columns, row, strict=True)) for row in res.rows]


def expr(mysql: str) -> exp.Expr:
    """A constant MySQL expression from a tool's own table (never user text), for ``bind``."""
    return sqlglot.parse_one(mysql, read="mysql")


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # MySQL WEEKDAY(): 0 = Monday
