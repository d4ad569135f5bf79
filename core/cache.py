"""The shared cache, forgiving: Redis, or while Redis fails, this process's memory.

Everything Cadence caches can be recomputed (rendered Markdown, forecasts, calendar feeds,
the API's rate counts, sign-in counts), so an unreachable Redis must cost speed, never a
500. Each operation that fails on Redis is done on a local LocMemCache instead, and a
warning is logged at most once a minute. ``/healthz`` asks ``check()``, which doesn't
forgive, and answers 503 while Redis is down.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# The synchronous operations; Django's async ones (aget, aset...) call these.
FORGIVEN = (
    "add", "get", "set", "touch", "delete", "get_many", "set_many", "delete_many",
    "has_key", "incr", "decr", "clear",
)  # fmt: skip
WARN_EVERY = 60.0  # seconds between two warnings while Redis stays down


class ForgivingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.local = LocMemCache(f"forgiving-{server}", {"OPTIONS": {"MAX_ENTRIES": 5_000}})
        self._warned_at = -WARN_EVERY

    def check(self) -> None:
        """A round trip through Redis itself: raises while it is unreachable."""
        token = str(time.monotonic_ns())
        RedisCache.set(self, "healthz", token, timeout=10)
        if RedisCache.get(self, "healthz") != token:
            raise RuntimeError("Redis did not give back what was written")

    def _forgive(self, name: str, error: RedisError) -> None:
        if time.monotonic() - self._warned_at >= WARN_EVERY:
            self._warned_at = time.monotonic()
            logger.warning("Redis cache failed (%s: %s); using this process's memory", name, error)


def _forgiving(name: str) -> Callable[..., Any]:
    shared = getattr(RedisCache, name)

    def operation(self: ForgivingRedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return shared(self, *args, **kwargs)
        except RedisError as error:
            self._forgive(name, error)
            return getattr(self.local, name)(*args, **kwargs)

    operation.__name__ = name
    operation.__doc__ = shared.__doc__
    return operation


for _name in FORGIVEN:
    setattr(ForgivingRedisCache, _name, _forgiving(_name))
