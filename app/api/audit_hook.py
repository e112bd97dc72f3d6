"""Append one audit record per question or tool call, whatever the surface."""

from __future__ import annotations

import logging

from app.settings import Settings
from app.state.audit import AuditEvent, append
from guardrails.principal import Principal

log = logging.getLogger("lucky.audit")


def record(settings: Settings, principal: Principal, *, surface: str, kind: str, question: str, sql: str | None,
           status: str, rules: list[str], rows: int, latency_ms: float, engine: str) -> None:
    """Audit failures are logged loudly but never turn an answer into an error."""
    try:
        append(settings.state_database_url, AuditEvent(
            who=principal.name, role=principal.role, surface=surface, kind=kind, question=question, sql=sql,
            status=status, rules=rules, rows=rows, latency_ms=latency_ms, engine=engine))
    except Exception:
        log.exception("could not write the audit record")
