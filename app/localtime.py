"""UTC -> local time for DuckDB without a time-zone library call per row.

``CONVERT_TZ(ts, 'UTC', 'America/New_York')`` renders for DuckDB as ``ts AT TIME ZONE ...``, which
goes through ICU for every row: about 200 ns a row, the biggest single cost of a "by hour" or "by
day" question over the full order table. Within a bounded range of years the conversion is just
"add this zone's offset", and the offset changes at instants known in advance (the zone's DST
transitions, from ``zoneinfo``). This pass rewrites the node into a CASE over those instants,
with the ICU form kept for timestamps outside the covered years, so the result is identical.

For the shop zones (``MACRO_ZONES``) the CASE lives in a per-connection DuckDB macro,
``lucky_local_america_new_york(ts)``, that every executor connection defines on connect
(``install_macros``): the statement stays short, so neither the guard nor DuckDB's parser handles
the ~2,800-character CASE for every occurrence. Other zones get the CASE inline; zones ``zoneinfo``
does not know keep the exact ``AT TIME ZONE`` path.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlglot import exp

FIRST_YEAR, LAST_YEAR = 2023, 2028  # covered range; anything else takes the exact ICU path
_SLOT = "__lucky_ts__"
_UTC = ZoneInfo("UTC")


Span = tuple[dt.datetime, dt.datetime, int]


@lru_cache(maxsize=32)
def offset_plan(zone: str) -> tuple[dt.datetime, dt.datetime, tuple[Span, ...], int] | None:
    """(covered start, covered end, [(from, to, offset s)] for the less common offsets, the usual offset s),
    all instants naive UTC; None for an unknown zone."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    lo = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=_UTC)
    hi = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=_UTC)

    def off(t: dt.datetime) -> int:
        delta = t.astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    changes: list[tuple[dt.datetime, int]] = [(lo, off(lo))]
    day = lo
    while day < hi:
        nxt = day + dt.timedelta(days=1)
        if off(nxt) != off(day):  # the change happened within this day: find the minute
            t = day
            while off(t) == off(day):
                t += dt.timedelta(minutes=15)
            changes.append((t, off(t)))
        day = nxt
    spans = [(start, changes[i + 1][0] if i + 1 < len(changes) else hi, o) for i, (start, o) in enumerate(changes)]
    usual = Counter(o for _, _, o in spans).most_common(1)[0][0]
    naive = [(a.replace(tzinfo=None), b.replace(tzinfo=None), o) for a, b, o in spans if o != usual]
    naive.sort(key=lambda s: s[0], reverse=True)  # recent first: most rows match early
    return lo.replace(tzinfo=None), hi.replace(tzinfo=None), tuple(naive), usual


def _ts(value: dt.datetime) -> exp.Expr:
    return exp.cast(exp.Literal.string(value.strftime("%Y-%m-%d %H:%M:%S")), exp.DataType.build("TIMESTAMP"))


def _plus(ts: exp.Expr, seconds: int) -> exp.Expr:
    return exp.Add(this=ts.copy(), expression=exp.Interval(this=exp.Literal.string(str(seconds)),
                                                            unit=exp.var("SECOND")))


@lru_cache(maxsize=32)
def _template(zone: str) -> exp.Expr | None:
    """The CASE for ``zone`` over a placeholder column, built once (this pass runs on every statement)."""
    plan = offset_plan(zone)
    if plan is None:
        return None
    lo, hi, spans, usual = plan
    ts = exp.column(_SLOT)
    exact = exp.AtTimeZone(this=exp.AtTimeZone(this=ts.copy(), zone=exp.Literal.string("UTC")),
                           zone=exp.Literal.string(zone))
    case = exp.Case().when(exp.or_(exp.LT(this=ts.copy(), expression=_ts(lo)),
                                   exp.GTE(this=ts.copy(), expression=_ts(hi))), exact, copy=False)
    for start, end, seconds in spans:
        inside = exp.and_(exp.GTE(this=ts.copy(), expression=_ts(start)), exp.LT(this=ts.copy(), expression=_ts(end)))
        case = case.when(inside, _plus(ts, seconds), copy=False)
    return case.else_(_plus(ts, usual), copy=False)


# The shops' zones (``t_shop_info.time_zone`` codes in the catalog, plus the CRM's user zones): each gets a
# DuckDB macro on every executor connection. Any other zone is still converted exactly, inline.
MACRO_ZONES: tuple[str, ...] = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Rarotonga")
MACRO_PREFIX = "lucky_local_"
_TIMESTAMP = exp.DataType.build("TIMESTAMP")


def macro_name(zone: str) -> str | None:
    """``lucky_local_america_new_york`` for a zone in ``MACRO_ZONES`` that ``zoneinfo`` knows, else None."""
    if zone not in MACRO_ZONES or offset_plan(zone) is None:
        return None
    return MACRO_PREFIX + "".join(c if c.isalnum() else "_" for c in zone.lower())


@lru_cache(maxsize=1)
def macro_sql() -> tuple[str, ...]:
    """``CREATE OR REPLACE TEMP MACRO`` for each zone with a macro: the same CASE the inline form renders."""
    out: list[str] = []
    for zone in MACRO_ZONES:
        name, body = macro_name(zone), _rendered_template(zone)
        if name is not None and body is not None:
            out.append(f"CREATE OR REPLACE TEMP MACRO {name}({_SLOT}) AS ({body})")
    return tuple(out)


class _Executes(Protocol):
    def execute(self, sql: str, /) -> Any: ...


def install_macros(con: _Executes) -> None:
    """Define the local-time macros on one DuckDB connection (temporary: they live as long as it does).

    Works on read-only databases; the executor calls it from its connect hook, so every pooled connection
    (and every raw connection taken from the pool) has them.
    """
    for statement in macro_sql():
        con.execute(statement)


def fast_convert_tz(node: exp.Expr, macros: bool = False) -> exp.Expr:
    """A DuckDB tree pass: CONVERT_TZ(ts, 'UTC', zone) -> offset arithmetic (same values).

    ``macros=True`` writes a call of the zone's connection macro (see ``install_macros``) where it has one.
    """
    if not isinstance(node, exp.ConvertTimezone):
        return node
    src, dst = node.args.get("source_tz"), node.args.get("target_tz")
    if not (isinstance(src, exp.Literal) and src.is_string and src.name.upper() in ("UTC", "+00:00")
            and isinstance(dst, exp.Literal) and dst.is_string):
        return node
    name = macro_name(dst.name) if macros else None
    rendered = None if name is not None else _rendered_template(dst.name)
    if name is None and rendered is None:
        return node
    ts = node.args["timestamp"]
    if not (isinstance(ts, exp.Cast) and ts.to.is_type("timestamp")):
        ts = exp.Cast(this=ts.copy(), to=_TIMESTAMP.copy())  # as sqlglot's own rendering does
    if name is not None:
        return exp.Anonymous(this=name, expressions=[ts if ts is not node.args["timestamp"] else ts.copy()])
    assert rendered is not None
    # Rendering the ~2,800-character CASE tree costs milliseconds per statement; its text depends only
    # on the zone, so it is rendered once and the timestamp's own SQL is spliced in (a verbatim node).
    return exp.Var(this="(" + rendered.replace(_SLOT, "(" + ts.sql(dialect="duckdb") + ")") + ")")


@lru_cache(maxsize=32)
def _rendered_template(zone: str) -> str | None:
    template = _template(zone)
    return None if template is None else template.sql(dialect="duckdb")
