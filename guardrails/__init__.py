"""Every SQL statement is checked and rewritten here before it reaches a database.

Provisional seam: the full rule set lands with the guardrails issue. ``check`` is pure (no I/O).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from app.sqldialect import render
from guardrails.principal import ADMIN, ANALYST, SYSTEM, Principal
from guardrails.verdict import RuleHit, Verdict

__all__ = ["ADMIN", "ANALYST", "SYSTEM", "Principal", "RuleHit", "Verdict", "check"]


def check(sql: str | exp.Expression, principal: Principal = ANALYST, target: str = "duckdb",
          *, row_cap: int = 5000) -> Verdict:
    """Decide whether ``sql`` may run for ``principal`` on ``target``; return the rewritten SQL."""
    try:
        trees = sqlglot.parse(sql, read="mysql") if isinstance(sql, str) else [sql]
    except sqlglot.errors.ParseError as err:
        return Verdict(allowed=False, rules=[RuleHit(code="parse", message=f"The SQL could not be read: {err}")])
    if len(trees) != 1 or not isinstance(trees[0], exp.Query):
        return Verdict(allowed=False, rules=[RuleHit(code="not_query",
                                                     message="Only questions that read data are allowed.")])
    tree = trees[0]
    if tree.args.get("limit") is None:
        tree = tree.limit(row_cap)
    return Verdict(allowed=True, sql=render(tree, target), limit=row_cap)
