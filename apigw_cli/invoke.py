"""`apigw invoke`: one request through the full pipeline in-process, over httpx's ASGI transport."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from apigw_cli.config import Settings
from apigw_cli.errors import ConfigError
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.server import make_app


@dataclass(frozen=True)
class InvokeRequest:
    path: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None


@dataclass(frozen=True)
class InvokeResult:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed_ms: float

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def parse_header(option: str) -> tuple[str, str]:
    name, sep, value = option.partition(":")
    if not sep or not name.strip():
        raise ConfigError(f"header {option!r} must look like 'Name: value'")
    return name.strip(), value.strip()


def parse_query(option: str) -> tuple[str, str]:
    name, sep, value = option.partition("=")
    if not sep or not name:
        raise ConfigError(f"query parameter {option!r} must look like 'name=value'")
    return name, value


def invoke(gateway: Gateway, settings: Settings, request: InvokeRequest) -> InvokeResult:
    return asyncio.run(invoke_async(gateway, settings, request))


async def invoke_async(gateway: Gateway, settings: Settings, request: InvokeRequest) -> InvokeResult:
    import httpx

    if not request.path.startswith("/"):
        raise ConfigError(f"path {request.path!r} must start with '/'")
    headers = list(request.headers)
    if request.body is not None and not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("content-type", "application/json"))
    transport = httpx.ASGITransport(app=make_app(gateway, settings))
    started = time.perf_counter()
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        response = await client.request(
            request.method.upper(),
            request.path,
            headers=headers,
            params=list(request.query) or None,
            content=request.body,
        )
    elapsed = (time.perf_counter() - started) * 1000
    await gateway.aclose()
    return InvokeResult(
        status=response.status_code,
        reason=response.reason_phrase,
        headers=tuple(response.headers.multi_items()),
        body=response.content,
        elapsed_ms=elapsed,
    )
