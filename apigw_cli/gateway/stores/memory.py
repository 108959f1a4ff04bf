"""The default store: state in this process's memory. One event loop serves a process, so each
operation runs to its end without interleaving."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.gateway.stores.base import CachedResponse

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
MAX_VALUES = 100_000  # authorizer answers and the like, oldest out first


class MemoryStore:
    def __init__(self, cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated at)
        self._counters: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        self._cache: OrderedDict[str, CachedResponse] = OrderedDict()  # least recently used first
        self._cache_bytes = cache_bytes
        self._cached = 0
        self._values: OrderedDict[str, tuple[bytes, float]] = OrderedDict()  # key -> (value, expires at)

    async def take_tokens(self, buckets: Sequence[tuple[str, float, int]], now: float) -> tuple[int, float]:
        levels = []
        for key, rate, burst in buckets:
            tokens, updated = self._buckets.get(key, (float(burst), now))
            levels.append(min(float(burst), tokens + max(0.0, now - updated) * rate))
        for index, ((_, rate, _), tokens) in enumerate(zip(buckets, levels, strict=True)):
            if tokens < 1:
                for (key, _, _), level in zip(buckets, levels, strict=True):
                    self._buckets[key] = (level, now)
                return index, (1 - tokens) / rate if rate > 0 else float("inf")
        for (key, _, _), level in zip(buckets, levels, strict=True):
            self._buckets[key] = (level - 1, now)
        return -1, 0.0

    async def take_tokens_and_count(
        self, buckets: Sequence[tuple[str, float, int]], counter: tuple[str, float] | None, now: float
    ) -> tuple[int, float, int]:
        failed, wait = await self.take_tokens(buckets, now)  # neither awaits anything: one step
        if failed >= 0 or counter is None:
            return failed, wait, 0
        return failed, wait, self._count(counter[0], counter[1], now)

    def _count(self, key: str, expires_at: float, now: float) -> int:
        count, expires = self._counters.get(key, (0, expires_at))
        if expires < now:
            count = 0
        self._counters[key] = (count + 1, expires_at)
        if len(self._counters) > 10_000:
            self._forget_expired(now)
        return count + 1

    async def counted(self, key: str, now: float) -> int:
        count, expires = self._counters.get(key, (0, now))
        return 0 if expires < now else count

    def _forget_expired(self, now: float) -> None:
        for key, (_, expires) in list(self._counters.items()):
            if expires < now:
                del self._counters[key]

    async def cache_get(self, key: str, now: float) -> CachedResponse | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        if entry.expires_at <= now:
            self._drop(key)
            return None
        self._cache.move_to_end(key)
        return entry

    async def cache_put(self, key: str, response: CachedResponse, now: float) -> None:
        if key in self._cache:
            self._drop(key)
        self._cache[key] = response
        self._cached += response.size
        while self._cached > self._cache_bytes and self._cache:
            self._drop(next(iter(self._cache)))

    async def get_value(self, key: str, now: float) -> bytes | None:
        found = self._values.get(key)
        if found is None or found[1] <= now:
            self._values.pop(key, None)
            return None
        return found[0]

    async def put_value(self, key: str, value: bytes, expires_at: float, now: float) -> None:
        self._values[key] = (value, expires_at)
        self._values.move_to_end(key)
        while len(self._values) > MAX_VALUES:
            self._values.popitem(last=False)

    def _drop(self, key: str) -> None:
        self._cached -= self._cache.pop(key).size

    async def aclose(self) -> None:
        return None
