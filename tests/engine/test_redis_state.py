"""Conversation state and the result cache shared through Redis (the local server on 6379)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from app.conversation import RedisConversationStore, Turn
from app.engine.cache import RedisCache
from app.engine.intent import Intent, Period

pytestmark = pytest.mark.redis
URL = "redis://127.0.0.1:6379/15"


def test_turns_round_trip_through_redis() -> None:
    store = RedisConversationStore(URL, ttl_s=30)
    cid = uuid.uuid4().hex
    intent = Intent(metrics=["revenue"], period=Period(start=dt.date(2026, 2, 2), end=dt.date(2026, 2, 8),
                                                        label="last week", grain="week"))
    store.put(cid, Turn(question="revenue last week", status="answer", intent=intent, sql="SELECT 1"))
    got = store.get(cid)
    assert got is not None and got.intent == intent and got.sql == "SELECT 1"
    assert 0 < store.client.ttl(store._key(cid)) <= 30
    assert store.get("no-such-conversation") is None


def test_cached_results_keep_their_types() -> None:
    cache = RedisCache(URL, ttl_s=30)
    key = f"lucky:test:{uuid.uuid4().hex}"
    value = {"columns": ["day", "revenue"], "rows": [[dt.date(2026, 2, 3), Decimal("12.50")]], "truncated": False}
    cache.put(key, value)
    assert cache.get(key) == value


def test_a_dead_redis_degrades_to_a_miss() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0")
    cache.put("k", {"rows": []})
    assert cache.get("k") is None
    assert RedisConversationStore("redis://127.0.0.1:1/0").get("x") is None
