"""The ASGI application: turns ASGI events into a `GatewayRequest`, runs it through the current
snapshot and sends the answer; a WebSocket connection is a session (gateway/websocket/session.py)
that reads the current snapshot at each message. It holds one reference to the snapshot; a reload
swaps it."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.exchange import BodySource, GatewayRequest, GatewayResponse
from apigw_cli.gateway.streaming import StreamAborted

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.types import Receive, Scope, Send

    from apigw_cli.gateway.snapshot import Gateway


class GatewayApp:
    def __init__(
        self,
        gateway: Gateway,
        max_body_bytes: int,
        on_startup: Callable[[GatewayApp], Awaitable[None]] | None = None,
        on_shutdown: Callable[[], Awaitable[None]] | None = None,
        connection_limits: Any = None,
        on_drain: Callable[[], None] | None = None,
    ):
        self.gateway = gateway  # the one reference a reload swaps
        self._max_body_bytes = max_body_bytes
        self._connection_limits = connection_limits  # connection.ConnectionLimits, for the server's protocol
        self._on_startup = on_startup
        self._on_shutdown = on_shutdown
        self._on_drain = on_drain  # the server starts draining (connection.SHUTDOWN_KEY)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            from apigw_cli.gateway.websocket.session import serve_websocket

            await serve_websocket(self._current, scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)

    def _current(self) -> Gateway:
        return self.gateway

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                state = scope.get("state")
                if isinstance(state, dict) and self._connection_limits is not None:
                    state["apigw.connection_limits"] = self._connection_limits  # connection.LIMITS_KEY
                if isinstance(state, dict) and self._on_drain is not None:
                    state["apigw.on_shutdown"] = self._on_drain  # connection.SHUTDOWN_KEY
                await self.gateway.startup()
                if self._on_startup is not None:
                    await self._on_startup(self)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._on_shutdown is not None:
                    await self._on_shutdown()
                await self.gateway.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        gateway = self.gateway  # requests in flight finish on the snapshot they started on
        headers = [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in scope["headers"]]
        client = scope.get("client")
        server = scope.get("server")
        request = GatewayRequest(
            method=scope["method"],
            path=scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"],
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            client_ip=client[0] if client else "127.0.0.1",
            scheme=scope.get("scheme", "http"),
            server_port=server[1] if server and len(server) > 1 else None,
            http_version=scope.get("http_version", "1.1"),
            body_source=BodySource(receive, self._max_body_bytes),
        )
        gateway.in_flight.enter()
        try:
            response = await gateway.handle(request)
            if response.stream is None:
                await send_response(send, response)
            else:
                await send_streamed(send, receive, request, response)
        finally:
            gateway.in_flight.leave()


async def send_response(send: Send, response: GatewayResponse) -> None:
    """The answer as the pipeline framed it (gateway/framing.py: the length is the gateway's)."""
    await send(_start(response))
    await send({"type": "http.response.body", "body": response.body})


async def send_streamed(send: Send, receive: Receive, request: GatewayRequest, response: GatewayResponse) -> None:
    """The prelude, then each chunk as the stream gives it. A client that goes away closes the
    stream; a stream that does not end cleanly leaves the response unfinished, so that the server
    drops the connection and the client cannot take a cut body for a whole one."""
    stream = response.stream
    assert stream is not None
    await send(_start(response))
    gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    source = request.body_source
    watcher = (
        asyncio.ensure_future(_watch_disconnect(receive, gone))
        if source is None or not source.consumed or source.complete
        else None  # the body is still being read by whoever reads it: they see the disconnect
    )

    async def emit(chunk: bytes) -> None:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})

    try:
        await stream.pump(emit, gone)
    except StreamAborted:
        return
    finally:
        if watcher is not None:
            watcher.cancel()
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _watch_disconnect(receive: Receive, gone: asyncio.Future[None]) -> None:
    for _ in range(1 << 62):  # each turn waits for a message; the stream's end cancels it
        message = await receive()
        if message["type"] == "http.disconnect":
            break
    if not gone.done():
        gone.set_result(None)


def _start(response: GatewayResponse) -> dict[str, Any]:
    """The `http.response.start` message of `response`: its status and its headers as bytes."""
    headers = [(name.lower().encode("latin-1"), _header_bytes(value)) for name, value in response.headers]
    return {"type": "http.response.start", "status": response.status, "headers": headers}


def _header_bytes(value: Any) -> bytes:
    text = str(value)
    if "\r" in text or "\n" in text:
        text = text.replace("\r", " ").replace("\n", " ")  # no header injection from a backend
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")
