"""What the Slack app must remember between requests: event ids already handled, answers behind buttons.

Slack retries an event that was not acknowledged quickly and sends a button click as a new request;
with several replicas either may land on a process that did not see the original. So with Redis
configured both live there (``SET ... NX EX`` makes "first time this event id is seen" atomic across
replicas); without it, or while Redis is unreachable, a bounded in-process memory does the job for
one process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from app.answer import Answer

log = logging.getLogger("lucky.slack")

EVENT_TTL_S = 3600  # Slack retries within minutes; an hour is ample
ANSWER_TTL_S = 24 * 3600  # buttons under an answer keep working for a day
_PREFIX = "lucky:slack:"


class _Recent:
    """A small bounded, time-limited memory for one process."""

    def __init__(self, size: int, ttl_s: float) -> None:
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._size, self._ttl, self._lock = size, ttl_s, threading.Lock()

    def add_if_absent(self, key: str, value: Any) -> bool:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and time.monotonic() - hit[0] <= self._ttl:
                return False
            self._put(key, value)
            return True

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._put(key, value)

    def _put(self, key: str, value: Any) -> None:
        self._items[key] = (time.monotonic(), value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def get(self, key: str) -> Any | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or time.monotonic() - hit[0] > self._ttl:
                return None
            return hit[1]


class SlackMemory:
    """Event de-duplication and stored answers, in Redis when configured, else in this process."""

    def __init__(self, redis_url: str | None) -> None:
        self._events = _Recent(size=10_000, ttl_s=EVENT_TTL_S)
        self._answers = _Recent(size=2_000, ttl_s=ANSWER_TTL_S)
        self._redis: Any = None
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def first_time(self, event_id: str) -> bool:
        """True exactly once per event id (across replicas when Redis is configured)."""
        if self._redis is not None:
            try:
                return bool(self._redis.set(f"{_PREFIX}event:{event_id}", 1, nx=True, ex=EVENT_TTL_S))
            except Exception as err:  # degrade to this process's memory; Redis may come back
                log.warning("Redis unavailable for Slack event de-duplication: %s", type(err).__name__)
        return self._events.add_if_absent(event_id, True)

    def put_answer(self, ref: str, answer: Answer, who: str) -> None:
        self._answers.put(ref, (answer, who))  # also local: a click on this replica needs no round trip
        if self._redis is not None:
            try:
                payload = answer.model_dump_json()
                self._redis.set(f"{_PREFIX}answer:{ref}", f"{who}\n{payload}", ex=ANSWER_TTL_S)
            except Exception as err:
                log.warning("Redis unavailable for Slack answers: %s", type(err).__name__)

    def get_answer(self, ref: str) -> tuple[Answer, str] | None:
        local = self._answers.get(ref)
        if local is not None:
            return local
        if self._redis is None:
            return None
        try:
            raw = self._redis.get(f"{_PREFIX}answer:{ref}")
        except Exception:
            return None
        if raw is None:
            return None
        who, _, payload = raw.decode().partition("\n")
        return Answer.model_validate_json(payload), who
