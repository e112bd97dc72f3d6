"""The one path every surface (API, Slack, Dify, web, CLI) uses to answer a question.

Engine → answer, then the bookkeeping every surface owes: metrics, and — in one transaction —
the chart kept for PNG rendering, the conversation turn and the audit record. Bookkeeping that
fails (state database down) is logged loudly but does not turn a computed answer into an error.
"""

from __future__ import annotations

import logging
import time
import uuid

import guardrails
from app.answer import Answer
from app.api.metrics import ANSWERS, REFUSALS
from app.executor import watch_unmasked
from app.settings import Settings
from app.state.audit import AuditEvent
from app.state.bookkeeping import record_answer
from app.state.history import chart_content_id
from guardrails.principal import Principal

log = logging.getLogger("lucky.service")


def answer_question(question: str, conversation_id: str | None, principal: Principal, settings: Settings,
                    surface: str) -> Answer:
    from app.engine import get_engine

    started = time.perf_counter()
    conversation_id = conversation_id or uuid.uuid4().hex
    with watch_unmasked() as seen:
        answer: Answer = get_engine(settings.engine, settings).ask(
            question, conversation_id=conversation_id, principal=principal, today=settings.today)
    unmasked = dict(seen) or _unmasked_in_answer(answer, principal, settings)
    answer.conversation_id = conversation_id
    answer.question = answer.question or question
    if answer.chart and not answer.chart_id:
        answer.chart_id = chart_content_id(answer.chart)
    ANSWERS.labels(answer.engine, answer.status).inc()
    if answer.status == "refuse":
        REFUSALS.labels("engine").inc()
    rules = [str(guardrails.Code.PII_UNMASKED)] if unmasked else []
    event = AuditEvent(who=principal.name, role=principal.role, surface=surface, kind="ask", question=question,
                       sql=answer.sql, status=answer.status, rules=rules, rows=len(answer.rows),
                       latency_ms=(time.perf_counter() - started) * 1000, engine=answer.engine, unmasked=unmasked)
    try:
        record_answer(settings.state_database_url, principal.name, answer, event)
    except Exception:
        log.exception("could not record the answer (chart, turn, audit record)")
    return answer


def _unmasked_in_answer(answer: Answer, principal: Principal, settings: Settings) -> dict[str, str]:
    """What an admin's answer shows raw when no statement reached the executor (a result-cache hit).

    The guard is a pure function of the SQL and the principal, so checking the answer's SQL again gives
    the ``unmasked`` its first run had. Only admins see raw values, so only their answers are checked.
    """
    if not (principal.sees_raw_pii and answer.status == "answer" and answer.sql):
        return {}
    try:
        verdict = guardrails.check(answer.sql, principal, settings.target)
    except Exception:  # the guard fails closed on its own; this only keeps bookkeeping from breaking an answer
        log.exception("could not check the answer's SQL for unmasked personal data")
        return {}
    return dict(verdict.unmasked) if verdict.allowed else {}
