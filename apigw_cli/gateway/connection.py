"""The HTTP/1.1 connection: uvicorn's httptools protocol with the gateway's limits on the request
head and deadlines on slow clients, all answered before the body is read and before the app sees
the request.

- request line (method, target, version) over `max_request_line` bytes: 414;
- the header block over `max_header_bytes` (names and values, the managed gateway's 10,240-byte
  quota on header values by default) or over `max_headers` headers: 431;
- no complete request head within `head_timeout` of the connection opening or the request's first
  byte (slowloris, a connection that sends nothing): 408 if something was sent, then closed;
- a body not complete within `body_timeout` of its head: 408 if no answer was started, then closed;
- idle keep-alive connections close after uvicorn's `timeout_keep_alive`.

The limits reach each connection through the lifespan state (`LIMITS_KEY`), which uvicorn hands
to every connection of the process, so workers get them too. This module imports uvicorn at its
top: only server code imports it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol  # noqa: TID253 - imported by server code only

if TYPE_CHECKING:
    import asyncio

LIMITS_KEY = "apigw.connection_limits"
SHUTDOWN_KEY = "apigw.on_shutdown"  # called when the server starts its drain, before it waits


@dataclass(frozen=True)
class ConnectionLimits:
    max_request_line: int = 8192
    max_header_bytes: int = 10240
    max_headers: int = 100
    head_timeout: float = 10.0
    body_timeout: float = 30.0


_REASONS = {408: "Request Timeout", 414: "URI Too Long", 431: "Request Header Fields Too Large"}


class GatewayProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        found = self.app_state.get(LIMITS_KEY)
        self.limits: ConnectionLimits = found if isinstance(found, ConnectionLimits) else ConnectionLimits()
        self._refused = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._head_started = False
        self._line_bytes = 0
        self._header_bytes = 0
        self._header_count = 0

    def shutdown(self) -> None:
        """The server is draining: endless streams that are the gateway's own (the console page's
        events) end now, so that they do not hold the drain; requests in flight still finish."""
        on_shutdown = self.app_state.get(SHUTDOWN_KEY)
        if callable(on_shutdown):
            on_shutdown()
        super().shutdown()

    # the connection
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head()  # a connection that never sends a byte is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)

    # the parser's callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_started = True
        self._line_bytes = self._header_bytes = self._header_count = 0
        self._arm_head()

    def on_url(self, url: bytes) -> None:
        if self._refused:
            return
        self._line_bytes += len(url)
        if self._line_bytes > self.limits.max_request_line:
            self._refuse(414, f"The request line is over {self.limits.max_request_line} bytes")
            return
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._refused:
            return
        self._header_count += 1
        self._header_bytes += len(name) + len(value)
        if self._header_count > self.limits.max_headers:
            self._refuse(431, f"More than {self.limits.max_headers} headers")
            return
        if self._header_bytes > self.limits.max_header_bytes:
            self._refuse(431, f"The headers are over {self.limits.max_header_bytes} bytes")
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        self._cancel_head()
        self._head_started = False
        super().on_headers_complete()
        if self.cycle is not None and not self._refused:
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_late)

    def on_body(self, body: bytes) -> None:
        if self._refused:
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        super().on_message_complete()

    # deadlines
    def _arm_head(self) -> None:
        self._cancel_head()
        self._head_timer = self.loop.call_later(self.limits.head_timeout, self._head_late)

    def _cancel_head(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _cancel_timers(self) -> None:
        self._cancel_head()
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered: its own deadlines apply (keep-alive waits after it)
        if self._head_started:
            self._refuse(408, f"No complete request head within {self.limits.head_timeout:g} s")
        elif not self.transport.is_closing():
            self.transport.close()

    def _body_late(self) -> None:
        self._body_timer = None
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return
        if cycle.response_started:
            self.transport.close()
            return
        cycle.disconnected = True  # what the app sends from now on is dropped
        self._refuse(408, f"The request body did not arrive within {self.limits.body_timeout:g} s")

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` and close, whatever the parser still holds."""
        self._refused = True
        self._cancel_timers()
        if self.transport.is_closing():
            return
        body = json.dumps({"message": message}).encode()
        head = (
            f"HTTP/1.1 {status} {_REASONS[status]}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self.transport.close()
