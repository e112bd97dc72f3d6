"""`POST /v1/ask`: one question (optionally in a conversation) → the full answer object."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.answer import Answer
from app.api.deps import PrincipalDep, SettingsDep
from app.service import answer_question

router = APIRouter(prefix="/v1", tags=["ask"])


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000,
                          description="The question in plain English, e.g. 'How many orders did 8th & Broadway do "
                                      "yesterday?'")
    conversation_id: str | None = Field(None, max_length=128,
                                        description="Reuse to ask follow-ups ('and last week?'); omit to start one.")


@router.post("/ask", response_model=Answer, operation_id="ask", summary="Ask a question about Luckin USA's data.",
             description="Answers with the figure or table, a summary, the SQL, the filters applied and a chart "
                         "specification; asks a clarifying question or refuses when it should.")
def ask(body: AskRequest, principal: PrincipalDep, settings: SettingsDep) -> Answer:
    return answer_question(body.question, body.conversation_id, principal, settings, surface="api")
