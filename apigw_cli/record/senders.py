"""How replay sends a request: straight into the gateway's ASGI app in-process (no sockets and
no HTTP client in between, so a replay of 100,000 exchanges takes seconds), or with httpx to a
running server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from apigw_cli.gateway.inprocess import Answer, send_request

if TYPE_CHECKING:
    from apigw_cli.gateway.asgi import GatewayApp


class Sender(Protocol):
    async def send(self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> Answer: ...

    async def aclose(self) -> None: ...


class InProcessSender:
    """Calls the ASGI app directly, as a server would."""

    def __init__(self, app: GatewayApp):
        self.app = app

    async def send(self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        return await send_request(self.app, method, path, query, headers, body)

    async def aclose(self) -> None:
        await self.app.gateway.aclose()


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
            tuple((name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in response.headers.raw),
            response.content,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
