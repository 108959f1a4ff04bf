"""How replay sends a request: straight into the gateway's ASGI app in-process (no sockets and
no HTTP client in between, so a replay of 100,000 exchanges takes seconds), or with httpx to a
running server."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

from apigw_cli.gateway.asgi import GatewayApp


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]  # names lower-cased
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key == lowered), None)


class Sender(Protocol):
    async def send(self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> Answer: ...

    async def aclose(self) -> None: ...


class InProcessSender:
    """Calls the ASGI app directly, as a server would."""

    def __init__(self, app: GatewayApp):
        self._app = app

    async def send(self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode("latin-1", "replace"),
            "query_string": query.encode("latin-1", "replace"),
            "headers": [(name.encode("latin-1"), value.encode("latin-1", "replace")) for name, value in headers],
            "client": ("127.0.0.1", 0),
            "server": ("replay", 80),
        }
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return pending.pop() if pending else {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self._app(scope, receive, send)
        if "status" not in started:
            raise RuntimeError("the gateway sent no response")
        return Answer(
            started["status"],
            [(name.decode("latin-1"), value.decode("latin-1")) for name, value in started.get("headers", [])],
            b"".join(chunks),
        )

    async def aclose(self) -> None:
        await self._app.gateway.aclose()


class HttpSender:
    """Sends to a running server with httpx, over pooled keep-alive connections."""

    def __init__(self, base_url: str, concurrency: int, timeout: float):
        import httpx

        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            trust_env=False,
            timeout=timeout,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )

    async def send(self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        url = path + (f"?{query}" if query else "")
        response = await self._client.request(method, url, headers=headers, content=body)
        return Answer(
            response.status_code,
            [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in response.headers.raw],
            response.content,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
