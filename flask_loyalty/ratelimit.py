"""Fixed-window rate limits, in memory (one process) or in Redis (several machines)."""

from __future__ import annotations

import math
import threading
import time
import typing as t


class RateLimiter(t.Protocol):
    def hit(self, key: str, limit: int, window: int) -> bool:
        """Count one attempt for ``key``; return ``False`` once ``limit`` attempts
        were made in the current ``window`` seconds."""


class MemoryRateLimiter:
    """Counts in this process only: right for one worker, the default."""

    def __init__(self, now: t.Callable[[], float] = time.time) -> None:
        self._now = now
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window: int) -> bool:
        slot = math.floor(self._now() / window)
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= slot}
            count = self._counts.get((key, slot), 0) + 1
            self._counts[(key, slot)] = count
        return count <= limit


class RedisRateLimiter:
    """Counts in Redis, shared by every worker and machine of the shop."""

    def __init__(self, url: str, now: t.Callable[[], float] = time.time) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._now = now

    def hit(self, key: str, limit: int, window: int) -> bool:
        slot = math.floor(self._now() / window)
        name = f"flask-loyalty:rl:{key}:{slot}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count, _ = pipe.execute()
        return int(count) <= limit


def make_rate_limiter(url: str | None) -> RateLimiter:
    """Return a Redis limiter for a ``redis://`` URL, else an in-memory one."""
    if url:
        return RedisRateLimiter(url)
    return MemoryRateLimiter()
