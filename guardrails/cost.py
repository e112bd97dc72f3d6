"""Rule 8 (cost): refuse plainly runaway shapes, i.e. large tables combined with no condition linking them.

Per SELECT, sources are linked when a JOIN ... ON/USING or a WHERE conjunct mentions columns of
both. Sources left in separate groups are multiplied together; when the estimated product of the
groups' sizes passes the policy's limit and at least two groups hold a large table, the query is
refused. Sizes come from the catalog's full-scale row counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from guardrails.codes import Code
from guardrails.lineage import Analysis
from guardrails.verdict import RuleHit


def _estimate(analysis: Analysis, node: exp.Expr, src: exp.Table | Scope) -> tuple[int, str]:
    """(rows, label) of one source: catalog rows for tables; for derived tables, their largest table."""
    if isinstance(src, Scope):
        expr = src.expression
        if isinstance(expr, exp.Select) and (expr.args.get("group") or expr.args.get("limit")
                                             or any(isinstance(p.unalias(), exp.AggFunc) for p in expr.expressions)):
            return 1, ""
        best = (0, "")
        for n2, s2 in analysis.sources(src).values():
            best = max(best, _estimate(analysis, n2, s2))
        return best
    tp = analysis.table_of.get(id(node)) or analysis.table_of.get(id(src))
    if tp is None:
        return 0, ""
    return tp.rows or 0, tp.qualified


class _UnionFind:
    """Sources linked by a condition end up in one group."""

    def __init__(self, names: Iterable[str]) -> None:
        self.parent = {n: n for n in names}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def link(self, names: set[str]) -> None:
        items = [n for n in names if n in self.parent]
        for other in items[1:]:
            self.parent[self.find(other)] = self.find(items[0])


def check_cost(analysis: Analysis) -> list[RuleHit]:
    policy = analysis.policy
    for scope in analysis.scopes:
        expr = scope.expression
        if not isinstance(expr, exp.Select):
            continue
        sources = analysis.sources(scope)
        if len(sources) < 2:
            continue
        groups_of = _UnionFind(sources)
        order = list(sources)
        for join in expr.args.get("joins") or []:
            alias = join.this.alias_or_name.lower()
            if join.args.get("using"):
                groups_of.link({alias, *order[: order.index(alias)]} if alias in order else set())
            on = join.args.get("on")
            if on is not None:
                for conj in _conjuncts(on):
                    groups_of.link(_refs(conj, scope, analysis))
        where = expr.args.get("where")
        if where is not None:
            for conj in _conjuncts(where.this):
                groups_of.link(_refs(conj, scope, analysis))
        groups: dict[str, list[tuple[int, str]]] = {}
        for name, (node, src) in sources.items():
            groups.setdefault(groups_of.find(name), []).append(_estimate(analysis, node, src))
        if len(groups) < 2:
            continue
        sizes = [max(g) for g in groups.values()]
        product = 1
        for rows, _label in sizes:
            product *= max(rows, 1)
        large = [s for s in sizes if s[0] >= policy.large_rows]
        if len(large) >= 2 and product > policy.max_cross_rows:
            parts = " with every row of ".join(f"{label} (about {rows:,} rows)" for rows, label in large[:3])
            return [RuleHit(code=Code.COST, message=(
                f"This query would pair every row of {parts}, because nothing says how they match "
                f"(about {product:,.0f} combinations). Add a join condition (JOIN ... ON ...)."))]
    return []


def _conjuncts(cond: exp.Expr) -> list[exp.Expr]:
    """``a AND (b AND c)`` -> [a, b, c]: a link needs one condition that mentions both sides."""
    cond = cond.unnest() if isinstance(cond, exp.Paren) else cond
    if isinstance(cond, exp.And):
        return [c for part in cond.flatten() for c in _conjuncts(part)]
    return [cond]


def _refs(cond: exp.Expr, scope: Scope, analysis: Analysis) -> set[str]:
    """Local source aliases whose columns ``cond`` mentions."""
    out: set[str] = set()
    sources = analysis.sources(scope)
    for col in cond.find_all(exp.Column):
        table = col.table.lower()
        if table:
            if table in sources:
                out.add(table)
            continue
        name = col.name.lower()
        for alias, pair in sources.items():
            if any(o.name.lower() == name for o in analysis.source_outs(*pair)):
                out.add(alias)
                break
    return out
