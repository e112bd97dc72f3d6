"""The Slack app over HTTP: signed requests in, exact blocks and files out to a local Slack stand-in."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.api.deps import settings_dep
from app.api.main import create_app
from app.settings import Settings
from tests.slack.standin import SlackStandIn

SECRET = "test-signing-secret"


@pytest.fixture()
def slack(small_settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, SlackStandIn]]:
    with SlackStandIn() as standin:
        settings = small_settings.model_copy(update={
            "state_dir": tmp_path, "slack_signing_secret": SecretStr(SECRET),
            "slack_bot_token": SecretStr("xoxb-test"), "slack_api_url": standin.base_url,
            "slack_users": {"UADMIN": "admin"}, "rate_limit": "1000/minute"})
        app = create_app()
        app.dependency_overrides[settings_dep] = lambda: settings
        with TestClient(app) as client:
            yield client, standin


def _signed(body: str, secret: str = SECRET, ts: int | None = None, **extra: str) -> dict[str, str]:
    ts = ts or int(time.time())
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig, **extra}


def _command(text: str) -> str:
    return urllib.parse.urlencode({"command": "/lucky", "text": text, "user_id": "U1", "channel_id": "C1",
                                   "team_id": "T1", "response_url": "http://127.0.0.1:9/unused",
                                   "trigger_id": "1.2"})


def _event(text: str, ts: str, thread_ts: str | None = None, event_id: str = "Ev1") -> str:
    event: dict[str, Any] = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {text}", "ts": ts,
                             "channel": "C1", "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return json.dumps({"type": "event_callback", "team_id": "T1", "event_id": event_id, "event_time": 1,
                       "event": event, "api_app_id": "A1", "token": "x"})


def _button_click(action_id: str, value: str, thread_ts: str, message_ts: str) -> dict[str, Any]:
    """A signed block_actions request (a button under the answer posted in ``thread_ts``), as post kwargs."""
    payload = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "api_app_id": "A1",
               "channel": {"id": "C1"}, "message": {"ts": message_ts, "thread_ts": thread_ts},
               "actions": [{"action_id": action_id, "value": value, "type": "button"}], "trigger_id": "t",
               "token": "x"}
    form = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return {"content": form, "headers": {**_signed(form), "Content-Type": "application/x-www-form-urlencoded"}}


def test_bad_signature_is_refused(slack: tuple[TestClient, SlackStandIn]) -> None:
    client, standin = slack
    body = _command("orders yesterday")
    r = client.post("/slack/events", content=body, headers={
        **_signed(body, secret="wrong"), "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401
    old = client.post("/slack/events", content=body, headers={
        **_signed(body, ts=int(time.time()) - 3600), "Content-Type": "application/x-www-form-urlencoded"})
    assert old.status_code == 401
    assert standin.of("chat.postMessage") == []


def test_slash_command_acks_then_posts_blocks(slack: tuple[TestClient, SlackStandIn]) -> None:
    client, standin = slack
    body = _command("How many orders did 8th & Broadway do yesterday?")
    started = time.monotonic()
    r = client.post("/slack/events", content=body,
                    headers={**_signed(body), "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and time.monotonic() - started < 3
    assert "Looking into" in r.text
    post = standin.wait_for("chat.postMessage")[0]
    assert post["channel"] == "C1"
    blocks = post["blocks"]
    assert blocks[0]["type"] == "section" and "orders" in blocks[0]["text"]["text"].lower()
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["show_sql", "save_query", "explain"]


def test_mention_thread_follow_up_and_chart_upload(slack: tuple[TestClient, SlackStandIn]) -> None:
    client, standin = slack
    first = _event("daily revenue last week", ts="100.1", event_id="EvA")
    assert client.post("/slack/events", content=first,
                       headers={**_signed(first), "Content-Type": "application/json"}).status_code == 200
    post = standin.wait_for("chat.postMessage")[0]
    assert post["thread_ts"] == "100.1"
    assert any(b["type"] == "table" for b in post["blocks"])
    standin.wait_for("files.completeUploadExternal")
    assert standin.uploads and standin.uploads[0][:8] == b"\x89PNG\r\n\x1a\n"
    follow = _event("break that down by store", ts="100.5", thread_ts="100.1", event_id="EvB")
    client.post("/slack/events", content=follow, headers={**_signed(follow), "Content-Type": "application/json"})
    second = standin.wait_for("chat.postMessage", 2)[1]
    assert second["thread_ts"] == "100.1"
    table = next(b for b in second["blocks"] if b["type"] == "table")
    header = [c["text"] for c in table["rows"][0]]
    assert any("store" in h.lower() or "shop" in h.lower() for h in header)


def test_retried_event_is_processed_once(slack: tuple[TestClient, SlackStandIn]) -> None:
    client, standin = slack
    body = _event("how many orders yesterday", ts="200.1", event_id="EvRetry")
    client.post("/slack/events", content=body, headers={**_signed(body), "Content-Type": "application/json"})
    standin.wait_for("chat.postMessage")
    again = client.post("/slack/events", content=body, headers={
        **_signed(body), "Content-Type": "application/json", "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout"})
    assert again.status_code == 200
    time.sleep(1.0)
    assert len(standin.of("chat.postMessage")) == 1


def test_show_sql_button(slack: tuple[TestClient, SlackStandIn]) -> None:
    client, standin = slack
    body = _event("revenue yesterday", ts="300.1", event_id="EvSql")
    client.post("/slack/events", content=body, headers={**_signed(body), "Content-Type": "application/json"})
    post = standin.wait_for("chat.postMessage")[0]
    ref = next(b for b in post["blocks"] if b["type"] == "actions")["elements"][0]["value"]
    r = client.post("/slack/events", **_button_click("show_sql", ref, thread_ts="300.1", message_ts="300.2"))
    assert r.status_code == 200
    sql_post = standin.wait_for("chat.postMessage", 2)[1]
    assert "SELECT" in sql_post["text"] and "t_order" in sql_post["text"]
