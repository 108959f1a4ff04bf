"""`apigw ws`: a WebSocket client for scripts and for a person at a terminal. It connects, sends the
messages it is given (arguments, or stdin a line a message), prints what comes back a message a
line, and closes once nothing more arrives for `wait` seconds after the last message (or, at a
terminal, when stdin ends). A refused handshake prints its status and body and exits 1."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from apigw_cli.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

DEFAULT_PORT = 8080


@dataclass(frozen=True)
class WsJob:
    url: str
    messages: tuple[str, ...] | None  # None: read stdin
    headers: tuple[tuple[str, str], ...] = ()
    wait: float = 1.0  # seconds of quiet after the last message before closing
    as_json: bool = False
    timeout: float = 10.0  # for the handshake


def ws_url(target: str, port: int = DEFAULT_PORT) -> str:
    """`ws://...` as given; `http(s)://` as `ws(s)://`; a path on the local gateway's port."""
    if target.startswith(("ws://", "wss://")):
        return target
    if target.startswith("http://"):
        return "ws://" + target[len("http://") :]
    if target.startswith("https://"):
        return "wss://" + target[len("https://") :]
    if target.startswith("/"):
        return f"ws://127.0.0.1:{port}{target}"
    raise ConfigError(f"{target!r} is not a ws:// URL or a path such as /ws")


def _line(message: str | bytes, as_json: bool) -> str:
    if as_json:
        if isinstance(message, bytes):
            return json.dumps({"binary": base64.b64encode(message).decode("ascii")})
        try:
            return json.dumps({"message": json.loads(message)}, ensure_ascii=False)
        except ValueError:
            return json.dumps({"text": message}, ensure_ascii=False)
    if isinstance(message, bytes):
        return "(binary, base64) " + base64.b64encode(message).decode("ascii")
    return message


async def run_ws(job: WsJob, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Talk to the server; the exit status: 0 done, 1 refused or failed."""
    import websockets
    from websockets.exceptions import InvalidStatus, InvalidURI

    try:
        connection = await asyncio.wait_for(
            websockets.connect(job.url, additional_headers=list(job.headers), max_size=None), job.timeout
        )
    except InvalidStatus as exc:
        body = exc.response.body.decode("utf-8", "replace") if exc.response.body else ""
        err.write(f"connection refused: HTTP {exc.response.status_code} {body}".rstrip() + "\n")
        return 1
    except InvalidURI as exc:
        err.write(f"{job.url}: {exc}\n")
        return 1
    except (OSError, TimeoutError) as exc:
        err.write(f"cannot connect to {job.url}: {exc or 'no answer within the timeout'}\n")
        return 1
    incoming = _Incoming(out, job.as_json)
    async with connection:
        reader = asyncio.create_task(incoming.read(connection))
        try:
            async for message in _messages(job, stdin):
                if reader.done():
                    break
                await connection.send(message)
            await incoming.quiet(reader, job.wait)
        finally:
            reader.cancel()
    code = connection.protocol.close_rcvd.code if connection.protocol.close_rcvd is not None else None
    if code is not None and code not in (1000, 1005):
        reason = connection.protocol.close_rcvd.reason if connection.protocol.close_rcvd else ""
        err.write(f"closed by the server: {code} {reason}".rstrip() + "\n")
    return 0


async def _messages(job: WsJob, stdin: TextIO) -> AsyncIterator[str]:
    """The job's messages, or stdin's lines as they come (read off the loop: a person may type)."""
    if job.messages is not None:
        for message in job.messages:
            yield message
        return
    for _ in range(10**9):  # bounded by the end of stdin
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return
        text = line.rstrip("\r\n")
        if text:
            yield text


class _Incoming:
    """Prints what the server sends, and knows when it last sent something."""

    def __init__(self, out: TextIO, as_json: bool):
        self._out = out
        self._as_json = as_json
        self._last = 0.0

    async def read(self, connection: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for message in connection:
                self._out.write(_line(message, self._as_json) + "\n")
                self._out.flush()
                self._last = asyncio.get_running_loop().time()
        except ConnectionClosed:
            return

    async def quiet(self, reader: asyncio.Task[None], wait: float) -> None:
        """Until nothing has arrived for `wait` seconds, or the server closed."""
        loop = asyncio.get_running_loop()
        self._last = max(self._last, loop.time())
        for _ in range(1_000_000):  # bounded: each turn waits, the quiet period ends it
            remaining = self._last + wait - loop.time()
            if remaining <= 0 or reader.done():
                return
            await asyncio.wait({reader}, timeout=remaining)
