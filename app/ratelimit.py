"""Rate limits per API key and per Slack user, with the `limits` library (Redis-backed when configured).

With Redis the limits hold across every worker and replica. If Redis stops answering, limits fall
back to this process's memory (still enforced, per process) instead of failing requests, and Redis
is tried again after ``RETRY_S`` — so a Redis outage degrades the service rather than breaking it,
and it recovers without a restart.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("lucky.ratelimit")

RETRY_S = 5.0
"""After a Redis failure, how long to use the in-process limiter before trying Redis again."""
REDIS_TIMEOUT_S = 0.5
"""Connect and read timeout of the limiter's Redis calls: a hung Redis must not hang every request."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: int
    limit: str

    @property
    def message(self) -> str:
        return (f"Too many requests: the limit is {self.limit.replace('/', ' per ')}. "
                f"Please try again in {self.retry_after_s} s.")


class RateLimiter:
    """A moving-window limiter; the storage is shared by every replica when it is Redis."""

    def __init__(self, rate: str, storage_url: str | None = None) -> None:
        self.rate = rate
        self._item: RateLimitItem = parse(rate)
        self._local = MovingWindowRateLimiter(storage_from_string("memory://"))
        self._shared = MovingWindowRateLimiter(storage_from_string(
            storage_url, wrap_exceptions=True, socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S)) if storage_url and not storage_url.startswith("memory") else None
        self._shared_down_until = 0.0

    @property
    def degraded(self) -> bool:
        """True while a configured Redis is not answering and limits are per process."""
        return self._shared is not None and time.monotonic() < self._shared_down_until

    def hit(self, who: str) -> Decision:
        if self._shared is not None and not self.degraded:
            try:
                return self._decide(self._shared, who)
            except StorageError as err:
                self._shared_down_until = time.monotonic() + RETRY_S
                log.warning("rate-limit storage unavailable (%s); limiting per process for %.0f s",
                            type(err.storage_error).__name__, RETRY_S)
        return self._decide(self._local, who)

    def _decide(self, limiter: MovingWindowRateLimiter, who: str) -> Decision:
        if limiter.hit(self._item, who):
            return Decision(True, 0, self.rate)
        stats = limiter.get_window_stats(self._item, who)
        return Decision(False, max(1, int(stats.reset_time - time.time()) + 1), self.rate)


@lru_cache(maxsize=8)
def limiter_for(rate: str, storage_url: str | None) -> RateLimiter:
    return RateLimiter(rate, storage_url)
