"""``check``: parse, allow, rewrite. A pure function of its inputs (no I/O), run before every statement.

Order of the rules (the first refusing rule is the Verdict's ``code``):
executable comments -> parse -> one statement -> allow-list walk (statement types, side effects,
variables, hints, functions) -> catalog tables -> columns and PII -> cost; then the rewrite:
row-level shop scope, LIMIT, MySQL time hint, rendering for the target.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer.scope import traverse_scope

from app.sqldialect import render
from guardrails import lexical, statement
from guardrails.codes import Code
from guardrails.cost import check_cost
from guardrails.default_policy import default_policy
from guardrails.limits import add_time_hint, apply_limit
from guardrails.lineage import Analysis
from guardrails.pii import check_pii, mask_plan
from guardrails.policy import PII_WORDS, CatalogPolicy
from guardrails.principal import ANALYST, Principal
from guardrails.rowscope import apply_scope
from guardrails.tables import check_tables
from guardrails.verdict import RuleHit, Verdict

DEFAULT_TIMEOUT_MS = 10_000
log = logging.getLogger(__name__)


def _refuse(hits: list[RuleHit], **extra: object) -> Verdict:
    return Verdict(allowed=False, rules=hits, **extra)


def check(sql: str | exp.Expr, principal: Principal = ANALYST, target: str = "duckdb", *,
          row_cap: int = 5000, read: str = "mysql", policy: CatalogPolicy | None = None,
          timeout_ms: int = DEFAULT_TIMEOUT_MS, duckdb_macros: bool = True) -> Verdict:
    """Decide whether ``sql`` may run for ``principal`` on ``target``; return the rewritten SQL.

    ``read`` is the input dialect (ignored for trees); ``policy`` defaults to the shipped catalog's.
    ``duckdb_macros``: DuckDB SQL calls the executor connections' local-time macros
    (``app.localtime.install_macros``) instead of carrying their CASE inline; False gives SQL that runs
    on any DuckDB connection.
    """
    policy = policy or default_policy()
    base = {"target": target, "policy": policy.name}
    if principal.role == "store_manager" and not principal.shops:
        return _refuse([RuleHit(code=Code.NO_SHOPS, message=(
            "A store manager sees only their own shops, and none are assigned to you yet; ask an admin."))],
            **base)
    if isinstance(sql, str):
        hit = lexical.executable_comment(sql)
        if hit:
            return _refuse([hit], **base)
        try:
            parsed = [t for t in sqlglot.parse(sql, read=read) if t is not None]
        except (ParseError, TokenError) as err:
            return _refuse([lexical.explain_failure(sql, read, err)], **base)
        if not parsed:
            return _refuse([RuleHit(code=Code.PARSE, message="The SQL could not be read: it is empty.")], **base)
        if len(parsed) > 1:
            verbs = ", then ".join(_verb(t) for t in parsed[:4])
            return _refuse([RuleHit(code=Code.MULTIPLE_STATEMENTS, message=(
                f"Only one question at a time is allowed: this text holds {len(parsed)} statements "
                f"({verbs})."))], **base)
        tree = parsed[0]
    else:
        tree = sql.copy()
    try:
        return _check_tree(tree, principal, target, row_cap=row_cap, read=read, policy=policy,
                           timeout_ms=timeout_ms, base=base, macros=duckdb_macros)
    except Exception as err:  # fail closed: a statement the guard cannot analyse never runs
        log.warning("guardrails: refusing a statement the checker could not analyse: %r", err)
        return _refuse([RuleHit(code=Code.UNSUPPORTED_SYNTAX, message=(
            "The guard could not analyse this query, so it is refused to be safe."))], **base)


def _check_tree(tree: exp.Expr, principal: Principal, target: str, *, row_cap: int, read: str,
                policy: CatalogPolicy, timeout_ms: int, base: dict[str, Any], macros: bool) -> Verdict:
    walked = statement.walk(tree)
    if walked.hits:
        return _refuse(walked.hits, **base)
    tree = _unwrap(tree)

    try:
        scopes = traverse_scope(tree)
        tables = check_tables(walked.tables, scopes, policy)
    except OptimizeError as err:
        return _refuse([RuleHit(code=Code.PARSE, message=f"The SQL could not be read: {err}.")], **base)
    if tables.hits:
        return _refuse(tables.hits, **base)
    if not scopes:
        return _refuse([RuleHit(code=Code.UNSUPPORTED_SYNTAX, message=(
            "This statement has no query the guard can check."))], **base)

    analysis = Analysis(root=scopes[-1], scopes=scopes, policy=policy, table_of=tables.table_of, read=read)
    outs = analysis.outputs(analysis.root)
    analysis.resolve_all()
    hits = [*analysis.hits, *check_pii(analysis, principal, walked.windows), *check_cost(analysis)]
    info = {**base, "tables": tables.tables,
            "columns": sorted(f"{t}.{c}" for t, c in analysis.columns_read)}
    if hits:
        return _refuse(hits, **info)

    notes: list[RuleHit] = []
    plan = mask_plan(outs)
    verdict_pii: dict[str, object] = {}
    if plan.masked:
        cols = ", ".join(f"{n} ({PII_WORDS.get(c, c)})" for n, c in plan.masked.items())
        if principal.sees_raw_pii:
            notes.append(RuleHit(code=Code.PII_UNMASKED, refused=False, message=(
                f"You are an admin, so personal data is shown unmasked in {cols}; this access is logged.")))
            verdict_pii = {"unmasked": plan.masked}
        else:
            notes.append(RuleHit(code=Code.PII_MASKED, refused=False, message=(
                f"Personal data is masked in the answer: {cols}.")))
            verdict_pii = {"masked": plan.masked, "output_pii": plan.output_pii,
                           "output_mask": plan.output_mask, "mask_modes": plan.modes}

    # ---------------------------------------------------------------- rewrite (tree is ours now)
    for col in analysis.to_literal:
        col.replace(exp.Literal.string(col.name))
    if policy.default_db is None:
        for node in walked.tables:
            tp = tables.table_of.get(id(node))
            if tp is not None and not node.text("db"):
                node.set("db", exp.to_identifier(tp.database))
    scoped: list[str] = []
    if principal.role == "store_manager":
        scoped = apply_scope(tree, tables.table_of, walked.tables, principal.shops, policy)
        if scoped:
            shops = ", ".join(str(s) for s in principal.shops)
            notes.append(RuleHit(code=Code.SHOP_SCOPE, refused=False, message=(
                f"Only your shops ({shops}) are counted: {', '.join(scoped)}.")))
    tree, limit_hit = apply_limit(tree, row_cap)  # type: ignore[arg-type]
    if limit_hit:
        notes.append(limit_hit)
    timeout = None
    if target == "mysql":
        time_hit = add_time_hint(tree, timeout_ms)
        if time_hit:
            notes.append(time_hit)
            timeout = timeout_ms
    try:
        text = render(tree, target, copy=False, macros=macros)
    except Exception as err:  # a construct the target dialect cannot express
        return _refuse([RuleHit(code=Code.UNSUPPORTED_SYNTAX, message=(
            f"This query cannot be written for {target}: {str(err).splitlines()[0][:160]}"))], **info)
    return Verdict(allowed=True, sql=text, rules=notes, limit=row_cap, limited=limit_hit is not None,
                   scoped_tables=scoped, timeout_ms=timeout, **info, **verdict_pii)


def _verb(tree: exp.Expr) -> str:
    if isinstance(tree, exp.Query):
        return "SELECT"
    return statement.describe_statement(tree).removeprefix("run ")


def _unwrap(tree: exp.Expr) -> exp.Expr:
    """``((SELECT ...))`` with nothing else attached is just the SELECT."""
    while isinstance(tree, exp.Subquery) and not any(v for k, v in tree.args.items() if k != "this"):
        inner = tree.this
        inner.pop()
        tree = inner
    return tree
