"""Every tool over HTTP at the edges its schema allows: never a 5xx, always a sentence.

schemathesis' CI run is deterministic and small; the inputs that broke tools before (a date at the
calendar's edge, a day count that pushes a date past year 9999) are cheap to list per field, so
this sweep puts every date field at both ends of the calendar and every number without a bound at
an extreme, one request per tool and direction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.deps import settings_dep
from app.api.main import create_app
from app.api.tool_inputs import api_model
from app.settings import Settings
from app.state import keys
from tools.registry import all_tools

BIG_INT, BIG_FLOAT = 2**53, 1e300


def _alternatives(prop: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in prop.get("anyOf", [prop]) if a.get("type") != "null"]


def _extremes(schema: dict[str, Any], direction: str) -> dict[str, Any]:
    """The numeric fields without a bound in ``direction`` set to an extreme of their type."""
    body: dict[str, Any] = {}
    bound = ("maximum", "exclusiveMaximum") if direction == "high" else ("minimum", "exclusiveMinimum")
    sign = 1 if direction == "high" else -1
    for name, prop in schema.get("properties", {}).items():
        for alt in _alternatives(prop):
            if alt.get("type") in ("integer", "number") and not any(b in alt for b in bound):
                body[name] = sign * (BIG_INT if alt["type"] == "integer" else BIG_FLOAT)
    return body


def _date_fields(schema: dict[str, Any]) -> list[str]:
    return [n for n, p in schema.get("properties", {}).items()
            if any(a.get("format") in ("date", "date-time") for a in _alternatives(p))]


@pytest.fixture(scope="module")
def api(small_settings: Settings,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = small_settings.model_copy(update={
        "state_dir": tmp_path_factory.mktemp("limits"), "rate_limit": "100000/minute",
        "redis_console_urls": None, "redis_url": "redis://127.0.0.1:6379/15"})
    app = create_app()
    app.dependency_overrides[settings_dep] = lambda: settings
    key = keys.create_key(settings.state_database_url, role="analyst", name="limits")
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {key}"}


def _check(client: TestClient, headers: dict[str, str], tool: str, body: dict[str, Any]) -> int:
    r = client.post(f"/v1/tools/{tool}", json=body, headers=headers)
    assert r.status_code < 500, f"{tool} {body}: {r.status_code} {r.text[:300]}"
    if r.status_code >= 400:
        err = r.json()["error"]
        assert err["message"].endswith((".", "?")) and "Traceback" not in err["message"], err
    return r.status_code


@pytest.mark.parametrize("spec", all_tools(), ids=lambda s: s.name)
def test_tool_at_its_edges(api: tuple[TestClient, dict[str, str]], spec: Any) -> None:
    client, headers = api
    schema = api_model(spec).model_json_schema()
    for field in _date_fields(schema):
        for day in ("0001-01-01", "9999-12-31"):
            assert _check(client, headers, spec.name, {field: day}) == 422, (spec.name, field, day)
    for direction in ("high", "low"):
        body = _extremes(schema, direction)
        if body:
            _check(client, headers, spec.name, body)


def test_redis_console_cannot_be_pointed_elsewhere(api: tuple[TestClient, dict[str, str]]) -> None:
    """SSRF: the caller cannot name a Redis host; the server inspects only its configured instances."""
    client, headers = api
    assert "url" not in api_model(next(s for s in all_tools() if s.name == "redis_console")).model_fields
    r = client.post("/v1/tools/redis_console", json={"url": "redis://169.254.169.254:80"}, headers=headers)
    assert r.status_code == 422 and "url" in r.json()["error"]["message"]
    ok = client.post("/v1/tools/redis_console", json={"db": 15, "sample": 10}, headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["headline"]["instance"].startswith("127.0.0.1:6379")
