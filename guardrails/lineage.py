"""Where each value comes from: one pass over the scopes, resolving every column to catalog columns.

sqlglot's ``qualify`` + ``lineage`` per output column costs several milliseconds per query; the
guard's budget is 2 ms. So this module resolves columns against each scope's sources itself
(catalog tables, CTEs, derived tables, UNION branches, outer scopes for correlated subqueries,
select-list aliases, ``*`` and ``t.*``), memoising each scope's output columns. For every value it
computes the set of *personal* catalog columns whose content flows into it:

- ``COUNT(col)`` / ``COUNT(DISTINCT col)`` / ``col IS [NOT] NULL`` reveal nothing about the value, nor
  does a count of a CASE / IF / COALESCE whose branches are such columns (its conditions still carry);
- everything else (functions, CASE, arithmetic, MIN/MAX, GROUP_CONCAT, subqueries) carries it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, ScopeType

from guardrails.codes import Code
from guardrails.policy import CatalogPolicy, TablePolicy, suggest
from guardrails.verdict import RuleHit


class Source(NamedTuple):
    """One catalog column: ``db.table``, column name, PII class (None if not personal)."""

    table: str
    column: str
    pii: str | None


Pii = frozenset[Source]
NONE: Pii = frozenset()


class Out(NamedTuple):
    """One output column: its name, the personal columns that flow into it, and whether it is a plain copy
    of a catalog column (then a partial mask such as the phone's last four digits is safe; a derived value,
    e.g. ``SUBSTR(phone, 1, 4)``, is redacted whole)."""

    name: str
    pii: Pii
    direct: bool = False


@dataclass
class Analysis:
    """Lineage over a tree's scopes (built once by ``check``; memoised per scope)."""

    root: Scope
    scopes: list[Scope]
    policy: CatalogPolicy
    table_of: dict[int, TablePolicy]  # id(exp.Table) -> catalog table (real tables only)
    read: str = "mysql"
    hits: list[RuleHit] = field(default_factory=list)
    columns_read: set[tuple[str, str]] = field(default_factory=set)
    to_literal: list[exp.Column] = field(default_factory=list)  # SQLite "strings" written as identifiers
    _outputs: dict[int, list[Out]] = field(default_factory=dict)
    _by_query: dict[int, Scope] = field(default_factory=dict)
    _sources: dict[int, dict[str, tuple[exp.Expr, exp.Table | Scope]]] = field(default_factory=dict)
    _aliases: dict[int, dict[str, list[exp.Alias]]] = field(default_factory=dict)
    _busy: set[int] = field(default_factory=set)
    _table_outs: dict[int, list[Out]] = field(default_factory=dict)
    _direct: dict[int, bool] = field(default_factory=dict)  # id(Column) -> resolved to one plain copy
    _reported: set[str] = field(default_factory=set)
    _values: dict[int, Pii] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for s in self.scopes:
            self._by_query[id(s.expression)] = s

    # ------------------------------------------------------------------ sources
    def sources(self, scope: Scope) -> dict[str, tuple[exp.Expr, exp.Table | Scope]]:
        """Selected sources by lower-case alias."""
        key = id(scope)
        got = self._sources.get(key)
        if got is None:
            got = {name.lower(): pair for name, pair in scope.selected_sources.items()}
            self._sources[key] = got
        return got

    def table_outs(self, tp: TablePolicy) -> list[Out]:
        got = self._table_outs.get(id(tp))
        if got is None:
            got = []
            for c in tp.columns:
                cls = tp.pii.get(c.lower())
                got.append(Out(c, frozenset({Source(tp.qualified, c, cls)}) if cls else NONE, True))
            self._table_outs[id(tp)] = got
        return got

    def source_outs(self, node: exp.Expr, src: exp.Table | Scope) -> list[Out]:
        if isinstance(src, Scope):
            return self.outputs(src)
        tp = self.table_of.get(id(node)) or self.table_of.get(id(src))
        if tp is None:
            alias = node.args.get("alias")
            cols = alias.columns if isinstance(alias, exp.TableAlias) else []
            return [Out(c.name, NONE) for c in cols]
        return self.table_outs(tp)

    def _read_all(self, node: exp.Expr, src: exp.Table | Scope) -> None:
        tp = None if isinstance(src, Scope) else (self.table_of.get(id(node)) or self.table_of.get(id(src)))
        if tp is not None:
            self.columns_read.update((tp.qualified, c) for c in tp.columns)

    # ------------------------------------------------------------------ outputs
    def outputs(self, scope: Scope) -> list[Out]:
        """The scope's output columns, in order, with ``*`` expanded."""
        key = id(scope)
        got = self._outputs.get(key)
        if got is not None:
            return got
        if key in self._busy:  # recursive CTE referring to itself: its base case decides
            return []
        self._busy.add(key)
        try:
            got = self._compute_outputs(scope)
        finally:
            self._busy.discard(key)
        outer = scope.outer_columns
        if outer:
            got = [Out(outer[i], o.pii, o.direct) if i < len(outer) else o for i, o in enumerate(got)]
        self._outputs[key] = got
        return got

    def _compute_outputs(self, scope: Scope) -> list[Out]:
        expr = scope.expression
        if isinstance(expr, exp.SetOperation):
            if len(scope.set_operation_scopes) != 2:
                return []
            left, right = (self.outputs(s) for s in scope.set_operation_scopes)
            width = max(len(left), len(right))
            merged: list[Out] = []
            for i in range(width):
                lo = left[i] if i < len(left) else None
                ro = right[i] if i < len(right) else None
                name = lo.name if lo else ro.name if ro else f"_{i}"
                direct = bool(lo and lo.direct and (ro is None or ro.direct))
                merged.append(Out(name, (lo.pii if lo else NONE) | (ro.pii if ro else NONE), direct))
            return merged
        if isinstance(expr, exp.Subquery):
            inner = self._by_query.get(id(expr.unnest()))
            return self.outputs(inner) if inner else []
        if not isinstance(expr, exp.Select):
            return self._udtf_outputs(scope)
        out: list[Out] = []
        for proj in expr.expressions:
            if isinstance(proj, exp.Star):
                out.extend(self._star(scope, expr))
            elif isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star):
                pair = self.sources(scope).get(proj.table.lower())
                if pair is None:
                    self._unknown_source(proj, scope)
                    continue
                self._read_all(*pair)
                out.extend(self.source_outs(*pair))
            else:
                value = proj.this if isinstance(proj, exp.Alias) else proj
                pii = self.value(value, scope)
                direct = bool(pii) and isinstance(value, exp.Column) and self._direct.get(id(value), False)
                out.append(Out(proj.alias_or_name or proj.sql(self.read), pii, direct))
        return out

    def _udtf_outputs(self, scope: Scope) -> list[Out]:
        """LATERAL subqueries, UNNEST, VALUES and other row sources: every column carries what the
        arguments carry (conservatively, as a derived value)."""
        expr = scope.expression
        if isinstance(expr, exp.Lateral) and isinstance(expr.this, exp.Subquery | exp.Query):
            inner = self._by_query.get(id(expr.this.unnest())) or self._by_query.get(id(expr.this))
            return self.outputs(inner) if inner else []
        parent = scope.parent or scope
        pii = self.value(expr, parent) if parent is not scope else NONE
        if isinstance(expr, exp.Values):
            first = expr.expressions[0] if expr.expressions else None
            width = len(first.expressions) if isinstance(first, exp.Tuple) else 1
        else:
            width = max(1, len(expr.expressions))
        names = list(scope.outer_columns) or [f"col{i}" if width > 1 else "unnest" for i in range(width)]
        return [Out(n, pii, False) for n in names]

    def _star(self, scope: Scope, select: exp.Select) -> list[Out]:
        """``*``: every source's columns; columns joined with USING come first, once (as SQL defines)."""
        using: list[str] = []
        for join in select.args.get("joins") or []:
            using.extend(i.name.lower() for i in join.args.get("using") or [] if i.name.lower() not in using)
        outs: list[Out] = []
        merged: dict[str, Out] = {}
        for node, src in self.sources(scope).values():
            self._read_all(node, src)
            for o in self.source_outs(node, src):
                key = o.name.lower()
                if key in using:
                    prev = merged.get(key)
                    merged[key] = o if prev is None else Out(prev.name, prev.pii | o.pii, prev.direct and o.direct)
                else:
                    outs.append(o)
        return [merged[u] for u in using if u in merged] + outs

    # ------------------------------------------------------------------ values
    def scope_of(self, node: exp.Expr) -> Scope | None:
        """The scope of the SELECT that directly contains ``node``."""
        select = node.find_ancestor(exp.Select)
        return self._by_query.get(id(select)) if select is not None else None

    def resolve_all(self) -> None:
        """Resolve every column of every clause once (unknown columns are found whoever asks)."""
        for scope in self.scopes:
            self.outputs(scope)
            expr = scope.expression
            if not isinstance(expr, exp.Select):
                continue
            for key in ("where", "having", "qualify", "group", "order"):
                clause = expr.args.get(key)
                if clause is not None:
                    self.value(clause, scope)
            for join in expr.args.get("joins") or []:
                on = join.args.get("on")
                if on is not None:
                    self.value(on, scope)

    def value(self, node: exp.Expr, scope: Scope) -> Pii:
        """The personal columns whose content flows into ``node``'s value (memoised per node)."""
        key = id(node)
        got = self._values.get(key)
        if got is None:
            got = self._value(node, scope)
            self._values[key] = got
        return got

    def _value(self, node: exp.Expr, scope: Scope) -> Pii:
        if isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                return NONE
            return self.resolve(node, scope)
        if isinstance(node, exp.Literal | exp.Identifier | exp.Star | exp.Null | exp.Boolean | exp.DataType
                      | exp.Var):
            return NONE
        if isinstance(node, exp.Count):
            arg = node.this
            distinct = isinstance(arg, exp.Distinct)
            inner = arg.expressions if distinct else [arg] if arg is not None else []
            counted = [self._counted(a, scope, distinct) for a in inner]
            if all(c is not None for c in counted):
                return self._union(c for c in counted if c is not None)
        elif isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            self.value(node.this, scope)
            return NONE
        elif isinstance(node, exp.Window):
            pii = self.value(node.this, scope)
            for part in node.args.get("partition_by") or []:
                self.value(part, scope)
            order = node.args.get("order")
            if order is not None:
                self.value(order, scope)
            return pii
        elif isinstance(node, exp.Select | exp.SetOperation):
            sub = self._by_query.get(id(node))
            return self._union(o.pii for o in self.outputs(sub)) if sub else NONE
        elif isinstance(node, exp.Subquery):
            sub = self._by_query.get(id(node.unnest())) or self._by_query.get(id(node))
            return self._union(o.pii for o in self.outputs(sub)) if sub else NONE
        acc = NONE
        for child in node.iter_expressions():
            got = self.value(child, scope)
            if got:
                acc = acc | got
        return acc

    def _counted(self, node: exp.Expr, scope: Scope, distinct: bool) -> Pii | None:
        """What counting ``node`` reveals, or None when the exemption does not apply.

        A count only tells how many rows (or distinct values) are non-NULL, so the *values* that reach
        the count reveal nothing: ``COUNT(DISTINCT CASE WHEN day < x THEN user_no END)`` is as safe as
        ``COUNT(DISTINCT user_no)``. Conditions still carry (a CASE on ``phone LIKE '212%'`` is a filter
        on personal data), and so does any other function of the value. Under DISTINCT every value branch
        must be one plain column or NULL: mixing in a literal or a second column would make the count an
        oracle for "does this value exist" (``COUNT(DISTINCT COALESCE(phone, '+1-212-555-0100'))``).
        """
        leaves: list[exp.Expr] = []
        conditions: list[exp.Expr] = []
        if not self._value_branches(node, leaves, conditions):
            return None
        columns = [leaf for leaf in leaves if isinstance(leaf, exp.Column | exp.Star)]
        others = [leaf for leaf in leaves if not isinstance(leaf, exp.Column | exp.Star)]
        if distinct and (len({c.sql() for c in columns}) > 1 or (columns and any(
                not isinstance(o, exp.Null) for o in others))):
            return None
        if not distinct and any(not isinstance(o, exp.Literal | exp.Null | exp.Boolean) for o in others):
            return None
        for c in columns:  # still resolve: unknown columns must be reported
            self.value(c, scope)
        return self._union(self.value(c, scope) for c in conditions)

    @staticmethod
    def _value_branches(node: exp.Expr, leaves: list[exp.Expr], conditions: list[exp.Expr]) -> bool:
        """Split ``node`` into the values it can take (``leaves``) and the conditions choosing among them;
        False when it is anything but columns, literals, CASE, IF, COALESCE, parentheses and casts."""
        if isinstance(node, exp.Paren | exp.Cast):
            return Analysis._value_branches(node.this, leaves, conditions)
        if isinstance(node, exp.Case):
            if node.this is not None:  # CASE x WHEN v: x is compared, so it is a condition
                conditions.append(node.this)
            ok = True
            for when in node.args.get("ifs") or []:
                conditions.append(when.this)
                ok = ok and Analysis._value_branches(when.args["true"], leaves, conditions)
            default = node.args.get("default")
            if default is not None:
                ok = ok and Analysis._value_branches(default, leaves, conditions)
            return ok
        if isinstance(node, exp.If):
            conditions.append(node.this)
            ok = Analysis._value_branches(node.args["true"], leaves, conditions)
            false = node.args.get("false")
            return ok and (false is None or Analysis._value_branches(false, leaves, conditions))
        if isinstance(node, exp.Coalesce):
            return all(Analysis._value_branches(a, leaves, conditions)
                       for a in [node.this, *node.expressions])
        if isinstance(node, exp.Column | exp.Star | exp.Literal | exp.Null | exp.Boolean):
            leaves.append(node)
            return True
        return False

    @staticmethod
    def _union(parts: Iterable[Pii]) -> Pii:
        acc = NONE
        for p in parts:
            if p:
                acc = acc | p
        return acc

    # ------------------------------------------------------------------ columns
    def resolve(self, col: exp.Column, scope: Scope) -> Pii:
        name = col.name.lower()
        table = col.table.lower()
        s: Scope | None = scope
        while s is not None:
            found = self._resolve_in(col, name, table, s)
            if found is not None:
                return found
            s = _outer(s)
        if self.read == "sqlite" and not table and col.this.args.get("quoted"):
            self.to_literal.append(col)  # SQLite reads an unknown "name" as the string 'name'
            return NONE
        self._unknown_column(col, scope)
        return NONE

    def _resolve_in(self, col: exp.Column, name: str, table: str, scope: Scope) -> Pii | None:
        sources = self.sources(scope)
        if table:
            pair = sources.get(table)
            if pair is None:
                return None
            for out in self.source_outs(*pair):
                if out.name.lower() == name:
                    self._mark_read(pair, out.name)
                    self._direct[id(col)] = out.direct
                    return out.pii
            self._unknown_column(col, scope, pair)
            return NONE
        found: Pii | None = None
        for pair in sources.values():
            for out in self.source_outs(*pair):
                if out.name.lower() == name:
                    self._mark_read(pair, out.name)
                    self._direct[id(col)] = out.direct if found is None else False
                    found = out.pii if found is None else found | out.pii
                    break
        for alias in self.aliases(scope).get(name, ()):
            if id(alias) in self._busy or _inside(col, alias):
                continue
            self._busy.add(id(alias))
            try:
                got = self.value(alias.this, scope)
            finally:
                self._busy.discard(id(alias))
            self._direct[id(col)] = False
            found = got if found is None else found | got
        return found

    def aliases(self, scope: Scope) -> dict[str, list[exp.Alias]]:
        key = id(scope)
        got = self._aliases.get(key)
        if got is None:
            got = {}
            if isinstance(scope.expression, exp.Select):
                for proj in scope.expression.expressions:
                    if isinstance(proj, exp.Alias):
                        got.setdefault(proj.alias.lower(), []).append(proj)
            self._aliases[key] = got
        return got

    def _mark_read(self, pair: tuple[exp.Expr, exp.Table | Scope], column: str) -> None:
        node, src = pair
        if not isinstance(src, Scope):
            tp = self.table_of.get(id(node)) or self.table_of.get(id(src))
            if tp is not None:
                self.columns_read.add((tp.qualified, column))

    # ------------------------------------------------------------------ errors
    def _unknown_column(self, col: exp.Column, scope: Scope,
                        pair: tuple[exp.Expr, exp.Table | Scope] | None = None) -> None:
        pairs = [pair] if pair else list(self.sources(scope).values())
        names = [o.name for p in pairs for o in self.source_outs(*p)]
        where = ""
        if pair is not None:
            node, src = pair
            tp = None if isinstance(src, Scope) else self.table_of.get(id(node))
            where = f" in {tp.qualified}" if tp else f" in {col.table}"
        near = suggest(col.name, names)
        hint = f" Did you mean {' or '.join(near)}?" if near else ""
        key = f"{col.table}.{col.name}".lstrip(".")
        if key in self._reported:
            return
        self._reported.add(key)
        self.hits.append(RuleHit(code=Code.UNKNOWN_COLUMN, message=(
            f"The column '{key}' does not exist{where}.{hint}")))

    def _unknown_source(self, col: exp.Column, scope: Scope) -> None:
        names = list(self.sources(scope))
        near = suggest(col.table, names)
        hint = f" Did you mean {' or '.join(near)}?" if near else ""
        self.hits.append(RuleHit(code=Code.UNKNOWN_COLUMN, message=(
            f"'{col.table}.*' names no table of this query.{hint}")))


def _outer(scope: Scope) -> Scope | None:
    """The scope a correlated column may refer to (subqueries, laterals), else None."""
    s = scope
    while s.scope_type == ScopeType.SET_OPERATION and s.parent is not None:
        s = s.parent
    if s.scope_type in (ScopeType.SUBQUERY, ScopeType.UDTF) or (
            s.scope_type == ScopeType.DERIVED_TABLE and s.can_be_correlated):
        return s.parent
    return None


def _inside(node: exp.Expr, ancestor: exp.Expr) -> bool:
    p = node.parent
    while p is not None:
        if p is ancestor:
            return True
        p = p.parent
    return False
