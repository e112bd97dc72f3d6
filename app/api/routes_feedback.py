"""Feedback on answers: anyone marks an answer right or wrong; admins decide what becomes an example.

``POST /v1/feedback`` records a verdict (with the answer's SQL, or a corrected SQL) as *pending*;
``GET /v1/feedback`` and ``POST /v1/feedback/{id}/approve`` / ``reject`` are for admins. Items live in
the state database, so any replica can take any of these calls; an approved pair is a retrieval
example from the next search on in this process, within a few seconds on the others (see
``app/engine/feedback.py``).
"""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.api.audit_hook import record
from app.api.deps import PrincipalDep, SettingsDep
from app.api.errors import ApiError
from app.engine.feedback import (
    Feedback,
    FeedbackConflict,
    FeedbackError,
    FeedbackForbidden,
    FeedbackNotFound,
    FeedbackUnsafe,
    feedback_store,
)
from app.settings import Settings
from guardrails.principal import Principal

router = APIRouter(prefix="/v1", tags=["feedback"])

_ADMIN_ONLY = ("Only an admin can review feedback: this key's role is {role}. Ask an admin, or use "
               "`lucky feedback` on the server.")


class FeedbackRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=2000, description="The question that was answered.")
    verdict: Literal["right", "wrong"] = Field(..., description="Was the answer right or wrong?")
    sql: str | None = Field(None, max_length=20000, description="The SQL of the answer being judged.")
    corrected_sql: str | None = Field(None, max_length=20000,
                                      description="For a wrong answer: SQL that answers the question correctly.")


class FeedbackList(BaseModel):
    state: str
    items: list[Feedback]


def _audit(settings: Settings, principal: Principal, item: Feedback, started: float) -> None:
    record(settings, principal, surface="api", kind="feedback", question=item.question, sql=item.example_sql,
           status=item.state, rules=[], rows=0, latency_ms=(time.perf_counter() - started) * 1000, engine="feedback")


def _as_api_error(err: FeedbackError) -> ApiError:
    if isinstance(err, FeedbackForbidden):
        return ApiError(403, "forbidden", str(err))
    if isinstance(err, FeedbackNotFound):
        return ApiError(404, "not_found", str(err))
    if isinstance(err, FeedbackConflict):
        return ApiError(409, "already_decided", str(err))
    if isinstance(err, FeedbackUnsafe):
        return ApiError(422, "unsafe_example", str(err))
    return ApiError(400, "invalid_feedback", str(err))


def _require_admin(principal: Principal) -> None:
    if principal.role != "admin":
        raise ApiError(403, "forbidden", _ADMIN_ONLY.format(role=principal.role))


@router.post("/feedback", status_code=201, response_model=Feedback, summary="Mark an answer right or wrong.",
             description="Stored as pending; it becomes an example the assistant learns from only after an admin "
                         "approves it. A 'wrong' verdict without corrected SQL is kept as a note.")
def submit_feedback(body: FeedbackRequest, principal: PrincipalDep, settings: SettingsDep) -> Feedback:
    started = time.perf_counter()
    item = feedback_store(settings).submit(question=body.question, verdict=body.verdict, sql=body.sql,
                                           corrected_sql=body.corrected_sql, user=principal.name)
    _audit(settings, principal, item, started)
    return item


@router.get("/feedback", response_model=FeedbackList, summary="Feedback waiting for review (admins).")
def list_feedback(
    principal: PrincipalDep, settings: SettingsDep,
    state: Literal["pending", "approved", "rejected", "noted", "all"] = Query(
        "pending", description="Which feedback to list."),
) -> FeedbackList:
    _require_admin(principal)
    store = feedback_store(settings)
    return FeedbackList(state=state, items=store.items(None if state == "all" else state))


def _decide(fid: str, principal: Principal, settings: Settings, *, approve: bool) -> Feedback:
    _require_admin(principal)
    started = time.perf_counter()
    try:
        item = feedback_store(settings).decide(fid, principal, approve=approve)
    except FeedbackError as err:
        raise _as_api_error(err) from None
    _audit(settings, principal, item, started)
    return item


@router.post("/feedback/{feedback_id}/approve", response_model=Feedback,
             summary="Approve feedback: its question and SQL become a retrieval example (admins).")
def approve_feedback(feedback_id: str, principal: PrincipalDep, settings: SettingsDep) -> Feedback:
    return _decide(feedback_id, principal, settings, approve=True)


@router.post("/feedback/{feedback_id}/reject", response_model=Feedback,
             summary="Reject feedback: it never becomes an example (admins).")
def reject_feedback(feedback_id: str, principal: PrincipalDep, settings: SettingsDep) -> Feedback:
    return _decide(feedback_id, principal, settings, approve=False)
