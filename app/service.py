"""The one path every surface (API, Slack, Dify, web, CLI) uses to answer a question.

Engine → answer, then the bookkeeping every surface owes: metrics, the chart kept for PNG
rendering, the conversation turn and the audit record.
"""

from __future__ import annotations

import time
import uuid

from app.answer import Answer
from app.api.audit_hook import record
from app.api.metrics import ANSWERS, REFUSALS
from app.settings import Settings
from app.state.history import record_turn, store_chart
from guardrails.principal import Principal


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
        answer.chart_id = store_chart(settings.state_database_url, answer.chart)
    record_turn(settings.state_database_url, principal.name, answer)
    ANSWERS.labels(answer.engine, answer.status).inc()
    if answer.status == "refuse":
        REFUSALS.labels("engine").inc()
    record(settings, principal, surface=surface, kind="ask", question=question, sql=answer.sql,
           status=answer.status, rules=[], rows=len(answer.rows),
           latency_ms=(time.perf_counter() - started) * 1000, engine=answer.engine)
    return answer
