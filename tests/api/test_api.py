"""The REST API end to end on the small dataset: auth, ask, tools, history, charts, errors, audit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.deps import settings_dep
from app.api.main import create_app
from app.settings import Settings
from app.state import audit, keys


@pytest.fixture()
def api(small_settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    settings = small_settings.model_copy(update={"state_dir": tmp_path, "rate_limit": "1000/minute"})
    app = create_app()
    app.dependency_overrides[settings_dep] = lambda: settings
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, settings


def _auth(settings: Settings, role: str = "analyst", shops: tuple[int, ...] = ()) -> dict[str, str]:
    key = keys.create_key(settings.state_database_url, role=role, name=f"t-{role}", shops=shops)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {key}"}


def test_ask_requires_a_key_with_one_error_shape(api: tuple[TestClient, Settings]) -> None:
    client, _ = api
    r = client.post("/v1/ask", json={"question": "how many orders yesterday?"})
    assert r.status_code == 401
    assert set(r.json()) == {"error"} and r.json()["error"]["code"] == "unauthenticated"
    bad = client.post("/v1/ask", json={"question": "x"}, headers={"Authorization": "Bearer lk_notarealkey123456"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_key"


def test_ask_answers_and_is_audited(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    headers = _auth(settings)
    r = client.post("/v1/ask", json={"question": "How many orders did 8th & Broadway do yesterday?"},
                    headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "answer" and body["sql"] and body["conversation_id"]
    trail = audit.tail(settings.state_database_url, 5)
    assert trail[-1]["question"].startswith("How many orders") and trail[-1]["surface"] == "api"
    assert audit.verify(settings.state_database_url)[0]
    conv = client.get(f"/v1/conversations/{body['conversation_id']}", headers=headers)
    assert conv.status_code == 200 and len(conv.json()["turns"]) == 1


def test_invalid_body_is_a_sentence(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    r = client.post("/v1/ask", json={"question": ""}, headers=_auth(settings))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request" and "question" in r.json()["error"]["message"]


def test_rate_limit_gives_429_with_retry_after(small_settings: Settings, tmp_path: Path) -> None:
    settings = small_settings.model_copy(update={"state_dir": tmp_path, "rate_limit": "2/minute"})
    app = create_app()
    app.dependency_overrides[settings_dep] = lambda: settings
    client = TestClient(app)
    headers = _auth(settings)
    codes = [client.get("/v1/tools", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    last = client.get("/v1/tools", headers=headers)
    assert last.json()["error"]["code"] == "rate_limited" and int(last.headers["Retry-After"]) >= 1


def test_saved_query_round_trip(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    headers = _auth(settings)
    created = client.post("/v1/queries", json={"title": "Yesterday", "question": "How many orders yesterday?"},
                          headers=headers)
    assert created.status_code == 201
    qid = created.json()["id"]
    assert client.get(f"/v1/queries/{qid}", headers=headers).json()["title"] == "Yesterday"
    rerun = client.post(f"/v1/queries/{qid}/run", headers=headers)
    assert rerun.status_code == 200 and rerun.json()["status"] in {"answer", "clarify", "refuse"}
    listing = client.get("/v1/queries", headers=headers).json()
    assert any(q["id"] == qid for q in listing["saved"]) and listing["history"]


def test_chart_png_for_a_trend(api: tuple[TestClient, Settings]) -> None:
    client, settings = api
    headers = _auth(settings)
    body = client.post("/v1/ask", json={"question": "daily revenue last week"}, headers=headers).json()
    if not body.get("chart_id"):
        pytest.fail(f"a daily trend should come with a chart: {body.get('status')} {body.get('reason')}")
    png = client.get(f"/v1/charts/{body['chart_id']}.png", headers=headers)
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/v1/charts/nope.png", headers=headers).status_code == 404


def test_unknown_route_and_health(api: tuple[TestClient, Settings]) -> None:
    client, _ = api
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"]["ok"] is True
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert "lucky_requests_total" in client.get("/metrics").text
