"""Append one audit record per question or tool call, whatever the surface."""

from __future__ import annotations

import logging

from app.settings import Settings
from app.state.audit import AuditEvent, append
from guardrails.codes import Code
from guardrails.principal import Principal

PII_UNMASKED = str(Code.PII_UNMASKED)

log = logging.getLogger("lucky.audit")


def record(settings: Settings, principal: Principal, *, surface: str, kind: str, question: str, sql: str | None,
           status: str, rules: list[str], rows: int, latency_ms: float, engine: str,
           unmasked: dict[str, str] | None = None) -> None:
    """Audit failures are logged loudly but never turn an answer into an error.

    ``unmasked``: output column -> PII class the caller saw raw (collect it with
    ``app.executor.watch_unmasked()`` around the statements run for an admin); it adds the
    ``pii_unmasked`` rule. Tools run as the ``system`` or store-manager principal, which never see raw values.
    """
    unmasked = dict(unmasked or {})
    if unmasked and PII_UNMASKED not in rules:
        rules = [*rules, PII_UNMASKED]
    try:
        append(settings.state_database_url, AuditEvent(
            who=principal.name, role=principal.role, surface=surface, kind=kind, question=question, sql=sql,
            status=status, rules=rules, rows=rows, latency_ms=latency_ms, engine=engine, unmasked=unmasked))
    except Exception:
        log.exception("could not write the audit record")
