"""Rule 6: personal data may be counted, never used to pick people out, and is masked on the way out.

For non-admins a raw personal value (phone, email, name, ...) may not decide which rows come back
or how they are grouped, joined or ordered, in any scope; ``COUNT(DISTINCT phone)`` and
``phone IS NULL`` are fine. Pseudonymous classes (``user_id``) leave the database hashed, so they may
be grouped and joined ("top 10 users"). Output columns derived from personal data are masked;
admins see raw values and the Verdict lists them so the audit log can record it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from guardrails.codes import Code
from guardrails.lineage import NONE, Analysis, Out, Pii, Source
from guardrails.policy import PII_WORDS, PSEUDONYMOUS
from guardrails.principal import Principal
from guardrails.verdict import RuleHit

RAW_PRIORITY = ("card", "payment_ref", "phone", "email", "name", "address", "birthdate")
PARTIAL = frozenset({"phone", "email", "name", "payment_ref", "birthdate"})  # shapes with a safe partial mask


@dataclass
class MaskPlan:
    masked: dict[str, str] = field(default_factory=dict)       # output name -> class
    modes: dict[str, str] = field(default_factory=dict)        # output name -> partial | redact | hash
    output_pii: list[str | None] = field(default_factory=list)
    output_mask: list[str | None] = field(default_factory=list)


def _raw(pii: Pii) -> Pii:
    return frozenset(s for s in pii if s.pii not in PSEUDONYMOUS) if pii else NONE


def _describe(pii: Pii) -> str:
    parts = sorted({f"{s.column} ({PII_WORDS.get(s.pii or '', 'personal data')})" for s in pii})
    return ", ".join(parts)


_MESSAGES = {
    Code.PII_FILTER: "Questions may count people but not pick them out by personal data: this query filters "
                     "on {cols}. Ask for a count instead, or ask an admin.",
    Code.PII_GROUP_BY: "Results cannot be grouped by personal data: this query groups by {cols}. Group by "
                       "shop, day or product, or count distinct people instead.",
    Code.PII_JOIN: "Tables cannot be matched on personal data: this query joins on {cols}. Join on an id "
                   "such as user_no instead.",
    Code.PII_ORDER_BY: "Results cannot be sorted by personal data: this query orders by {cols}.",
}


def check_pii(analysis: Analysis, principal: Principal, windows: Sequence[exp.Window] = ()) -> list[RuleHit]:
    """Refusals for raw personal data used to filter, group, join or order (non-admins only)."""
    if principal.sees_raw_pii:
        return []
    found: dict[Code, set[Source]] = {}

    def flag(code: Code, pii: Pii) -> None:
        raw = _raw(pii)
        if raw:
            found.setdefault(code, set()).update(raw)

    for scope in analysis.scopes:
        expr = scope.expression
        if isinstance(expr, exp.SetOperation):
            order = expr.args.get("order")
            if order is not None:
                outs = analysis.outputs(scope)
                for o in order.expressions:
                    flag(Code.PII_ORDER_BY, _by_name_or_position(o.this, outs))
            continue
        if not isinstance(expr, exp.Select):
            continue
        outs = analysis.outputs(scope)  # memoised
        for key in ("where", "having", "qualify"):
            clause = expr.args.get(key)
            if clause is not None:
                flag(Code.PII_FILTER, analysis.value(clause.this, scope))
        for join in expr.args.get("joins") or []:
            on = join.args.get("on")
            if on is not None:
                flag(Code.PII_JOIN, analysis.value(on, scope))
            for ident in join.args.get("using") or []:
                flag(Code.PII_JOIN, analysis.value(exp.column(ident.name), scope))
        group = expr.args.get("group")
        if group is not None:
            for g in group.iter_expressions():
                if isinstance(g, exp.Literal) and g.is_int:
                    flag(Code.PII_GROUP_BY, _by_name_or_position(g, outs))
                else:
                    flag(Code.PII_GROUP_BY, analysis.value(g, scope))
        order = expr.args.get("order")
        if order is not None:
            for o in order.expressions:
                if isinstance(o.this, exp.Literal) and o.this.is_int:
                    flag(Code.PII_ORDER_BY, _by_name_or_position(o.this, outs))
                else:
                    flag(Code.PII_ORDER_BY, analysis.value(o.this, scope))
    for window in windows:  # collected by the allow-list walk; each belongs to its nearest SELECT
        owner = analysis.scope_of(window)
        if owner is None:
            continue
        for part in window.args.get("partition_by") or []:
            flag(Code.PII_GROUP_BY, analysis.value(part, owner))
        w_order = window.args.get("order")
        if w_order is not None:
            flag(Code.PII_ORDER_BY, analysis.value(w_order, owner))
    hits = []
    for code in (Code.PII_FILTER, Code.PII_GROUP_BY, Code.PII_JOIN, Code.PII_ORDER_BY):
        if code in found:
            hits.append(RuleHit(code=code, message=_MESSAGES[code].format(cols=_describe(frozenset(found[code])))))
    return hits


def _by_name_or_position(node: exp.Expr, outs: list[Out]) -> Pii:
    if isinstance(node, exp.Literal) and node.is_int:
        i = int(node.this) - 1
        return outs[i].pii if 0 <= i < len(outs) else NONE
    acc = NONE
    for col in node.find_all(exp.Column):
        for o in outs:
            if o.name.lower() == col.name.lower():
                acc = acc | o.pii
    return acc


def mask_class(pii: Pii) -> str | None:
    classes = {s.pii for s in pii}
    for c in RAW_PRIORITY:
        if c in classes:
            return c
    for c in ("user_id", "device_id"):
        if c in classes:
            return c
    return None


def mask_plan(outs: list[Out]) -> MaskPlan:
    """Which output positions to mask and how (for non-admins)."""
    plan = MaskPlan()
    for o in outs:
        cls = mask_class(o.pii)
        if cls is None:
            plan.output_pii.append(None)
            plan.output_mask.append(None)
            continue
        mode = "hash" if cls in PSEUDONYMOUS else "partial" if (o.direct and cls in PARTIAL) else "redact"
        plan.output_pii.append(cls)
        plan.output_mask.append(mode)
        plan.masked[o.name] = cls
        plan.modes[o.name] = mode
    return plan
