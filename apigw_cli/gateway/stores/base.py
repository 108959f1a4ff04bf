"""The store interface: atomic operations on named state, in memory or in Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence


class Store(Protocol):
    """Atomic operations on named state; an implementation must make each one indivisible."""

    async def take_tokens(self, buckets: Sequence[tuple[str, float, int]], now: float) -> tuple[int, float]:
        """Take one token from each bucket (key, rate a second, burst), all or none, in one step:
        (-1, 0) when taken, else (index of the first empty bucket, seconds until it has one)."""
        ...

    async def take_tokens_and_count(
        self, buckets: Sequence[tuple[str, float, int]], counter: tuple[str, float] | None, now: float
    ) -> tuple[int, float, int]:
        """take_tokens, then, when every token was taken, count on `counter` (key, expires_at), in one
        step (one round trip to a shared store): (failed, wait, the counter's new value or 0)."""
        ...

    async def counted(self, key: str, now: float) -> int:
        """The counter `key` as it stands, without adding to it (0 when unknown or expired)."""
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
