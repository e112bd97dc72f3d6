"""MySQL-dialect SQL rendered for each target, with the fixes sqlglot's transpiler lacks.

sqlglot's MySQL → DuckDB output is wrong for ``DAYOFWEEK`` (DuckDB counts from 0),
``WEEK`` (ISO weeks, not MySQL's default mode 0),
``WEEKDAY`` (DuckDB's counts from Sunday), ``TIMESTAMPDIFF`` (DuckDB counts unit
boundaries crossed, MySQL counts whole elapsed units) and leaves ``UNIX_TIMESTAMP`` untranslated.
Each fix is a tree-to-tree pass applied before rendering; ``tests/test_dialect.py`` and
``tests/test_differential.py`` compare the result with MariaDB.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from app.localtime import fast_convert_tz

Dialect = str  # "mysql" | "duckdb" | any sqlglot dialect name

_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400, "WEEK": 604800}


def parse_mysql(sql: str) -> exp.Expr:
    """Parse one MySQL statement (raises ``sqlglot.errors.ParseError`` on bad input)."""
    return sqlglot.parse_one(sql, read="mysql")


def _epoch(e: exp.Expr) -> exp.Expr:
    return exp.func("epoch", exp.cast(e.copy(), exp.DataType.build("TIMESTAMP")))


def _dayofweek(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.DayOfWeek):
        return exp.Add(this=exp.Paren(this=node.copy()), expression=exp.Literal.number(1))
    return node


def _weekday(node: exp.Expr) -> exp.Expr:
    # MySQL WEEKDAY: Monday = 0 .. Sunday = 6; DuckDB's weekday() is Sunday = 0.
    if isinstance(node, exp.Anonymous) and node.name.upper() == "WEEKDAY" and len(node.expressions) == 1:
        d = exp.cast(node.expressions[0].copy(), exp.DataType.build("DATE"))
        return exp.Paren(this=exp.Sub(this=exp.func("isodow", d), expression=exp.Literal.number(1)))
    return node


def _week(node: exp.Expr) -> exp.Expr:
    # MySQL WEEK(d) / WEEK(d, 0): weeks start on Sunday; days before the year's first Sunday are week 0.
    if isinstance(node, exp.Week) and (node.args.get("mode") is None or node.args["mode"].name == "0"):
        d = exp.cast(node.this.copy(), exp.DataType.build("DATE"))
        doy = exp.func("dayofyear", d)
        dow = exp.func("dayofweek", d.copy())
        inner = exp.Paren(this=exp.Add(this=exp.Sub(this=doy, expression=dow), expression=exp.Literal.number(6)))
        return exp.cast(exp.func("floor", exp.Div(this=inner, expression=exp.Literal.number(7))),
                        exp.DataType.build("BIGINT"))
    return node


def _timestampdiff(node: exp.Expr) -> exp.Expr:
    if not isinstance(node, exp.TimestampDiff | exp.DateDiff):
        return node
    unit_node = node.args.get("unit")
    unit = (unit_node.name if unit_node is not None else "DAY").upper()
    if isinstance(node, exp.DateDiff) and node.args.get("unit") is None:
        return node  # DATEDIFF(a, b): whole days between dates, same in both
    start, end = node.expression, node.this
    if unit in _SECONDS:
        diff = exp.Paren(this=exp.Sub(this=_epoch(end), expression=_epoch(start)))
        return exp.cast(exp.func("trunc", exp.Div(this=diff, expression=exp.Literal.number(_SECONDS[unit]))),
                        exp.DataType.build("BIGINT"))
    if unit in {"MONTH", "QUARTER", "YEAR"}:
        months = exp.Anonymous(this="__lucky_months_between", expressions=[start.copy(), end.copy()])
        per = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}[unit]
        return exp.cast(exp.func("trunc", exp.Div(this=months, expression=exp.Literal.number(per))),
                        exp.DataType.build("BIGINT"))
    return node


def _unix_timestamp(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.StrToUnix | exp.TimeToUnix) or (
        isinstance(node, exp.Anonymous) and node.name.upper() == "UNIX_TIMESTAMP"
    ):
        args = node.expressions if isinstance(node, exp.Anonymous) else [node.this] if node.this else []
        if not args:
            return exp.cast(exp.func("epoch", exp.CurrentTimestamp()), exp.DataType.build("BIGINT"))
        return exp.cast(exp.func("floor", _epoch(args[0])), exp.DataType.build("BIGINT"))
    return node


_MONTHS_BETWEEN = (
    "(((year(CAST({e} AS TIMESTAMP)) - year(CAST({s} AS TIMESTAMP))) * 12"
    " + month(CAST({e} AS TIMESTAMP)) - month(CAST({s} AS TIMESTAMP)))"
    " - CASE WHEN CAST({e} AS TIMESTAMP) >= CAST({s} AS TIMESTAMP)"
    " AND strftime(CAST({e} AS TIMESTAMP), '%d%H%M%S') < strftime(CAST({s} AS TIMESTAMP), '%d%H%M%S') THEN 1"
    " WHEN CAST({e} AS TIMESTAMP) < CAST({s} AS TIMESTAMP)"
    " AND strftime(CAST({e} AS TIMESTAMP), '%d%H%M%S') > strftime(CAST({s} AS TIMESTAMP), '%d%H%M%S') THEN -1"
    " ELSE 0 END)"
)


def _expand_months(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Anonymous) and node.name == "__lucky_months_between":
        s, e = (a.sql("duckdb") for a in node.expressions)
        return sqlglot.parse_one(_MONTHS_BETWEEN.format(s=s, e=e), read="duckdb")
    return node


_FIXES = (_dayofweek, _weekday, _week, _timestampdiff, _unix_timestamp, _expand_months,
          fast_convert_tz)  # last: the others may wrap CONVERT_TZ nodes
_TZ = len(_FIXES) - 1
_TIMESTAMPDIFF, _EXPAND = _FIXES.index(_timestampdiff), _FIXES.index(_expand_months)
# What each fix (same order as _FIXES) can act on, so one walk of the tree finds which passes have work
# (each pass is a whole-tree walk, and running all seven took most of the guard's DuckDB rendering time).
_FIX_TYPES: tuple[tuple[type[exp.Expr], ...], ...] = (
    (exp.DayOfWeek,), (exp.Anonymous,), (exp.Week,), (exp.TimestampDiff, exp.DateDiff),
    (exp.StrToUnix, exp.TimeToUnix, exp.Anonymous), (exp.Anonymous,), (exp.ConvertTimezone,))
_ANONYMOUS = {"WEEKDAY": _FIXES.index(_weekday), "UNIX_TIMESTAMP": _FIXES.index(_unix_timestamp),
              "__LUCKY_MONTHS_BETWEEN": _EXPAND}  # an unparsed function's name -> the fix it needs
_by_type: dict[type, frozenset[int]] = {}


def _fixes_for(kind: type) -> frozenset[int]:
    hit = _by_type.get(kind)
    if hit is None:
        hit = _by_type[kind] = frozenset(i for i, types in enumerate(_FIX_TYPES) if issubclass(kind, types))
    return hit


def _plan(tree: exp.Expr) -> tuple[set[int], list[exp.Expr]]:
    """One walk: the fixes with work to do, in ``_FIXES`` order, and the CONVERT_TZ nodes (breadth first)."""
    needed: set[int] = set()
    zones: list[exp.Expr] = []
    for node in tree.walk():
        hit = _fixes_for(type(node))
        if not hit:
            continue
        if isinstance(node, exp.Anonymous):
            fix = _ANONYMOUS.get(node.name.upper())
            if fix is not None:
                needed.add(fix)
            continue
        needed |= hit
        if _TZ in hit:
            zones.append(node)
    if _TIMESTAMPDIFF in needed:
        needed.add(_EXPAND)  # it writes the months-between placeholder that _expand_months expands
    return needed, zones


def _apply(tree: exp.Expr, needed: set[int], zones: list[exp.Expr] | None, macros: bool) -> exp.Expr:
    """Run the needed passes in order on ``tree`` (in place). Same result as running every pass."""
    if needed == {_TZ} and zones is not None:
        # Only CONVERT_TZ: replace the nodes found by the planning walk instead of walking again. As in
        # ``transform``, a node inside one already replaced is left to its ancestor's rendering.
        done: set[int] = set()
        for node in zones:  # breadth first: ancestors come before what they contain
            up = node.parent
            while up is not None and id(up) not in done:
                up = up.parent
            if up is not None:
                continue
            new = fast_convert_tz(node, macros)
            if new is not node:
                done.add(id(node))
                if node is tree:
                    return new
                node.replace(new)
        return tree
    for i, fix in enumerate(_FIXES):
        if i in needed:
            tree = tree.transform(fix, macros, copy=False) if i == _TZ else tree.transform(fix, copy=False)
    return tree


def for_duckdb(tree: exp.Expr, *, macros: bool = False) -> exp.Expr:
    """Rewrite MySQL semantics that DuckDB spells differently (returns a new tree)."""
    out = tree.copy()
    needed, _ = _plan(out)
    return _apply(out, needed, None, macros) if needed else out


def render(tree: exp.Expr, target: Dialect, *, copy: bool = True, macros: bool = False) -> str:
    """Render a MySQL-semantics tree as SQL text for ``target``.

    ``copy=False`` lets the generator rewrite ``tree`` in place (for callers that own it, like the guard,
    whose budget is 2 ms per statement). One walk finds which DuckDB fixes apply; most trees need only
    the CONVERT_TZ one, or none. ``macros=True`` (the executor's connections) calls the per-connection
    local-time macros of ``app.localtime.install_macros`` instead of writing their CASE inline.
    """
    if target == "duckdb":
        needed, zones = _plan(tree)
        if needed:
            if copy:  # the planning walk's nodes belong to the caller's tree, not to the copy
                tree, copy = tree.copy(), False
                tree = _apply(tree, needed, None, macros)
            else:
                tree = _apply(tree, needed, zones, macros)
        return tree.sql(dialect="duckdb", copy=copy)
    return tree.sql(dialect=target, copy=copy)


def to_target(sql: str | exp.Expr, target: Dialect) -> str:
    tree = parse_mysql(sql) if isinstance(sql, str) else sql
    return render(tree, target)
