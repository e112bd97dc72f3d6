"""Conversations, query history, saved shareable queries (re-runnable) and chart PNGs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from app.answer import Answer
from app.api.deps import PrincipalDep, SettingsDep
from app.api.errors import ApiError
from app.service import answer_question
from app.state import history

router = APIRouter(prefix="/v1", tags=["queries"])


@router.get("/conversations/{conversation_id}", summary="The turns of one of your conversations.")
def get_conversation(conversation_id: str, principal: PrincipalDep, settings: SettingsDep) -> dict[str, Any]:
    who = None if principal.role == "admin" else principal.name
    turns = history.conversation(settings.state_database_url, conversation_id, who)
    if not turns:
        raise ApiError(404, "not_found", "There is no conversation with that id for this key.")
    return {"conversation_id": conversation_id, "turns": turns}


class SaveQuery(BaseModel):
    title: str = Field(..., min_length=1, max_length=128, description="A short name people will recognise.")
    question: str = Field(..., min_length=1, max_length=2000, description="The question to save and re-run.")


@router.get("/queries", summary="Your recent questions and everyone's saved queries.")
def list_queries(principal: PrincipalDep, settings: SettingsDep) -> dict[str, Any]:
    return {"history": history.history(settings.state_database_url, principal.name),
            "saved": history.saved(settings.state_database_url)}


@router.post("/queries", status_code=201, summary="Save a question so anyone can re-run it.")
def save_query(body: SaveQuery, principal: PrincipalDep, settings: SettingsDep) -> dict[str, str]:
    query_id = history.save_query(settings.state_database_url, title=body.title, question=body.question, sql=None,
                                  owner=principal.name)
    return {"id": query_id}


@router.get("/queries/{query_id}", summary="One saved query.")
def get_query(query_id: str, _: PrincipalDep, settings: SettingsDep) -> dict[str, Any]:
    found = history.saved(settings.state_database_url, query_id)
    if not found:
        raise ApiError(404, "not_found", "There is no saved query with that id.")
    return found[0]


@router.post("/queries/{query_id}/run", response_model=Answer, summary="Re-run a saved query now, as you.")
def run_query(query_id: str, principal: PrincipalDep, settings: SettingsDep) -> Answer:
    found = history.saved(settings.state_database_url, query_id)
    if not found:
        raise ApiError(404, "not_found", "There is no saved query with that id.")
    return answer_question(found[0]["question"], None, principal, settings, surface="api")


@router.get("/charts/{chart_id}.png", summary="A chart as a PNG image (for chat apps).",
            response_class=Response, responses={200: {"content": {"image/png": {}}}})
def chart_png(chart_id: str, _: PrincipalDep, settings: SettingsDep) -> Response:
    from app.charts import render_png

    spec = history.load_chart(settings.state_database_url, chart_id)
    if spec is None:
        raise ApiError(404, "not_found", "There is no chart with that id.")
    return Response(render_png(spec), media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})
