"""Rate limits per API key and per Slack user, with the `limits` library (Redis-backed when configured)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


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
        self._item = parse(rate)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url or "memory://"))

    def hit(self, who: str) -> Decision:
        if self._limiter.hit(self._item, who):
            return Decision(True, 0, self.rate)
        stats = self._limiter.get_window_stats(self._item, who)
        return Decision(False, max(1, int(stats.reset_time - time.time()) + 1), self.rate)


@lru_cache(maxsize=8)
def limiter_for(rate: str, storage_url: str | None) -> RateLimiter:
    return RateLimiter(rate, storage_url)
