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
END = b""  # what a page's queue gets when the server stops


@dataclass(slots=True)
class Captured:
    """One exchange as the stage hands it over: references and numbers only. The page's views of it
    (`summary`, `detail`) are built when a page asks, so an API request pays for none of that."""

    id: str
    time: float
    method: str
    path: str
    query: str
    status: int
    seconds: float
    route: str | None
    integration: str | None
    cache: str | None
    principal: str | None
    error: str | None
    request_headers: list[tuple[str, str]]
    request_body: bytes  # at most the kept size
    request_size: int
    response_headers: list[tuple[str, str]]
    response_body: bytes  # at most the kept size
    response_size: int
    streamed: bool
    seq: int = 0

    def summary(self) -> dict[str, Any]:
        """As the live table lists it."""
        return {
            "seq": self.seq, "id": self.id, "time": self.time, "method": self.method, "path": self.path,
            "query": self.query, "status": self.status, "latencyMs": round(self.seconds * 1000, 3),
            "route": self.route, "integration": self.integration, "cache": self.cache, "principal": self.principal,
            "streamed": self.streamed,
        }  # fmt: skip

    def detail(self, secrets: frozenset[str] | None) -> dict[str, Any]:
        """Whole, headers redacted as the recorder redacts them."""
        from apigw_cli.record.format import headers_of

        return {
            **self.summary(),
            "error": self.error,
            "request": {
                "headers": headers_of(self.request_headers, secrets),
                **_body(self.request_body, self.request_size),
            },
            "response": {
                "headers": headers_of(self.response_headers, secrets),
                **_body(self.response_body, self.response_size),
            },
        }


def _body(kept: bytes, size: int) -> dict[str, Any]:
    try:
        text: str | None = kept.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return {"body": text, "binary": text is None and bool(kept), "size": size, "truncated": size > len(kept)}


@dataclass
class ConsoleFeed:
    history: int = DEFAULT_HISTORY
    exchanges: deque[Captured] = field(default_factory=deque)
    reloads: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=_RELOADS_KEPT))
    _listeners: set[asyncio.Queue[bytes]] = field(default_factory=set)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    closed: bool = False

    def add_exchange(self, exchange: Captured) -> None:
        exchange.seq = next(self._numbers)
        self.exchanges.append(exchange)
        if len(self.exchanges) > self.history:
            self.exchanges.popleft()
        if self._listeners:  # a page is open: it is sent the row now
            self._publish("exchange", exchange.summary())

    def exchange(self, request_id: str) -> Captured | None:
        return next((found for found in reversed(self.exchanges) if found.id == request_id), None)

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
        if self.closed:
            queue.put_nowait(END)
        else:
            self._listeners.add(queue)
        return queue

    def close(self) -> None:
        """The server is stopping: every page's event stream ends (END), new ones at once."""
        self.closed = True
        for queue in list(self._listeners):
            while queue.full():
                queue.get_nowait()
            queue.put_nowait(END)
        self._listeners.clear()

    def forget(self, queue: asyncio.Queue[bytes]) -> None:
        self._listeners.discard(queue)

    def _publish(self, kind: str, data: dict[str, Any]) -> None:
        if not self._listeners:
            return
        event = f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
        for queue in list(self._listeners):
            if not queue.full():
                queue.put_nowait(event)
