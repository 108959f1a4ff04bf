"""The gateway owns HTTP framing (defects 3, 10, 11) and the forwarded headers (9): what a handler
or backend puts in its answer cannot break the connection, leak a header, or stop the server;
a client cannot claim https. Raw sockets, pipelined requests, a real server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from apigw_cli.config import Settings
from tests.backends.echo import app as echo_app
from tests.hardening.raw import Reader, connect, request
from tests.helpers import gateway_for, running_app, running_server, write

HANDLERS = """
import sys


def lying_length(event, context):
    return {"statusCode": 200, "headers": {"Content-Length": "3"}, "body": "sixteen bytes!!!"}


def chunked(event, context):
    return {"statusCode": 200, "headers": {"Transfer-Encoding": "chunked", "Connection": "close"}, "body": "whole"}


def no_content(event, context):
    return {"statusCode": 204, "body": "a body 204 must not carry"}


def switching(event, context):
    return {"statusCode": 101, "headers": {"Upgrade": "websocket"}, "body": ""}


def bad_name(event, context):
    return {"statusCode": 200, "headers": {"X-Evil\\r\\nSet-Cookie: a": "1"}, "body": "x"}


def exits(event, context):
    sys.exit(3)


def interrupts(event, context):
    raise KeyboardInterrupt


def fine(event, context):
    return {"statusCode": 200, "body": "fine"}
"""


async def leaky(request: Request) -> Response:
    return Response("ok", headers={"connection": "x-internal", "x-internal": "secret", "x-public": "yes"})


BACKEND = Starlette(routes=[Route("/leaky", leaky)])


def spec(backend: str, echo: str) -> str:
    routes = "\n".join(
        f"  /{name}:\n    get:\n      x-integration: {{type: python, handler: 'h.py:{name.replace('-', '_')}'}}\n"
        "      responses: {'200': {description: ok}}"
        for name in ("lying-length", "chunked", "no-content", "switching", "bad-name", "exits", "interrupts", "fine")
    )
    return f"""
openapi: 3.0.3
info: {{title: framing, version: "1"}}
paths:
{routes}
  /leaky:
    get:
      x-integration: {{type: http, url: "{backend}/leaky"}}
      responses: {{'200': {{description: ok}}}}
  /echo:
    get:
      x-integration: {{type: http, url: "{echo}/echo"}}
      responses: {{'200': {{description: ok}}}}
"""


@pytest.fixture(scope="module")
def backends() -> Iterator[tuple[str, str]]:
    with running_app(BACKEND) as leaky_base, running_app(echo_app) as echo:
        yield leaky_base, echo


def _serve(folder: Path, backends: tuple[str, str], **options: object) -> Iterator[str]:
    (folder / "h.py").write_text(HANDLERS)
    path = write(folder, "api.yaml", spec(*backends))
    gateway = gateway_for(path, validate_responses="off", **options)  # type: ignore[arg-type]
    with running_server(gateway, Settings(spec=path, **options)) as base:  # type: ignore[arg-type]
        yield base


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, backends: tuple[str, str]) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("framing"), backends)


def _pipelined(base: str, *paths: str, method: str = "GET") -> list:  # type: ignore[type-arg]
    sock = connect(base)
    try:
        sock.sendall(b"".join(request(method, path) for path in paths))
        reader = Reader(sock)
        return [reader.response(head_only=method == "HEAD") for _ in paths]
    finally:
        sock.close()


def test_a_handler_content_length_is_replaced_by_the_real_one(served: str) -> None:
    lying, after = _pipelined(served, "/lying-length", "/fine")
    assert (lying.status, lying.body, lying.header("content-length")) == (200, b"sixteen bytes!!!", "16")
    assert (after.status, after.body) == (200, b"fine")  # the next response on the connection is intact


def test_a_handler_transfer_encoding_and_connection_are_dropped(served: str) -> None:
    chunked, after = _pipelined(served, "/chunked", "/fine")
    assert chunked.header("transfer-encoding") is None and chunked.header("connection") is None
    assert (chunked.body, after.body) == (b"whole", b"fine")


def test_204_sends_no_body_and_keeps_the_connection_usable(served: str) -> None:
    empty, after = _pipelined(served, "/no-content", "/fine")
    assert (empty.status, empty.header("content-length")) == (204, None)
    assert (after.status, after.body) == (200, b"fine")


def test_head_gets_the_length_and_no_body(served: str) -> None:
    head, after = _pipelined(served, "/fine", "/fine", method="HEAD")
    assert (head.status, head.header("content-length"), head.body) == (200, "4", b"")
    assert after.status == 200


@pytest.mark.parametrize("path", ["/switching", "/bad-name"])
def test_a_status_or_header_http_cannot_carry_is_502(served: str, path: str) -> None:
    broken, after = _pipelined(served, path, "/fine")
    assert broken.status == 502 and json.loads(broken.body) == {"message": "Internal server error"}
    assert broken.header("set-cookie") is None and after.body == b"fine"


@pytest.mark.parametrize("path", ["/exits", "/interrupts"])
def test_sys_exit_or_keyboard_interrupt_in_a_handler_is_a_502_and_the_server_lives(served: str, path: str) -> None:
    response = httpx.get(f"{served}{path}", timeout=10)
    assert response.status_code == 502 and response.json() == {"message": "Internal server error"}
    assert response.headers["content-type"] == "application/json"
    assert httpx.get(f"{served}/fine", timeout=10).text == "fine"


def test_headers_a_backend_lists_in_connection_do_not_reach_the_client(served: str) -> None:
    response = httpx.get(f"{served}/leaky", timeout=10)
    assert response.headers.get("x-internal") is None and response.headers["x-public"] == "yes"


def test_a_client_cannot_claim_https_or_another_port(served: str) -> None:
    claims = {"x-forwarded-proto": "https", "x-forwarded-port": "443", "x-forwarded-for": "10.0.0.9"}
    seen = httpx.get(f"{served}/echo", headers=claims, timeout=10).json()
    headers = {name: value for name, value in seen["headers"]}
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-port"] == served.rsplit(":", 1)[1]
    assert headers["x-forwarded-for"] == "10.0.0.9, 127.0.0.1"  # appended to, as the managed gateway does
    assert [name for name, _ in seen["headers"]].count("x-forwarded-proto") == 1


def test_trust_proxy_passes_a_proxy_forwarded_headers_on(tmp_path: Path, backends: tuple[str, str]) -> None:
    for base in _serve(tmp_path, backends, trust_proxy=True):
        claims = {"x-forwarded-proto": "https", "x-forwarded-port": "443"}
        seen = httpx.get(f"{base}/echo", headers=claims, timeout=10).json()
        headers = {name: value for name, value in seen["headers"]}
        assert (headers["x-forwarded-proto"], headers["x-forwarded-port"]) == ("https", "443")
