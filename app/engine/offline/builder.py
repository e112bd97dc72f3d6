"""Intent -> one SQL statement (a sqlglot tree, MySQL semantics), built from the semantic model.

Every piece comes from ``semantic.yaml``: the fact table and its joins, the default filters, the
metric aggregates and the dimension expressions. This module only assembles them with sqlglot's
builder API: time filters become UTC ranges of local days (index-friendly and the same on every
target), groupings use local time, and a join is added only when some expression uses its alias.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlglot import exp

from app.dataset.schema import TABLES
from app.engine.intent import Condition, Intent, Period
from schema_catalog.semantic import LOCAL, TIME, SemanticModel, Source, fragment

UTC = ZoneInfo("UTC")


class BuildError(ValueError):
    """The intent cannot be expressed on the semantic model (the message is for a person)."""


@dataclass
class OutColumn:
    name: str
    role: str  # dimension | metric | share | growth | label | key
    format: str = "text"
    ref: str = ""  # dimension or metric id


@dataclass
class BuiltQuery:
    tree: exp.Query
    columns: list[OutColumn]
    filters: list[str]
    source: str
    notes: list[str] = field(default_factory=list)


def capped(intent: Intent, today: dt.date, timed: bool) -> Intent:
    """``intent`` with every period ending by ``today`` and, when the source has a time column and the
    question names no period, an "all time" period up to ``today``: the reference day is the last one
    the answer may see, whatever the data holds after it (evaluations, backtests, late-loaded rows)."""
    cmp = intent.compare
    has_periods = cmp is not None and cmp.kind == "periods"
    late = (intent.period is not None and intent.period.end > today) or (
        has_periods and cmp is not None and any(p.end > today for p in cmp.periods))
    if not late and not (timed and intent.period is None and not has_periods):
        return intent
    out = intent.model_copy(deep=True)
    if out.period is not None:
        out.period.end = min(out.period.end, today)
    elif timed and not has_periods:
        out.period = Period(start=None, end=today, label="all time")
    if out.compare is not None and out.compare.kind == "periods":
        for p in out.compare.periods:
            p.end = min(p.end, today)
    return out


# ---------------------------------------------------------------------- small helpers
def _lit(v: object) -> exp.Expr:
    if isinstance(v, bool):
        return exp.Literal.number(int(v))
    if isinstance(v, int | float):
        return exp.Literal.number(v)
    return exp.Literal.string(str(v))


def _table(qualified: str, alias: str) -> exp.Table:
    """db.table AS alias, built without parsing (this runs for every question)."""
    db, name = qualified.split(".")
    return exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(db),
                     alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _and(parts: list[exp.Expr]) -> exp.Expr | None:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return exp.and_(*[exp.paren(p, copy=False) if isinstance(p, exp.Or) else p for p in parts], copy=False)


def _or(parts: list[exp.Expr]) -> exp.Expr:
    return exp.or_(*[exp.paren(p, copy=False) for p in parts], copy=False)


def _ordered(this: exp.Expr, desc: bool = False, nulls_first: bool | None = None) -> exp.Ordered:
    """ORDER BY item with MySQL's own NULL placement, so no NULL-emulation is rendered."""
    return exp.Ordered(this=this, desc=desc, nulls_first=not desc if nulls_first is None else nulls_first)


def _round(e: exp.Expr, digits: int) -> exp.Expr:
    return exp.func("ROUND", e, exp.Literal.number(digits))


class Builder:
    """Assembles statements for one semantic model."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self.tz = ZoneInfo(model.timezone)

    # ------------------------------------------------------------------ expressions
    def local(self, src: Source) -> exp.Expr:
        if src.time is None:
            raise BuildError(f"{src.description} has no time column, so it cannot be split by time.")
        col = fragment(src.time)
        if src.time_kind == "date":
            return col
        return exp.ConvertTimezone(source_tz=exp.Literal.string("UTC"),
                                   target_tz=exp.Literal.string(self.model.timezone), timestamp=col)

    def expr(self, sql: str, src: Source) -> exp.Expr:
        """A fragment with the time placeholders replaced by this source's columns."""
        tree = fragment(sql)
        if LOCAL not in sql and TIME not in sql:
            return tree

        def fill(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column) and not node.table:
                if node.name == LOCAL:
                    return self.local(src)
                if node.name == TIME:
                    return fragment(src.time or "")
            return node

        return tree.transform(fill)

    def utc_bound(self, day: dt.date) -> str:
        local = dt.datetime.combine(day, dt.time(0), tzinfo=self.tz)
        return local.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    def period_cond(self, period: Period, src: Source) -> exp.Expr:
        if src.time is None:
            raise BuildError(f"{src.description} is a current snapshot with no history by date.")
        col = fragment(src.time)
        parts: list[exp.Expr] = []
        if src.time_kind == "date":
            if period.start is not None:
                parts.append(exp.GTE(this=col.copy(), expression=_lit(period.start.isoformat())))
            parts.append(exp.LTE(this=col.copy(), expression=_lit(period.end.isoformat())))
        else:
            if period.start is not None:
                parts.append(exp.GTE(this=col.copy(), expression=_lit(self.utc_bound(period.start))))
            end = period.end + dt.timedelta(days=1)
            parts.append(exp.LT(this=col.copy(), expression=_lit(self.utc_bound(end))))
        out = _and(parts)
        assert out is not None
        return out

    def dim_value(self, did: str, src: Source) -> exp.Expr:
        sql = self.model.dim_value_sql(did, src.id)
        if sql is None:
            raise BuildError(f"{self.model.dimensions[did].label} is not available for {src.description}.")
        return self.expr(sql, src)

    def dim_key(self, did: str, src: Source) -> exp.Expr:
        sql = self.model.dim_key_sql(did, src.id)
        if sql is None:
            raise BuildError(f"{self.model.dimensions[did].label} is not available for {src.description}.")
        return self.expr(sql, src)

    def condition(self, cond: Condition, src: Source) -> exp.Expr:
        out: exp.Expr
        if cond.kind == "dim":
            assert cond.dimension is not None
            col = self.dim_key(cond.dimension, src)
            if len(cond.values) == 1:
                out = exp.EQ(this=col, expression=_lit(cond.values[0]))
            else:
                out = exp.In(this=col, expressions=[_lit(v) for v in cond.values])
        elif cond.kind == "segment":
            assert cond.segment is not None
            sql = self.model.segment_sql(cond.segment, src.id)
            if sql is None:
                raise BuildError(f"'{self.model.segments[cond.segment].label}' does not apply to {src.description}.")
            out = self.expr(sql, src)
        elif cond.kind == "hours":
            assert cond.hours is not None
            hour = exp.func("HOUR", self.local(src))
            lo, hi = cond.hours
            parts: list[exp.Expr] = []
            if lo > 0:
                parts.append(exp.GTE(this=hour, expression=_lit(lo)))
            if hi < 24:
                parts.append(exp.LT(this=hour.copy(), expression=_lit(hi)))
            out = _and(parts) or exp.true()
        elif cond.kind == "amount":
            assert cond.amount is not None
            if src.id != "orders":
                raise BuildError("Order-amount thresholds apply to whole orders only.")
            op, value = cond.amount
            cls = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE}[op]
            out = cls(this=fragment("o.pay_money"), expression=_lit(value))
        else:  # pragma: no cover - the model has no other kinds
            raise BuildError(f"unknown condition {cond.kind}")
        return exp.Not(this=exp.paren(out)) if cond.negate else out

    def metric_expr(self, mid: str, src: Source) -> exp.Expr:
        m = self.model.metrics[mid]
        if src.id not in m.sql:
            raise BuildError(f"{m.label} is not defined for {src.description}.")
        tree = self.expr(m.sql[src.id], src)
        if m.percentile is not None and m.value is not None:
            ordered = _ordered(this=self.expr(m.value, src), nulls_first=True)
            tree = exp.WithinGroup(this=tree, expression=exp.Order(expressions=[ordered]))
        return tree

    # ------------------------------------------------------------------ joins and filters
    def from_and_joins(self, select: exp.Select, src: Source) -> exp.Select:
        used: set[str] = set()
        for col in select.find_all(exp.Column):
            if col.table:
                used.add(col.table)
        order: list[str] = []

        def need(alias: str) -> None:
            if alias in order or alias not in src.joins:
                return
            for dep in src.joins[alias].needs:
                need(dep)
            order.append(alias)

        for alias in src.joins:
            if alias in used:
                need(alias)
        select.set("from_", exp.From(this=_table(src.table, src.alias)))
        for alias in order:
            j = src.joins[alias]
            target: exp.Expr
            if j.table:
                target = _table(j.table, alias)
            else:
                target = exp.Subquery(this=fragment(j.subquery or ""),
                                      alias=exp.TableAlias(this=exp.to_identifier(alias)))
            join = exp.Join(this=target, on=fragment(j.condition))
            join.set("side" if j.kind == "left" else "kind", j.kind.upper())
            select.append("joins", join)
        return select

    def default_filters(self, intent: Intent, src: Source) -> tuple[list[exp.Expr], list[str], set[str]]:
        dropped: set[str] = set()
        extra: list[exp.Expr] = []
        wheres = {self.model.metrics[m].where for m in intent.metrics}
        drops = [set(self.model.metrics[m].drops) for m in intent.metrics]
        if len(wheres) > 1 or any(d != drops[0] for d in drops):
            raise BuildError("Those measures use different filters; ask for them one at a time.")
        if drops:
            dropped |= drops[0]
        where = next(iter(wheres)) if wheres else None
        if where:
            extra.append(self.expr(where, src))
        if intent.include_outliers:
            dropped |= {f.id for f in src.filters if f.id == "no_outliers"}
        dropped |= set(intent.lifted)
        exprs, labels = [], []
        for f in src.filters:
            if f.id in dropped:
                continue
            exprs.append(self.expr(f.sql, src))
            labels.append(f.label)
        return exprs + extra, labels, dropped

    # ------------------------------------------------------------------ statements
    def build(self, intent: Intent, today: dt.date | None = None) -> BuiltQuery:
        """The statement for ``intent``; with ``today``, nothing after the end of that local day is read
        (a question with no period, or one reaching past today, never counts later rows)."""
        if today is not None:
            intent = capped(intent, today, self.model.sources[intent.source].time is not None)
        src = self.model.sources[intent.source]
        if not intent.metrics:
            raise BuildError("No measure to compute.")
        defaults, labels, _ = self.default_filters(intent, src)
        where: list[exp.Expr] = list(defaults)
        if intent.period is not None:
            where.append(self.period_cond(intent.period, src))
        for cond in intent.conditions:
            where.append(self.condition(cond, src))
        notes: list[str] = []
        cols: list[OutColumn] = []
        if intent.share_of is not None:
            return BuiltQuery(self.share_of(intent, src, where, cols), cols, labels, src.id, notes)
        if intent.compare is not None and intent.compare.kind == "periods" and intent.growth:
            return BuiltQuery(self.growth(intent, src, where, cols), cols, labels, src.id, notes)
        if intent.per:
            return BuiltQuery(self.per_period(intent, src, cols, where), cols, labels, src.id, notes)
        select = exp.Select()
        groups: list[exp.Expr] = []
        orders: list[exp.Ordered] = []

        # comparison label (periods or members) comes first
        if intent.compare is not None:
            label_expr, member_where, label_order = self.compare_label(intent, src)
            if not self.complementary(intent):
                where.append(member_where)
            name = "period" if intent.compare.kind == "periods" else self.compare_name(intent)
            select = select.select(label_expr.as_(name), copy=False)
            groups.append(self.group_ref(name, label_expr, src))
            cols.append(OutColumn(name, "label", "text"))
            orders.append(_ordered(this=exp.column(name) if intent.compare.kind == "members" else label_order))

        time_dims = [d for d in intent.group_by if self.model.dimensions[d].time]
        for did in intent.group_by:
            dim = self.model.dimensions[did]
            value = self.dim_value(did, src)
            select = select.select(value.as_(did), copy=False)
            groups.append(self.group_ref(did, value, src))
            cols.append(OutColumn(did, "dimension", "date" if did in ("day", "week") else
                                  "number" if did == "hour" else "text", did))
            one_to_one = len(set(dim.codes.values())) == len(dim.codes)
            if (dim.codes and one_to_one) or (did == "payment_method" and src.id in dim.key):
                key_name = f"{did}_code"
                key_expr = self.dim_key(did, src)
                select = select.select(key_expr.as_(key_name), copy=False)
                groups.append(key_expr.copy())
                cols.append(OutColumn(key_name, "key", "number", did))
            if dim.order:
                orders.append(_ordered(this=self.expr(dim.order, src)))

        metric_exprs = {m: self.metric_expr(m, src) for m in intent.metrics}
        for mid, e in metric_exprs.items():
            select = select.select(e.as_(mid), copy=False)
            cols.append(OutColumn(mid, "metric", self.model.metrics[mid].format, mid))

        if intent.share and intent.group_by:
            mid = intent.metrics[0]
            share = _round(exp.Div(this=exp.Mul(this=exp.Literal.number(100),
                                                expression=_unround(metric_exprs[mid].copy())),
                                   expression=exp.func("NULLIF", exp.Window(this=exp.Sum(
                                       this=_unround(metric_exprs[mid].copy())), over="OVER"),
                                       exp.Literal.number(0))), 1)
            select = select.select(share.as_("share_pct"), copy=False)
            cols.append(OutColumn("share_pct", "share", "percent", mid))

        if intent.growth and time_dims and intent.compare is None:
            mid = intent.metrics[0]
            prev = exp.Window(this=exp.func("LAG", metric_exprs[mid].copy()), over="OVER",
                              order=exp.Order(expressions=[_ordered(this=self.dim_value(time_dims[0], src))]))
            growth = _round(exp.Div(
                this=exp.Mul(this=exp.Literal.number(100),
                             expression=exp.paren(exp.Sub(this=metric_exprs[mid].copy(), expression=prev))),
                expression=exp.func("NULLIF", prev.copy(), exp.Literal.number(0))), 1)
            select = select.select(growth.as_("growth_pct"), copy=False)
            cols.append(OutColumn("growth_pct", "growth", "percent", mid))

        where_all = _and(where)
        if where_all is not None:
            select = select.where(where_all, copy=False)
        if groups:
            select = select.group_by(*groups, copy=False)

        # ordering
        dim_sort = {d: self.group_ref(d, self.dim_value(d, src), src) for d in intent.group_by}
        if intent.order and intent.group_by:
            mid = intent.metrics[0]
            orders = [_ordered(this=exp.column(mid), desc=intent.order == "desc")] + [
                _ordered(this=dim_sort[d].copy()) for d in intent.group_by]
        elif intent.group_by:
            if time_dims and not orders:
                orders = [_ordered(this=dim_sort[d].copy()) for d in intent.group_by]
            elif not time_dims:
                orders = orders + [_ordered(this=exp.column(intent.metrics[0]), desc=True)] + [
                    _ordered(this=dim_sort[d].copy()) for d in intent.group_by]
            else:
                orders = orders + [_ordered(this=dim_sort[d].copy()) for d in intent.group_by if d not in time_dims]
        if intent.top_per and intent.top_per in intent.group_by and intent.order:
            select = self.from_and_joins(select, src)
            return BuiltQuery(self.top_per(select, intent, src, metric_exprs, cols), cols, labels, src.id, notes)
        if orders:
            select = select.order_by(*orders, copy=False)
        if intent.limit:
            select = select.limit(intent.limit, copy=False)

        select = self.from_and_joins(select, src)
        tree: exp.Query = select
        if any(self.model.metrics[m].percentile is not None for m in intent.metrics):
            tree = self.windowed(select, intent, cols)
        return BuiltQuery(tree, cols, labels, src.id, notes)

    def group_ref(self, name: str, value: exp.Expr, src: Source) -> exp.Expr:
        """The alias when it names no column of the tables in play, else the expression itself: MySQL and
        DuckDB resolve GROUP BY 'channel' to the column o.channel, not to the CASE labelled channel."""
        return value.copy() if name in self._columns(src) else exp.column(name)

    def _columns(self, src: Source) -> set[str]:
        cols: set[str] = set(TABLES[src.table].column_names)
        for j in src.joins.values():
            if j.table:
                cols |= set(TABLES[j.table].column_names)
        return cols

    def complementary(self, intent: Intent) -> bool:
        """Members that together cover every row (weekday + weekend): no WHERE needed to restrict to them."""
        if intent.compare is None or intent.compare.kind != "members":
            return False
        segs = {m.segment for m in intent.compare.members if m.kind == "segment" and not m.negate}
        return segs in ({"weekday", "weekend"}, {"drink", "food"}) and len(intent.compare.members) == 2

    # ------------------------------------------------------------------ comparison helpers
    def compare_name(self, intent: Intent) -> str:
        assert intent.compare is not None
        first = intent.compare.members[0]
        if first.kind == "dim" and first.dimension:
            return first.dimension
        if first.kind == "segment" and first.segment in ("weekday", "weekend"):
            return "day_type"
        if first.kind == "hours":
            return "time_of_day"
        return "segment"

    def compare_label(self, intent: Intent, src: Source) -> tuple[exp.Expr, exp.Expr, exp.Expr]:
        """(label CASE, WHERE restricting to the members, sort expression)."""
        assert intent.compare is not None
        cmp = intent.compare
        case = exp.Case()
        conds: list[exp.Expr] = []
        order = exp.Case()
        if cmp.kind == "periods":
            for i, p in enumerate(cmp.periods):
                c = self.period_cond(p, src)
                conds.append(c)
                case = case.when(c.copy(), _lit(p.label), copy=False)
                order = order.when(c.copy(), exp.Literal.number(i), copy=False)
        elif self.complementary(intent):
            first, second = cmp.members
            c = self.condition(second, src)
            pair = exp.Case(ifs=[exp.If(this=c, true=_lit(second.labels[0] if second.labels else second.describe()))],
                            default=_lit(first.labels[0] if first.labels else first.describe()))
            return pair, exp.true(), exp.func("MIN", exp.Literal.number(0))
        else:
            for i, m in enumerate(cmp.members):
                c = self.condition(m, src)
                conds.append(c)
                label = m.labels[0] if m.labels else m.describe()
                case = case.when(c.copy(), _lit(label), copy=False)
                order = order.when(c.copy(), exp.Literal.number(i), copy=False)
        return case, _or(conds) if len(conds) > 1 else conds[0], exp.func("MIN", order)

    # ------------------------------------------------------------------ shapes
    def windowed(self, select: exp.Select, intent: Intent, cols: list[OutColumn]) -> exp.Query:
        """Percentiles exist in MySQL/MariaDB only as window functions: every metric becomes a window
        over the groups, and DISTINCT collapses the rows (the same on DuckDB)."""
        group = select.args.get("group")
        partition = [g.copy() for g in group.expressions] if group else []
        dims = {c.name: None for c in cols if c.role in ("dimension", "key", "label")}
        inner = select.copy()
        inner.set("group", None)
        inner.set("order", None)
        inner.set("limit", None)
        new_exprs = []
        for proj in inner.expressions:
            name = proj.alias_or_name
            body = proj.this if isinstance(proj, exp.Alias) else proj
            if name in dims:
                new_exprs.append(proj)
                continue

            def windowize(node: exp.Expr) -> exp.Expr:
                if isinstance(node, exp.AggFunc | exp.WithinGroup) and not isinstance(node.parent, exp.WithinGroup):
                    return exp.Window(this=node.copy(), partition_by=[p.copy() for p in partition], over="OVER")
                return node

            if isinstance(body, exp.WithinGroup):
                body = exp.Window(this=body.copy(), partition_by=[p.copy() for p in partition], over="OVER")
            else:
                body = body.transform(windowize)
            if self.model.metrics.get(name) and self.model.metrics[name].percentile is not None:
                body = _round_exact(body, 1)
            new_exprs.append(body.as_(name))
        # group-by aliases are not visible in window partitions: use the value expressions
        alias_map = {p.alias: p.this for p in inner.expressions if isinstance(p, exp.Alias) and p.alias in dims}

        def unalias(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column) and not node.table and node.name in alias_map:
                return alias_map[node.name].copy()
            return node

        inner.set("expressions", [e.transform(unalias) if e.alias_or_name not in dims else e for e in new_exprs])
        inner = inner.distinct(copy=False)
        outer = exp.select(*[exp.column(c.name) for c in cols]).from_(
            exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("q"))), copy=False)
        if select.args.get("order"):
            by_sql = {p.this.sql(): p.alias for p in select.expressions if isinstance(p, exp.Alias)}
            names = {x.name for x in cols}
            orders = []
            for o in select.args["order"].expressions:
                key = o.this.sql()
                if key in by_sql:
                    orders.append(_ordered(this=exp.column(by_sql[key]), desc=bool(o.args.get("desc"))))
                elif isinstance(o.this, exp.Column) and o.this.name in names:
                    orders.append(o.copy())
            if orders:
                outer = outer.order_by(*orders, copy=False)
        if select.args.get("limit"):
            outer.set("limit", select.args["limit"].copy())
        return outer

    def top_per(self, select: exp.Select, intent: Intent, src: Source, metric_exprs: dict[str, exp.Expr],
                cols: list[OutColumn]) -> exp.Query:
        """'the best selling product in each store': rank inside each group with ROW_NUMBER, keep the top N."""
        assert intent.top_per is not None
        part = self.dim_value(intent.top_per, src)
        others = [self.dim_value(d, src) for d in intent.group_by if d != intent.top_per]
        mid = intent.metrics[0]
        window = exp.Window(
            this=exp.RowNumber(), partition_by=[part], over="OVER",
            order=exp.Order(expressions=[_ordered(this=metric_exprs[mid].copy(), desc=intent.order == "desc")]
                            + [_ordered(this=o) for o in others]))
        select = select.select(window.as_("rank_in_group"), copy=False)
        cols.append(OutColumn("rank_in_group", "key", "integer"))
        outer = exp.select(*[exp.column(c.name) for c in cols]).from_(
            exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier("ranked"))), copy=False)
        outer = outer.where(exp.LTE(this=exp.column("rank_in_group"), expression=_lit(intent.limit or 1)), copy=False)
        return outer.order_by(_ordered(this=exp.column(intent.top_per)), _ordered(this=exp.column("rank_in_group")),
                              copy=False)

    def per_period(self, intent: Intent, src: Source, cols: list[OutColumn],
                   where: list[exp.Expr]) -> exp.Query:
        """'average daily revenue', 'orders per day, weekdays vs weekends': the metric per day (or per
        customer, ...) in a subquery, averaged outside, one row per group or compared member."""
        assert intent.per is not None
        grain = intent.per
        inner = exp.Select()
        outer_cols: list[str] = []
        cols.clear()
        where = list(where)
        if intent.compare is not None:
            label_expr, member_where, _ = self.compare_label(intent, src)
            if not self.complementary(intent):
                where.append(member_where)
            name = "period" if intent.compare.kind == "periods" else self.compare_name(intent)
            inner = inner.select(label_expr.as_(name), copy=False)
            outer_cols.append(name)
            cols.append(OutColumn(name, "label", "text"))
        inner_groups = [label_expr.copy()] if intent.compare is not None else []
        for did in intent.group_by:
            value = self.dim_value(did, src)
            inner = inner.select(value.as_(did), copy=False)
            inner_groups.append(value.copy())
            outer_cols.append(did)
            cols.append(OutColumn(did, "dimension", "text", did))
        per_value = self.dim_value(grain, src)
        inner = inner.select(per_value.as_("per_" + grain), copy=False)
        for mid in intent.metrics:
            inner = inner.select(self.metric_expr(mid, src).as_(mid), copy=False)
        cond = _and(where)
        if cond is not None:
            inner = inner.where(cond, copy=False)
        inner = inner.group_by(*inner_groups, per_value.copy(), copy=False)
        inner = self.from_and_joins(inner, src)
        outer = exp.select(*[exp.column(d) for d in outer_cols])
        for mid in intent.metrics:
            outer = outer.select(_round(exp.Avg(this=exp.column(mid)), 2).as_(mid), copy=False)
            cols.append(OutColumn(mid, "metric", self.model.metrics[mid].format, mid))
        outer = outer.from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("per_period"))),
                            copy=False)
        if outer_cols:
            outer = outer.group_by(*[exp.column(d) for d in outer_cols], copy=False)
            outer = outer.order_by(_ordered(this=exp.column(intent.metrics[0]), desc=intent.order != "asc"),
                                   *[_ordered(this=exp.column(d)) for d in outer_cols], copy=False)
            if intent.limit:
                outer = outer.limit(intent.limit, copy=False)
        return outer

    def growth(self, intent: Intent, src: Source, where: list[exp.Expr], cols: list[OutColumn]) -> exp.Query:
        """'revenue growth from December to January': one row with both figures and the % change,
        the later period over the earlier one."""
        assert intent.compare is not None
        periods = sorted(intent.compare.periods, key=lambda p: p.start or dt.date.min)
        earlier, later = periods[0], periods[-1]
        c_prev, c_cur = self.period_cond(earlier, src), self.period_cond(later, src)
        select = exp.Select()
        cols.clear()
        growth_groups = []
        for did in intent.group_by:
            value = self.dim_value(did, src)
            select = select.select(value.as_(did), copy=False)
            growth_groups.append(value.copy())
            cols.append(OutColumn(did, "dimension", "text", did))
        for i, mid in enumerate(intent.metrics):
            base = self.metric_expr(mid, src)
            cur = _conditional(base, c_cur)
            prev = _conditional(base, c_prev)
            fmt = self.model.metrics[mid].format
            if i == 0:
                pct = _round(exp.Div(
                    this=exp.Mul(this=exp.Literal.number(100),
                                 expression=exp.paren(exp.Sub(this=_unround(cur.copy()),
                                                              expression=_unround(prev.copy())))),
                    expression=exp.func("NULLIF", _unround(prev.copy()), exp.Literal.number(0))), 1)
                select = select.select(pct.as_("growth_pct"), copy=False)
                cols.append(OutColumn("growth_pct", "growth", "percent", mid))
            select = select.select(cur.as_(mid), prev.as_(f"{mid}_previous"), copy=False)
            cols += [OutColumn(mid, "metric", fmt, mid), OutColumn(f"{mid}_previous", "metric", fmt, mid)]
        cond = _and([*where, _or([c_prev, c_cur])])
        if cond is not None:
            select = select.where(cond, copy=False)
        if intent.group_by:
            select = select.group_by(*growth_groups, copy=False)
            select = select.order_by(_ordered(this=exp.column("growth_pct"), desc=intent.order != "asc"),
                                     *[_ordered(this=exp.column(d)) for d in intent.group_by], copy=False)
        return self.from_and_joins(select, src)

    def share_of(self, intent: Intent, src: Source, where: list[exp.Expr],
                 cols: list[OutColumn]) -> exp.Query:
        """'what % of orders were delivery': part / whole with the part as a conditional aggregate."""
        assert intent.share_of is not None
        mid = intent.metrics[0]
        whole = self.metric_expr(mid, src)
        part = _conditional(whole, self.condition(intent.share_of, src))
        share = _round(exp.Div(this=exp.Mul(this=exp.Literal.number(100), expression=_unround(part.copy())),
                               expression=exp.func("NULLIF", _unround(whole.copy()), exp.Literal.number(0))), 1)
        select = exp.select(share.as_("share_pct"), part.as_(f"{mid}_part"), whole.as_(f"{mid}_total"))
        c = _and(where)
        if c is not None:
            select = select.where(c, copy=False)
        select = self.from_and_joins(select, src)
        fmt = self.model.metrics[mid].format
        cols[:] = [OutColumn("share_pct", "share", "percent", mid), OutColumn(f"{mid}_part", "metric", fmt, mid),
                   OutColumn(f"{mid}_total", "metric", fmt, mid)]
        return select


def _round_exact(e: exp.Expr, digits: int) -> exp.Expr:
    """ROUND of a floating-point figure as if it had been computed in decimals: through DECIMAL(18, 6) first.

    PERCENTILE_CONT interpolates in doubles, so an exact half such as 355.15 s arrives as 355.14999... and
    ROUND(x, 1) gives 355.1. The interpolation of whole seconds has at most a few decimals, so casting to six
    recovers the exact value, and ROUND of a DECIMAL rounds halves away from zero on MySQL, MariaDB and DuckDB
    alike (the gold SQL's exact decimal arithmetic)."""
    return _round(exp.Cast(this=e, to=exp.DataType.build("DECIMAL(18, 6)")), digits)


def _unround(e: exp.Expr) -> exp.Expr:
    """The aggregate under an outer ROUND, so derived figures are computed before rounding."""
    while isinstance(e, exp.Round):
        e = e.this
    return e


def _conditional(metric: exp.Expr, cond: exp.Expr) -> exp.Expr:
    """The metric restricted to rows where ``cond`` holds: each aggregate's argument wrapped in a CASE
    (COUNT(*) -> COUNT(CASE WHEN cond THEN 1 END)), so several slices come out of one scan."""

    def wrap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Count) and isinstance(node.this, exp.Star):
            return exp.Count(this=exp.Case(ifs=[exp.If(this=cond.copy(), true=exp.Literal.number(1))]))
        if isinstance(node, exp.AggFunc) and node.this is not None:
            inner = node.this
            distinct = isinstance(inner, exp.Distinct)
            arg = inner.expressions[0] if distinct else inner
            case = exp.Case(ifs=[exp.If(this=cond.copy(), true=arg.copy())])
            new = node.copy()
            new.set("this", exp.Distinct(expressions=[case]) if distinct else case)
            return new
        return node

    return metric.copy().transform(wrap)
