"""Two replicas of the service behind one Slack app, sharing Redis: a retry or a button click may land
on the replica that did not see the original, and must still be handled exactly once / found."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.api.deps import settings_dep
from app.api.main import create_app
from app.settings import Settings
from app.slack.memory import SlackMemory
from tests.slack.standin import SlackStandIn
from tests.slack.test_slack import _button_click, _event, _signed

REDIS_URL = "redis://127.0.0.1:6379/14"

pytestmark = pytest.mark.redis


@pytest.fixture()
def replicas(small_settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient, SlackStandIn]]:
    redis.Redis.from_url(REDIS_URL).ping()  # fail loudly when the server is down
    with SlackStandIn() as standin:
        settings = small_settings.model_copy(update={
            "state_dir": tmp_path, "slack_signing_secret": SecretStr("test-signing-secret"),
            "slack_bot_token": SecretStr("xoxb-test"), "slack_api_url": standin.base_url,
            "rate_limit": "1000/minute", "redis_url": REDIS_URL})
        clients = []
        for _ in range(2):  # two app objects = two replicas: nothing shared but Redis and the state database
            app = create_app()
            app.dependency_overrides[settings_dep] = lambda: settings
            clients.append(TestClient(app))
        with clients[0] as a, clients[1] as b:
            yield a, b, standin


def _post_event(client: TestClient, body: str, retry: bool = False) -> None:
    headers = {**_signed(body), "Content-Type": "application/json"}
    if retry:
        headers |= {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert client.post("/slack/events", content=body, headers=headers).status_code == 200


def test_retry_on_the_other_replica_is_dropped(replicas: tuple[TestClient, TestClient, SlackStandIn]) -> None:
    a, b, standin = replicas
    body = _event("how many orders yesterday", ts="500.1", event_id=f"Ev{uuid.uuid4().hex}")
    _post_event(a, body)
    standin.wait_for("chat.postMessage")
    _post_event(b, body, retry=True)
    fresh = _event("how many orders yesterday", ts="501.1", event_id=f"Ev{uuid.uuid4().hex}")
    _post_event(b, fresh)  # a new event on replica b is answered: b is working, it only dropped the retry
    posts = standin.wait_for("chat.postMessage", 2)
    assert [p["thread_ts"] for p in posts] == ["500.1", "501.1"]


def test_button_click_on_the_other_replica_finds_the_answer(
        replicas: tuple[TestClient, TestClient, SlackStandIn]) -> None:
    a, b, standin = replicas
    body = _event("revenue yesterday", ts="600.1", event_id=f"Ev{uuid.uuid4().hex}")
    _post_event(a, body)
    post = standin.wait_for("chat.postMessage")[0]
    ref = next(blk for blk in post["blocks"] if blk["type"] == "actions")["elements"][0]["value"]
    r = b.post("/slack/events", **_button_click("show_sql", ref, thread_ts="600.1", message_ts="600.2"))
    assert r.status_code == 200
    sql_post = standin.wait_for("chat.postMessage", 2)[1]
    assert "SELECT" in sql_post["text"] and "t_order" in sql_post["text"]


def test_memory_without_redis_is_per_process_and_survives_a_redis_outage() -> None:
    dead = SlackMemory("redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert dead.first_time("E1") is True and dead.first_time("E1") is False
    local = SlackMemory(None)
    assert local.first_time("E1") is True  # separate processes do not share without Redis
