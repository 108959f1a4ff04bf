"""Replays the WebSocket connections of a recording: each connection alone, in the order it was
opened, its handshake (path, query, headers) and then its messages in order; each message waits
for as many frames as the recording saw come back while it was handled (posts through
@connections, then the route response) and compares them, in order, with the recorded ones.

Outcomes go into the same results as the HTTP exchanges: route `WS $connect` for a handshake (its
status compared), `WS KEY` for a message. Messages other connections posted to a connection are
not expected: a connection replayed alone has no one else talking to it. In-process there is no
server: a handler that calls @connections over HTTP (boto3) needs `--target` and a running gateway.

In-process, the gateway's ASGI app is driven directly (no socket); with --target, over a real
connection (`websockets`)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from apigw_cli.record.diff import Difference, compare_bodies
from apigw_cli.record.format import REDACTED, decode_body
from apigw_cli.record.tally import Outcome, ReplayResults

if TYPE_CHECKING:
    from collections.abc import Iterable, MutableMapping

    from apigw_cli.gateway.asgi import GatewayApp

# not replayed from a recorded handshake: the client makes its own
_HANDSHAKE_HEADERS = frozenset(
    {"host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
     "sec-websocket-accept", "content-length"}
)  # fmt: skip
QUIET = 0.2  # seconds a connection waits, after its last message, for frames nobody expected


@dataclass
class RecordedMessage:
    line: int
    route: str
    frame: str | bytes
    replies: list[bytes]
    recorded_ms: float | None


@dataclass
class RecordedConnection:
    line: int  # its CONNECT line
    path: str
    query: str
    headers: list[tuple[str, str]]
    status: int
    messages: list[RecordedMessage] = field(default_factory=list)


def recorded_connections(records: Iterable[tuple[int, dict[str, Any]]]) -> list[RecordedConnection]:
    """The recording's connections, in the order they opened (a message whose CONNECT line is
    not in the recording is skipped: nothing says how to open its connection)."""
    found: dict[str, RecordedConnection] = {}
    for line, record in records:
        event = record["websocket"]
        connection_id = str(event.get("connectionId"))
        kind = event.get("eventType")
        if kind == "CONNECT":
            headers = [(str(name).lower(), str(value)) for name, value in event.get("headers") or []]
            found[connection_id] = RecordedConnection(
                line,
                str(event.get("path") or "/"),
                str(event.get("query") or ""),
                headers,
                int(event.get("status", 200)),
            )
        elif kind == "MESSAGE" and connection_id in found and isinstance(event.get("message"), dict):
            message = event["message"]
            raw = decode_body(message)
            frame: str | bytes = raw if message.get("encoding") == "base64" else raw.decode("utf-8")
            latency = record.get("latencyMs")
            found[connection_id].messages.append(
                RecordedMessage(
                    line,
                    f"WS {event.get('routeKey') or '(no route)'}",
                    frame,
                    [decode_body(reply) for reply in event.get("replies") or []],
                    float(latency) if isinstance(latency, int | float) else None,
                )
            )
    return list(found.values())


class Channel(Protocol):
    async def send(self, frame: str | bytes) -> None: ...

    async def receive(self, timeout: float) -> bytes | None:
        """The next frame's bytes, or None when none came within `timeout` or the connection ended."""
        ...

    async def close(self) -> None: ...


class Opener(Protocol):
    async def open(self, path: str, query: str, headers: list[tuple[str, str]]) -> Channel | int:
        """A connection, or the status that refused the handshake."""
        ...


async def replay_connections(
    opener: Opener,
    connections: list[RecordedConnection],
    results: ReplayResults,
    timeout: float,
    ignore: tuple[str, ...] = (),
) -> None:
    for connection in connections:
        headers = [
            (name, value) for name, value in connection.headers if name not in _HANDSHAKE_HEADERS and value != REDACTED
        ]
        started = time.perf_counter()
        try:
            opened = await asyncio.wait_for(opener.open(connection.path, connection.query, headers), timeout)
        except Exception as exc:
            results.add(Outcome(connection.line, "WS $connect", error=f"{type(exc).__name__}: {exc}"))
            continue
        status = opened if isinstance(opened, int) else 200
        differences = (Difference("status", connection.status, status),) if status != connection.status else ()
        results.add(Outcome(connection.line, "WS $connect", differences, None, (time.perf_counter() - started) * 1000))
        if isinstance(opened, int):
            continue
        try:
            for message in connection.messages:
                results.add(await _message(opened, message, timeout, ignore))
            if connection.messages:
                extra = await opened.receive(QUIET)
                if extra is not None:  # more than was recorded came back
                    last = connection.messages[-1]
                    difference = Difference("frames after the last message", None, extra.decode("utf-8", "replace"))
                    results.add(Outcome(last.line, last.route, (difference,)))
        finally:
            await opened.close()


async def _message(channel: Channel, message: RecordedMessage, timeout: float, ignore: tuple[str, ...]) -> Outcome:
    started = time.perf_counter()
    await channel.send(message.frame)
    got: list[bytes] = []
    for _ in message.replies:  # a frame more than recorded shows up with the next message, or at the end
        frame = await channel.receive(timeout)
        if frame is None:
            break
        got.append(frame)
    now_ms = (time.perf_counter() - started) * 1000
    differences: list[Difference] = []
    if len(got) != len(message.replies):
        differences.append(Difference("frames", len(message.replies), len(got)))
    for index, (before, after) in enumerate(zip(message.replies, got, strict=False)):
        for difference in compare_bodies(before, after, ignore):
            differences.append(Difference(f"frame {index + 1} {difference.where}", difference.recorded, difference.now))
    return Outcome(message.line, message.route, tuple(differences), message.recorded_ms, now_ms)


class InProcessChannel:
    """Drives the app's websocket scope as a server would, with no socket."""

    def __init__(self, app: GatewayApp, path: str, query: str, headers: list[tuple[str, str]]):
        self._inbound: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbound: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "http_version": "1.1",
            "path": path,
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
            + [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 80),
            "subprotocols": [],
            "extensions": {"websocket.http.response": {}},
        }
        self._task = asyncio.create_task(app(scope, self._inbound.get, self._outbound.put))
        self._inbound.put_nowait({"type": "websocket.connect"})

    async def opened(self, timeout: float) -> int | None:
        """None when accepted, else the refusing status."""
        message = await asyncio.wait_for(self._outbound.get(), timeout)
        if message["type"] == "websocket.accept":
            return None
        if message["type"] == "websocket.http.response.start":
            return int(message["status"])
        return 403

    async def send(self, frame: str | bytes) -> None:
        key = "bytes" if isinstance(frame, bytes) else "text"
        await self._inbound.put({"type": "websocket.receive", key: frame})

    async def receive(self, timeout: float) -> bytes | None:
        try:
            message = await asyncio.wait_for(self._outbound.get(), timeout)
        except TimeoutError:
            return None
        if message["type"] != "websocket.send":
            return None
        text = message.get("text")
        return text.encode("utf-8") if text is not None else bytes(message.get("bytes") or b"")

    async def close(self) -> None:
        await self._inbound.put({"type": "websocket.disconnect", "code": 1000, "reason": ""})
        try:
            await asyncio.wait_for(self._task, 10)
        except (TimeoutError, Exception):
            self._task.cancel()


class InProcessOpener:
    def __init__(self, app: GatewayApp, timeout: float):
        self._app = app
        self._timeout = timeout

    async def open(self, path: str, query: str, headers: list[tuple[str, str]]) -> Channel | int:
        channel = InProcessChannel(self._app, path, query, headers)
        refused = await channel.opened(self._timeout)
        if refused is not None:
            await channel.close()
            return refused
        return channel


class SocketChannel:
    def __init__(self, connection: Any):
        self._connection = connection

    async def send(self, frame: str | bytes) -> None:
        await self._connection.send(frame)

    async def receive(self, timeout: float) -> bytes | None:
        from websockets.exceptions import ConnectionClosed

        try:
            frame = await asyncio.wait_for(self._connection.recv(), timeout)
        except (TimeoutError, ConnectionClosed):
            return None
        return frame.encode("utf-8") if isinstance(frame, str) else bytes(frame)

    async def close(self) -> None:
        await self._connection.close()


class SocketOpener:
    def __init__(self, base_url: str):
        self._base = base_url.rstrip("/").replace("http://", "ws://", 1).replace("https://", "wss://", 1)

    async def open(self, path: str, query: str, headers: list[tuple[str, str]]) -> Channel | int:
        import websockets
        from websockets.exceptions import InvalidStatus

        url = self._base + path + (f"?{query}" if query else "")
        try:
            return SocketChannel(await websockets.connect(url, additional_headers=headers, max_size=None))
        except InvalidStatus as exc:
            return int(exc.response.status_code)
