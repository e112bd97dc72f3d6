"""Rule 8 (limits): cap the rows of the whole statement and, on MySQL, its running time.

The outer LIMIT is set to ``row_cap + 1``: the executor fetches that many rows and keeps
``row_cap``, so it can tell the answer was truncated. A smaller LIMIT (and any OFFSET) is kept as
written. On a compound query (UNION/INTERSECT/EXCEPT) the limit sits on the compound, so it caps
the whole result, not one branch. A LIMIT that is not a plain number (``LIMIT -1`` in SQLite means
"no limit") is kept inside a wrapper query that is limited instead.
"""

from __future__ import annotations

from sqlglot import exp

from guardrails.codes import Code
from guardrails.verdict import RuleHit


def _literal_int(node: exp.Expr | None) -> int | None:
    if isinstance(node, exp.Literal) and node.is_int:
        return int(node.this)
    return None


def apply_limit(tree: exp.Query, row_cap: int) -> tuple[exp.Query, RuleHit | None]:
    """Add or clamp the outer LIMIT; returns the (possibly wrapped) tree and an informational hit."""
    probe = exp.Literal.number(row_cap + 1)
    limit = tree.args.get("limit")
    capped = RuleHit(code=Code.ROW_LIMIT, refused=False, message=(
        f"At most {row_cap:,} rows are returned; the answer says so when there were more."))
    if limit is None:
        tree.set("limit", exp.Limit(expression=probe))
        return tree, capped
    count = limit.args.get("count") if isinstance(limit, exp.Fetch) else limit.expression
    n = _literal_int(count)
    if n is not None and n <= row_cap:
        return tree, None
    if n is not None:
        limit.set("count" if isinstance(limit, exp.Fetch) else "expression", probe)
        return tree, RuleHit(code=Code.ROW_LIMIT, refused=False, message=(
            f"The query asked for {n:,} rows; at most {row_cap:,} are returned."))
    wrapped = exp.select(exp.Star()).from_(exp.Subquery(this=tree, alias=exp.TableAlias(
        this=exp.to_identifier("_lucky_q"))))
    wrapped.set("limit", exp.Limit(expression=probe))
    return wrapped, capped


def first_select(tree: exp.Expr) -> exp.Select | None:
    """The statement's first top-level SELECT (where MySQL reads statement-wide hints)."""
    node = tree
    while True:
        if isinstance(node, exp.Select):
            return node
        if isinstance(node, exp.SetOperation | exp.Subquery):
            node = node.this
        else:
            return None


def add_time_hint(tree: exp.Query, timeout_ms: int) -> RuleHit | None:
    """``SELECT /*+ MAX_EXECUTION_TIME(ms) */`` for MySQL (MariaDB reads it as a plain comment)."""
    sel = first_select(tree)
    if sel is None:
        return None
    call = exp.Anonymous(this="MAX_EXECUTION_TIME", expressions=[exp.Literal.number(timeout_ms)])
    sel.set("hint", exp.Hint(expressions=[call]))
    return RuleHit(code=Code.TIME_LIMIT, refused=False, message=(
        f"The database stops the query after {timeout_ms / 1000:g} seconds."))
