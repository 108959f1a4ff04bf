"""The store interface and the clock policies read time from."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to: deterministic tests of rates and quota periods."""

    def __init__(self, start: float = 1_700_000_000.0):
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def set(self, epoch: float) -> None:
        self._now = epoch


class Store(Protocol):
    """Atomic operations on named state; an implementation must make each one indivisible."""

    async def take_tokens(self, buckets: Sequence[tuple[str, float, int]], now: float) -> tuple[int, float]:
        """Take one token from each bucket (key, rate a second, burst), all or none, in one step:
        (-1, 0) when taken, else (index of the first empty bucket, seconds until it has one)."""
        ...

    async def count(self, key: str, expires_at: float, now: float) -> int:
        """Add one to the counter `key` (forgotten after `expires_at`) and return its new value."""
        ...

    async def cache_get(self, key: str, now: float) -> CachedResponse | None:
        """The response cached under `key`, unless it expired."""
        ...

    async def cache_put(self, key: str, response: CachedResponse, now: float) -> None: ...

    async def get_value(self, key: str, now: float) -> bytes | None:
        """A value put with put_value, unless it expired."""
        ...

    async def put_value(self, key: str, value: bytes, expires_at: float, now: float) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class CachedResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    expires_at: float

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


class GatewayState:
    """What outlives a snapshot: the store of buckets and counters, and the clock. The server makes
    one and hands it to every build, so a reload keeps the limits where they were."""

    def __init__(
        self, store: Store | None = None, clock: Clock | None = None, recorder: Any = None, metrics: Any = None
    ):
        from apigw_cli.gateway.stores.memory import MemoryStore

        self.store: Store = store if store is not None else MemoryStore()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.recorder = recorder  # a RecordWriter when serve --record is on
        self.metrics = metrics  # GatewayMetrics of this process; counts survive reloads
