"""Rule 5: every table a query reads is a catalog table (CTE names aside), never a system schema."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from guardrails import functions
from guardrails.codes import Code
from guardrails.policy import SYSTEM_SCHEMAS, SYSTEM_TABLES, CatalogPolicy, TablePolicy
from guardrails.verdict import RuleHit


@dataclass
class TableCheck:
    hits: list[RuleHit] = field(default_factory=list)
    table_of: dict[int, TablePolicy] = field(default_factory=dict)  # id(exp.Table) -> catalog table
    cte_refs: set[int] = field(default_factory=set)

    @property
    def tables(self) -> list[str]:
        return sorted({t.qualified for t in self.table_of.values()})


def check_tables(table_nodes: list[exp.Table], scopes: list[Scope], policy: CatalogPolicy) -> TableCheck:
    out = TableCheck()
    for scope in scopes:
        for node, src in scope.selected_sources.values():
            if isinstance(src, Scope) and isinstance(node, exp.Table):
                out.cte_refs.add(id(node))
    seen: set[str] = set()
    for node in table_nodes:
        if id(node) in out.cte_refs:
            continue
        hit = _check_one(node, policy, out)
        if hit and hit.message not in seen:
            seen.add(hit.message)
            out.hits.append(hit)
    return out


def _check_one(node: exp.Table, policy: CatalogPolicy, out: TableCheck) -> RuleHit | None:
    if isinstance(node.this, exp.Func):
        if functions.denial(node.this):
            return None  # already refused as a denied function
        fname = functions.function_name(node.this).upper()
        return RuleHit(code=Code.TABLE_FUNCTION, message=(
            f"Questions read catalog tables only: this query reads from the function {fname}."))
    name, db, catalog = node.name, node.text("db"), node.text("catalog")
    shown = ".".join(p for p in (catalog, db, name) if p)
    if db.lower() in SYSTEM_SCHEMAS or catalog.lower() in SYSTEM_SCHEMAS or name.lower() in SYSTEM_TABLES:
        return RuleHit(code=Code.SYSTEM_SCHEMA, message=(
            f"System tables are off limits: {shown} describes the server, not the business data."))
    if catalog:
        return RuleHit(code=Code.UNKNOWN_TABLE, message=(
            f"Name tables as database.table: {shown} has a catalog prefix the guard does not accept."))
    tp = policy.lookup(db or None, name)
    if tp is not None:
        out.table_of[id(node)] = tp
        return None
    if not db and not policy.default_db:
        same = policy.candidates(name)
        if len(same) > 1:
            return RuleHit(code=Code.UNKNOWN_TABLE, message=(
                f"Several databases have a table {name}: say which one, e.g. "
                f"{' or '.join(t.qualified for t in same)}."))
    near = policy.suggest_tables(shown)
    hint = f" Did you mean {' or '.join(near)}?" if near else ""
    return RuleHit(code=Code.UNKNOWN_TABLE, message=f"The table {shown} is not in the catalog.{hint}")
