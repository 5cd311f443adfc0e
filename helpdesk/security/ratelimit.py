"""Rate limits: a token bucket per socket, and a fixed window per client address."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.core.cache import cache


@dataclass
class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up. Pure; the clock is injectable."""

    rate: float
    burst: int
    tokens: float = field(default=-1.0)
    updated: float = field(default=0.0)

    def allow(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self.tokens < 0:
            self.tokens, self.updated = float(self.burst), now
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def window_allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """At most `limit` hits per `window_seconds` for `key`, shared by every process through the
    cache (Redis in production)."""
    bucket = f"rl:{key}:{int(time.time() // window_seconds)}"
    # add() then incr(): add is atomic, so the first hit of a window cannot be lost to a race.
    if cache.add(bucket, 1, timeout=window_seconds + 1):
        return True
    try:
        return cache.incr(bucket) <= limit
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window_seconds + 1)
        return True
