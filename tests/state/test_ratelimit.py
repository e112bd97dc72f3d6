"""Rate limits hold per caller, in memory and in Redis."""

from __future__ import annotations

import uuid

import pytest

from app.ratelimit import RateLimiter


@pytest.mark.parametrize("storage", [None, "redis://127.0.0.1:6379/14"])
def test_limit_is_per_caller(storage: str | None) -> None:
    limiter = RateLimiter("3/minute", storage)
    a, b = f"key:{uuid.uuid4()}", f"slack:{uuid.uuid4()}"
    assert [limiter.hit(a).allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(b).allowed is True
    refused = limiter.hit(a)
    assert refused.retry_after_s >= 1
    assert "3 per minute" in refused.message


def test_redis_limit_is_shared_between_instances() -> None:
    who = f"key:{uuid.uuid4()}"
    one, two = RateLimiter("2/minute", "redis://127.0.0.1:6379/14"), RateLimiter("2/minute", "redis://127.0.0.1:6379/14")
    assert one.hit(who).allowed and two.hit(who).allowed
    assert one.hit(who).allowed is False
