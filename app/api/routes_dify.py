"""Dify integration, built to how Dify calls out.

- ``GET /v1/dify/openapi.json``: an OpenAPI document for Dify's "custom tool by OpenAPI import". Dify
  makes one tool per path+method named by ``operationId``, uses only the first ``servers`` entry and
  resolves only a top-level ``$ref`` in a request body, so bodies here are inlined and flat.
- ``POST /v1/dify/extension``: the API-based extension (``ping``, ``app.external_data_tool.query``,
  ``app.moderation.input`` / ``app.moderation.output``, the latter a second place to mask PII).
- ``POST /retrieval``: the External Knowledge API, serving the schema catalog and metric definitions.
"""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field

from app.api import audit_hook
from app.api.deps import PrincipalDep, SettingsDep
from app.api.errors import ApiError
from app.service import answer_question
from guardrails.masking import mask_value

router = APIRouter(tags=["dify"])

_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def mask_text(text: str) -> tuple[str, bool]:
    """Mask phone numbers and e-mail addresses in free text; says whether anything was masked."""
    masked = _EMAIL.sub(lambda m: str(mask_value(m.group(0), "email", "partial")), text)
    masked = _PHONE.sub(lambda m: str(mask_value(m.group(0), "phone", "partial")), masked)
    return masked, masked != text


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return _inline(copy.deepcopy(defs[name]), defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def dify_openapi(app: FastAPI, server_url: str) -> dict[str, Any]:
    """The subset of our OpenAPI document that makes sense as chatbot tools, flattened for Dify."""
    full = app.openapi()
    defs = full.get("components", {}).get("schemas", {})
    paths: dict[str, Any] = {}
    for path, methods in full["paths"].items():
        for method, op in methods.items():
            op_id = op.get("operationId", "")
            if op_id != "ask" and not op_id.startswith("tool_"):
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            flat = _inline(body, defs)
            paths.setdefault(path, {})[method] = {
                "operationId": op_id,
                "summary": op.get("summary", op_id),
                "description": (op.get("description") or op.get("summary") or op_id)[:1000],
                "requestBody": {"required": True, "content": {"application/json": {"schema": flat}}},
                "responses": {"200": {"description": "The answer or the tool's output as JSON.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
                "security": [{"bearer": []}],
            }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ask Lucky", "version": full["info"]["version"],
                 "description": "Ask questions about Luckin Coffee USA's data and run departmental analyses."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@router.get("/v1/dify/openapi.json", summary="OpenAPI document for Dify's custom-tool import.",
            include_in_schema=False)
def dify_openapi_doc(request: Request, settings: SettingsDep) -> dict[str, Any]:
    return dify_openapi(request.app, settings.public_url)


class ExtensionCall(BaseModel):
    point: str = Field(..., description="ping | app.external_data_tool.query | app.moderation.input | "
                                        "app.moderation.output")
    params: dict[str, Any] = Field(default_factory=dict)


@router.post("/v1/dify/extension", summary="Dify API-based extension endpoint.", include_in_schema=False)
def dify_extension(call: ExtensionCall, principal: PrincipalDep, settings: SettingsDep) -> dict[str, Any]:
    if call.point == "ping":
        return {"result": "pong"}
    if call.point == "app.external_data_tool.query":
        question = str(call.params.get("query") or "").strip()
        if not question:
            return {"result": ""}
        answer = answer_question(question, None, principal, settings, surface="dify")
        text = answer.summary or answer.clarification or answer.reason or ""
        if answer.sql and answer.status == "answer":
            text += f"\n\nSQL: {answer.sql}"
        return {"result": mask_text(text)[0]}
    if call.point == "app.moderation.output":
        text, flagged = mask_text(str(call.params.get("text") or ""))
        _audit_moderation(settings, principal, call.point, flagged)
        return {"flagged": flagged, "action": "overridden", "text": text} if flagged else \
            {"flagged": False, "action": "direct_output", "preset_response": ""}
    if call.point == "app.moderation.input":
        inputs = {k: mask_text(str(v))[0] for k, v in (call.params.get("inputs") or {}).items()}
        query, flagged_q = mask_text(str(call.params.get("query") or ""))
        flagged = flagged_q or inputs != (call.params.get("inputs") or {})
        _audit_moderation(settings, principal, call.point, flagged)
        return {"flagged": flagged, "action": "overridden", "inputs": inputs, "query": query} if flagged else \
            {"flagged": False, "action": "direct_output", "preset_response": ""}
    raise ApiError(400, "unknown_point", f"This extension does not handle the point {call.point!r}.")


def _audit_moderation(settings: SettingsDep, principal: PrincipalDep, point: str, flagged: bool) -> None:
    """Record that a moderation check ran and whether it masked anything - not the text, which may hold PII."""
    audit_hook.record(settings, principal, surface="dify", kind="moderation", question=point, sql=None,
                      status="flagged" if flagged else "passed", rules=["pii_masked"] if flagged else [],
                      rows=0, latency_ms=0.0, engine="moderation")


class RetrievalSetting(BaseModel):
    top_k: int = Field(5, ge=1, le=50)
    score_threshold: float = Field(0.0, ge=0.0, le=1.0)


class RetrievalRequest(BaseModel):
    knowledge_id: str
    query: str = Field(..., min_length=1, max_length=2000)
    retrieval_setting: RetrievalSetting = Field(default_factory=RetrievalSetting)


@router.post("/retrieval", summary="Dify External Knowledge API: catalog and metric definitions.",
             include_in_schema=False)
def retrieval(body: RetrievalRequest, principal: PrincipalDep, settings: SettingsDep) -> dict[str, Any]:
    from app.api.knowledge import search

    started = time.perf_counter()
    found, mode = search(settings.data_dir, body.query, body.retrieval_setting.top_k)
    top = max((f.score for f in found), default=1.0) or 1.0
    records = []
    for f in found:
        score = round(f.score / top, 4)  # normalise fused RRF scores to 0..1 for Dify's threshold
        if score < body.retrieval_setting.score_threshold:
            continue
        records.append({"content": f.doc.text, "score": score, "title": f.doc.id,
                        "metadata": {"kind": f.doc.kind, "tables": ",".join(f.doc.tables), "search": mode}})
    audit_hook.record(settings, principal, surface="dify", kind="retrieval", question=body.query, sql=None,
                      status="answer", rules=[], rows=len(records),
                      latency_ms=(time.perf_counter() - started) * 1000, engine=f"catalog-{mode}")
    return {"records": records}
