"""The one path every surface (API, Slack, Dify, web, CLI) uses to answer a question.

Engine → answer, then the bookkeeping every surface owes: metrics, and — in one transaction —
the chart kept for PNG rendering, the conversation turn and the audit record. Bookkeeping that
fails (state database down) is logged loudly but does not turn a computed answer into an error.
"""

from __future__ import annotations

import logging
import time
import uuid

from app.answer import Answer
from app.api.metrics import ANSWERS, REFUSALS
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
    answer: Answer = get_engine(settings.engine, settings).ask(
        question, conversation_id=conversation_id, principal=principal, today=settings.today)
    answer.conversation_id = conversation_id
    answer.question = answer.question or question
    if answer.chart and not answer.chart_id:
        answer.chart_id = chart_content_id(answer.chart)
    ANSWERS.labels(answer.engine, answer.status).inc()
    if answer.status == "refuse":
        REFUSALS.labels("engine").inc()
    event = AuditEvent(who=principal.name, role=principal.role, surface=surface, kind="ask", question=question,
                       sql=answer.sql, status=answer.status, rules=[], rows=len(answer.rows),
                       latency_ms=(time.perf_counter() - started) * 1000, engine=answer.engine)
    try:
        record_answer(settings.state_database_url, principal.name, answer, event)
    except Exception:
        log.exception("could not record the answer (chart, turn, audit record)")
    return answer
