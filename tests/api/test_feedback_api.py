"""`/v1/feedback`: anyone marks answers; only admins list and decide; an approval reaches retrieval at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.deps import settings_dep
from app.api.main import create_app
from app.settings import Settings
from app.state import audit, keys
from schema_catalog import Catalog, load_catalog
from schema_catalog.index import CatalogIndex

SQL = "SELECT COUNT(*) FROM luckyus_opshop.t_shop_info s WHERE s.test_flag = 0"


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    settings = Settings(state_dir=tmp_path, data_dir=tmp_path / "data", rate_limit="1000/minute")
    app = create_app()
    app.dependency_overrides[settings_dep] = lambda: settings
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, settings


def _auth(settings: Settings, role: str) -> dict[str, str]:
    key = keys.create_key(settings.state_database_url, role=role, name=f"t-{role}")  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {key}"}


def test_anyone_with_a_key_can_mark_an_answer(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    assert client.post("/v1/feedback", json={"question": "q", "verdict": "right"}).status_code == 401
    analyst = _auth(settings, "analyst")
    r = client.post("/v1/feedback", json={"question": "How many real stores?", "verdict": "right", "sql": SQL},
                    headers=analyst)
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["state"] == "pending" and item["user"] == "key:t-analyst" and item["sql"] == SQL and item["id"]
    note = client.post("/v1/feedback", json={"question": "stores?", "verdict": "wrong", "sql": SQL}, headers=analyst)
    assert note.json()["state"] == "noted"  # wrong, no correction: nothing to learn from
    bad = client.post("/v1/feedback", json={"question": "stores?", "verdict": "maybe"}, headers=analyst)
    assert bad.status_code == 422 and "verdict" in bad.json()["error"]["message"]
    last = audit.tail(settings.state_database_url, 2)
    assert [(r["kind"], r["status"], r["who"]) for r in last] == [("feedback", "pending", "key:t-analyst"),
                                                                  ("feedback", "noted", "key:t-analyst")]


def test_only_admins_review_with_a_clear_403(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    analyst = _auth(settings, "analyst")
    fid = client.post("/v1/feedback", json={"question": "q", "verdict": "right", "sql": SQL},
                      headers=analyst).json()["id"]
    for method, path in (("get", "/v1/feedback"), ("post", f"/v1/feedback/{fid}/approve"),
                         ("post", f"/v1/feedback/{fid}/reject")):
        r = client.request(method, path, headers=analyst)
        assert r.status_code == 403, (path, r.text)
        assert r.json() == {"error": {"code": "forbidden", "message": r.json()["error"]["message"]}}
        assert r.json()["error"]["message"].startswith("Only an admin can review feedback")
    admin = _auth(settings, "admin")
    pending = client.get("/v1/feedback", params={"state": "pending"}, headers=admin).json()
    assert [i["id"] for i in pending["items"]] == [fid] and pending["items"][0]["state"] == "pending"


def test_admin_decisions_and_their_errors(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    analyst, admin = _auth(settings, "analyst"), _auth(settings, "admin")

    def submit(question: str, sql: str) -> str:
        body = {"question": question, "verdict": "right", "sql": sql}
        return str(client.post("/v1/feedback", json=body, headers=analyst).json()["id"])

    good, dull, unsafe = submit("real stores", SQL), submit("dull", SQL), submit("clean up", "DROP TABLE x.y")
    ok = client.post(f"/v1/feedback/{good}/approve", headers=admin)
    assert ok.status_code == 200 and ok.json()["state"] == "approved" and ok.json()["decided_by"] == "key:t-admin"
    again = client.post(f"/v1/feedback/{good}/reject", headers=admin)
    assert again.status_code == 409 and "already approved" in again.json()["error"]["message"]
    assert client.post(f"/v1/feedback/{dull}/reject", headers=admin).json()["state"] == "rejected"
    refused = client.post(f"/v1/feedback/{unsafe}/approve", headers=admin)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unsafe_example"
    assert "guardrails" in refused.json()["error"]["message"]
    missing = client.post("/v1/feedback/nope/approve", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    states = {i["id"]: i["state"] for i in client.get("/v1/feedback?state=all", headers=admin).json()["items"]}
    assert states == {good: "approved", dull: "rejected", unsafe: "pending"}
    assert [i["id"] for i in client.get("/v1/feedback?state=approved", headers=admin).json()["items"]] == [good]
    assert audit.tail(settings.state_database_url, 1)[0]["status"] == "rejected"
    assert audit.verify(settings.state_database_url)[0]


def test_an_approval_over_http_is_retrievable_at_once(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    small = Catalog(databases=[load_catalog().database("luckyus_opshop")])
    index = CatalogIndex(settings.data_dir, catalog=small, examples_path=None, golden_dir=None, semantic=False,
                         state_url=settings.state_database_url, chroma_url=None)
    assert index.ensure().built
    question = "how many genuine storefronts do we operate, leaving the test kiosks out"
    fid = client.post("/v1/feedback", json={"question": question, "verdict": "wrong", "sql": "SELECT 1",
                                            "corrected_sql": SQL}, headers=_auth(settings, "analyst")).json()["id"]
    assert all(h.doc.kind != "example" for h in index.search(question, 8).hits)
    assert client.post(f"/v1/feedback/{fid}/approve", headers=_auth(settings, "admin")).status_code == 200
    doc_id = f"example:feedback:feedback-{fid}"
    assert index.collection.get(ids=[doc_id])["ids"] == [doc_id]  # upserted by the approval itself
    top = index.search(question, 8).hits[0]
    assert top.doc.id == doc_id and top.doc.sql == SQL
