"""Conversation state: what the previous turn meant, so 'and last week?' can be answered.

One record per conversation id: the last understood intent, its SQL, and - when the engine asked
a clarifying question - the question it could not answer, so that the reply ("I meant 37th &
Broadway") can be read together with it. Kept in Redis with a TTL when ``redis_url`` is set (so
several service processes share conversations), in memory otherwise.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from pydantic import BaseModel, Field

from app.engine.intent import Intent

TTL_S = 6 * 3600


class Turn(BaseModel):
    """The state carried from one turn to the next."""

    question: str = ""
    status: str = ""
    intent: Intent | None = None
    sql: str | None = None
    pending: str | None = Field(None, description="the question a clarification is waiting to complete")
    unknown: list[str] = Field(default_factory=list,
                               description="words of the pending question the clarification asked about")
    columns: list[str] = Field(default_factory=list)


class ConversationStore:
    """In-memory store with expiry; the Redis store below has the same two methods."""

    def __init__(self, ttl_s: int = TTL_S, max_items: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_items = max_items
        self._data: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, conversation_id: str) -> Turn | None:
        with self._lock:
            item = self._data.get(conversation_id)
            if item is None:
                return None
            stamp, raw = item
            if time.monotonic() - stamp > self.ttl_s:
                del self._data[conversation_id]
                return None
        return Turn.model_validate_json(raw)

    def put(self, conversation_id: str, turn: Turn) -> None:
        with self._lock:
            if len(self._data) >= self.max_items:
                oldest = min(self._data, key=lambda k: self._data[k][0])
                del self._data[oldest]
            self._data[conversation_id] = (time.monotonic(), turn.model_dump_json())


class RedisConversationStore:
    def __init__(self, url: str, ttl_s: int = TTL_S) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.ttl_s = ttl_s

    def _key(self, conversation_id: str) -> str:
        return f"lucky:conversation:{conversation_id}"

    def get(self, conversation_id: str) -> Turn | None:
        try:
            raw: Any = self.client.get(self._key(conversation_id))
        except Exception:
            return None
        return None if raw is None else Turn.model_validate(json.loads(raw))

    def put(self, conversation_id: str, turn: Turn) -> None:
        try:
            self.client.set(self._key(conversation_id), turn.model_dump_json(), ex=self.ttl_s)
        except Exception:
            return


def make_store(redis_url: str | None) -> ConversationStore | RedisConversationStore:
    return RedisConversationStore(redis_url) if redis_url else ConversationStore()
