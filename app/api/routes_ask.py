"""`POST /v1/ask`: one question (optionally in a conversation) → the full answer object."""

from __future__ import annotations

import time
import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.answer import Answer
from app.api.audit_hook import record
from app.api.deps import PrincipalDep, SettingsDep
from app.api.metrics import ANSWERS, REFUSALS
from app.settings import Settings
from app.state.history import record_turn, store_chart
from guardrails.principal import Principal

router = APIRouter(prefix="/v1", tags=["ask"])


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000,
                          description="The question in plain English, e.g. 'How many orders did 8th & Broadway do "
                                      "yesterday?'")
    conversation_id: str | None = Field(None, max_length=128,
                                        description="Reuse to ask follow-ups ('and last week?'); omit to start one.")


def answer_question(question: str, conversation_id: str | None, principal: Principal, settings: Settings,
                    surface: str) -> Answer:
    """The one path every surface uses: engine → answer, with metrics and an audit record."""
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


@router.post("/ask", response_model=Answer, operation_id="ask", summary="Ask a question about Luckin USA's data.",
             description="Answers with the figure or table, a summary, the SQL, the filters applied and a chart "
                         "specification; asks a clarifying question or refuses when it should.")
def ask(body: AskRequest, principal: PrincipalDep, settings: SettingsDep) -> Answer:
    return answer_question(body.question, body.conversation_id, principal, settings, surface="api")
