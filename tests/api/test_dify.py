"""Dify's three ways of calling us, exercised the way Dify does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.deps import settings_dep
from app.api.main import create_app
from app.settings import Settings
from app.state import keys


@pytest.fixture()
def client(small_settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = small_settings.model_copy(update={"state_dir": tmp_path, "public_url": "https://lucky.example.com"})
    app = create_app()
    app.dependency_overrides[settings_dep] = lambda: settings
    key = keys.create_key(settings.state_database_url, role="analyst", name="dify")
    with TestClient(app) as c:
        yield c, {"Authorization": f"Bearer {key}"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if "$ref" in node else []) + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_openapi_for_dify_is_flat_and_named(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    doc = c.get("/v1/dify/openapi.json").json()
    assert doc["servers"][0]["url"] == "https://lucky.example.com"
    ops = [op for methods in doc["paths"].values() for op in methods.values()]
    ids = {op["operationId"] for op in ops}
    assert "ask" in ids
    assert all(i == "ask" or i.startswith("tool_") for i in ids)
    for op in ops:
        body = op["requestBody"]["content"]["application/json"]["schema"]
        assert _refs(body) == [], op["operationId"]  # Dify resolves only a top-level $ref: none nested
        for name, prop in body.get("properties", {}).items():
            assert prop.get("description"), f"{op['operationId']}.{name} has no description"
    assert json.dumps(doc)  # serialisable as Dify imports it


def test_extension_ping_and_auth(client: tuple[TestClient, dict[str, str]]) -> None:
    c, headers = client
    assert c.post("/v1/dify/extension", json={"point": "ping", "params": {}}, headers=headers).json() == \
        {"result": "pong"}
    assert c.post("/v1/dify/extension", json={"point": "ping", "params": {}}).status_code == 401


def test_external_data_tool_answers(client: tuple[TestClient, dict[str, str]]) -> None:
    c, headers = client
    r = c.post("/v1/dify/extension", headers=headers, json={
        "point": "app.external_data_tool.query",
        "params": {"app_id": "a1", "tool_variable": "lucky", "inputs": {},
                   "query": "How many orders did 8th & Broadway do yesterday?"}})
    assert r.status_code == 200
    assert "orders" in r.json()["result"].lower()


def test_output_moderation_masks_pii(client: tuple[TestClient, dict[str, str]]) -> None:
    c, headers = client
    text = "Call Jane at (212) 555-0147 or jane.doe@example.com about her order."
    r = c.post("/v1/dify/extension", headers=headers,
               json={"point": "app.moderation.output", "params": {"app_id": "a1", "text": text}}).json()
    assert r["flagged"] is True and r["action"] == "overridden"
    assert "555-0147" not in r["text"] and "jane.doe@" not in r["text"] and "0147" in r["text"]
    clean = c.post("/v1/dify/extension", headers=headers,
                   json={"point": "app.moderation.output", "params": {"app_id": "a1", "text": "Revenue $5"}}).json()
    assert clean["flagged"] is False


def test_unknown_point_is_a_sentence(client: tuple[TestClient, dict[str, str]]) -> None:
    c, headers = client
    r = c.post("/v1/dify/extension", headers=headers, json={"point": "app.other", "params": {}})
    assert r.status_code == 400 and "app.other" in r.json()["error"]["message"]


def test_external_knowledge_retrieval(client: tuple[TestClient, dict[str, str]]) -> None:
    c, headers = client
    r = c.post("/retrieval", headers=headers, json={
        "knowledge_id": "lucky-catalog", "query": "which table has payment fees by channel?",
        "retrieval_setting": {"top_k": 3, "score_threshold": 0.1}})
    assert r.status_code == 200, r.text
    records = r.json()["records"]
    assert 1 <= len(records) <= 3
    assert all(rec["metadata"] is not None and 0 <= rec["score"] <= 1 for rec in records)
    assert any("t_channel_fee" in rec["content"] or "t_channel_fee" in rec["title"] for rec in records)


def test_every_dify_call_is_audited_without_the_moderated_text(small_settings: Settings, tmp_path: Path) -> None:
    from app.state.audit import tail, verify

    settings = small_settings.model_copy(update={"state_dir": tmp_path})
    app = create_app()
    app.dependency_overrides[settings_dep] = lambda: settings
    key = keys.create_key(settings.state_database_url, role="analyst", name="dify-audit")
    headers = {"Authorization": f"Bearer {key}"}
    secret_text = "Call Jane at (212) 555-0147 about her order."
    with TestClient(app) as c:
        c.post("/retrieval", headers=headers, json={"knowledge_id": "k", "query": "payment fees by channel",
                                                    "retrieval_setting": {"top_k": 2}})
        c.post("/v1/dify/extension", headers=headers,
               json={"point": "app.moderation.output", "params": {"app_id": "a1", "text": secret_text}})
        c.post("/v1/dify/extension", headers=headers, json={
            "point": "app.external_data_tool.query",
            "params": {"app_id": "a1", "tool_variable": "v", "inputs": {}, "query": "orders yesterday"}})
    records = tail(settings.state_database_url, 10)  # oldest first
    assert [(r["surface"], r["kind"]) for r in records] == [("dify", "retrieval"), ("dify", "moderation"),
                                                             ("dify", "ask")]
    assert records[0]["question"] == "payment fees by channel" and records[0]["rows"] >= 1
    assert records[1]["status"] == "flagged" and "555-0147" not in json.dumps(records, default=str)
    assert len({r["who"] for r in records}) == 1 and "dify-audit" in records[0]["who"]
    assert verify(settings.state_database_url)[0] is True
