"""`apigw invoke`: one request through the full pipeline in-process, with no server."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from apigw_cli.errors import ConfigError
from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.inprocess import send_request

if TYPE_CHECKING:
    from apigw_cli.config import Settings


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


def invoke(settings: Settings, request: InvokeRequest) -> InvokeResult:
    """Load the spec, send the request through its pipeline, and close what it opened."""
    from apigw_cli.loading import build_gateway

    if not request.path.startswith("/"):
        raise ConfigError(f"path {request.path!r} must start with '/'")
    return asyncio.run(_invoke(GatewayApp(build_gateway(settings), settings.max_body_bytes), request))


async def _invoke(app: GatewayApp, request: InvokeRequest) -> InvokeResult:
    headers = list(request.headers)
    names = {name.lower() for name, _ in headers}
    if "host" not in names:
        headers.append(("host", "localhost"))
    if request.body is not None:
        if "content-type" not in names:
            headers.append(("content-type", "application/json"))
        headers.append(("content-length", str(len(request.body))))
    started = time.perf_counter()
    try:
        answer = await send_request(
            app, request.method, _encoded(request.path), urlencode(request.query), headers, request.body or b""
        )
    finally:
        await app.gateway.aclose()
    elapsed = (time.perf_counter() - started) * 1000
    try:
        reason = HTTPStatus(answer.status).phrase
    except ValueError:
        reason = ""
    return InvokeResult(answer.status, reason, answer.headers, answer.body, elapsed)


def _encoded(path: str) -> str:
    """The path as a client puts it on the wire: characters a URL path cannot hold percent-encoded,
    escapes the user wrote kept."""
    return quote(path, safe="/%:@!$&'()*+,;=~")
