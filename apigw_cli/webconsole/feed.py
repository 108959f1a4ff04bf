"""What the console page shows that the gateway does not keep otherwise: the last N exchanges (a
bounded ring, redacted as the recorder redacts), the history of reloads and the last refused edit,
and the pages listening for either (server-sent events). One per process; it survives reloads."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apigw_cli.gateway.reload import ReloadResult

DEFAULT_HISTORY = 200  # exchanges kept for the page
_RELOADS_KEPT = 50
_QUEUE_SIZE = 256  # events a slow page may fall behind by; past it, it misses some (it can refetch)


@dataclass
class ConsoleFeed:
    history: int = DEFAULT_HISTORY
    exchanges: deque[dict[str, Any]] = field(default_factory=deque)
    reloads: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=_RELOADS_KEPT))
    _listeners: set[asyncio.Queue[bytes]] = field(default_factory=set)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_exchange(self, exchange: dict[str, Any]) -> None:
        exchange["seq"] = next(self._numbers)
        self.exchanges.append(exchange)
        while len(self.exchanges) > self.history:
            self.exchanges.popleft()
        self._publish("exchange", summary(exchange))

    def exchange(self, request_id: str) -> dict[str, Any] | None:
        return next((found for found in self.exchanges if found["id"] == request_id), None)

    def reloaded(self, result: ReloadResult) -> None:
        self._reload(result, refused=False)

    def failed(self, result: ReloadResult) -> None:
        self._reload(result, refused=True)

    def _reload(self, result: ReloadResult, refused: bool) -> None:
        entry = {
            "time": time.time(),
            "seconds": round(result.seconds, 4),
            "refused": refused,
            "error": result.error,
            "changes": [
                {"kind": change.kind, "route": change.route, "detail": change.detail} for change in result.changes
            ],
        }
        self.reloads.append(entry)
        self._publish("reload", entry)

    def listen(self) -> asyncio.Queue[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue(_QUEUE_SIZE)
        self._listeners.add(queue)
        return queue

    def forget(self, queue: asyncio.Queue[bytes]) -> None:
        self._listeners.discard(queue)

    def _publish(self, kind: str, data: dict[str, Any]) -> None:
        if not self._listeners:
            return
        event = f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
        for queue in list(self._listeners):
            if not queue.full():
                queue.put_nowait(event)


def summary(exchange: dict[str, Any]) -> dict[str, Any]:
    """An exchange as the live table lists it (the details are fetched on a click)."""
    keys = ("seq", "id", "time", "method", "path", "query", "status", "latencyMs", "route", "integration")
    return {key: exchange.get(key) for key in (*keys, "cache", "principal", "streamed")}
