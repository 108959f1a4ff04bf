"""The http integration against a real backend (starlette under uvicorn on a free port)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from apigw_cli.config import Settings
from apigw_cli.errors import SpecError
from apigw_cli.gateway.snapshot import Gateway
from tests.backends.echo import app as echo_app
from tests.helpers import call, free_port, gateway_for, running_app, running_server, write


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    with running_app(echo_app) as base:
        yield base


def spec_for(tmp_path: Path, backend: str, extra_root: str = "") -> Path:
    return write(
        tmp_path,
        "api.yaml",
        f"""
        openapi: 3.0.3
        info: {{title: t, version: "1"}}
        {extra_root}
        paths:
          /users/{{id}}:
            parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
            get:
              x-integration: {{type: http, url: "{backend}/backend/users/{{id}}"}}
              responses: {{default: {{description: any}}}}
            post:
              x-integration: {{type: http, url: "{backend}/backend/users/{{id}}?fixed=1", method: PUT}}
              responses: {{default: {{description: any}}}}
          /files/{{path+}}:
            get:
              x-integration: {{type: http, url: "{backend}/static/{{path+}}"}}
              responses: {{default: {{description: any}}}}
          /fail:
            get:
              x-integration: {{type: http, url: "{backend}/fail"}}
              responses: {{default: {{description: any}}}}
          /slow:
            get:
              x-integration: {{type: http, url: "{backend}/slow", timeout: 0.3}}
              responses: {{default: {{description: any}}}}
          /big:
            get:
              x-integration: {{type: http, url: "{backend}/big"}}
              responses: {{default: {{description: any}}}}
          /gzip:
            get:
              x-integration: {{type: http, url: "{backend}/gzip"}}
              responses: {{default: {{description: any}}}}
          /down:
            get:
              x-integration: {{type: http, url: "http://127.0.0.1:{free_port()}/nothing-listens"}}
              responses: {{default: {{description: any}}}}
        """,
    )


@pytest.fixture
def gateway(tmp_path: Path, backend: str) -> Gateway:
    return gateway_for(spec_for(tmp_path, backend))


def headers_of(seen: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in seen["headers"]:
        out.setdefault(name, []).append(value)
    return out


def test_path_query_body_and_headers_arrive_as_sent(gateway: Gateway, backend: str) -> None:
    response = call(
        gateway,
        "GET",
        "/users/a%20b%2Fc?tag=1&tag=2&q=%C3%A9",
        headers={"x-trace": "t-1", "accept": "application/json"},
    )
    assert response.status_code == 200
    seen = response.json()
    assert seen["method"] == "GET"
    assert seen["raw_path"] == "/backend/users/a%20b%2Fc"
    assert seen["query"] == "tag=1&tag=2&q=%C3%A9"
    headers = headers_of(seen)
    assert headers["x-trace"] == ["t-1"]
    assert headers["host"] == [backend.removeprefix("http://")]
    assert response.headers["x-backend"] == "echo"


def test_body_is_forwarded_and_method_can_be_overridden(gateway: Gateway) -> None:
    payload = bytes(range(256))
    response = call(gateway, "POST", "/users/7", content=payload, headers={"content-type": "application/octet-stream"})
    seen = response.json()
    assert seen["method"] == "PUT"
    assert seen["query"] == "fixed=1"
    assert base64.b64decode(seen["body"]) == payload


def test_greedy_parameter_keeps_its_slashes(gateway: Gateway) -> None:
    assert call(gateway, "GET", "/files/css/site.css").json()["raw_path"] == "/static/css/site.css"


def test_hop_by_hop_headers_are_dropped_both_ways(gateway: Gateway) -> None:
    response = call(
        gateway,
        "GET",
        "/users/1",
        headers={"connection": "x-private", "x-private": "secret", "te": "trailers", "proxy-authorization": "Basic x"},
    )
    headers = headers_of(response.json())
    for dropped in ("x-private", "te", "proxy-authorization"):
        assert dropped not in headers
    assert "keep-alive" not in response.headers


def test_forwarded_for_is_appended(gateway: Gateway) -> None:
    seen = headers_of(call(gateway, "GET", "/users/1", headers={"x-forwarded-for": "203.0.113.7"}).json())
    assert seen["x-forwarded-for"] == ["203.0.113.7, 127.0.0.1"]
    assert seen["x-forwarded-proto"] == ["http"]
    assert headers_of(call(gateway, "GET", "/users/1").json())["x-forwarded-for"] == ["127.0.0.1"]


def test_backend_error_status_is_passed_through(gateway: Gateway) -> None:
    response = call(gateway, "GET", "/fail")
    assert (response.status_code, response.json()) == (500, {"error": "backend broke"})


def test_backend_down_is_502(gateway: Gateway) -> None:
    response = call(gateway, "GET", "/down")
    assert (response.status_code, response.json()) == (502, {"message": "Internal server error"})


def test_slow_backend_is_504_within_the_timeout(gateway: Gateway) -> None:
    response = call(gateway, "GET", "/slow?seconds=3")  # the backend would answer 200 "late" after 3 s
    assert (response.status_code, response.json()) == (504, {"message": "Endpoint request timed out"})


def test_response_over_the_size_limit_is_502_saying_so(tmp_path: Path, backend: str) -> None:
    gateway = gateway_for(spec_for(tmp_path, backend, "x-gateway: {http: {maxResponseBytes: 1000}}"))
    assert call(gateway, "GET", "/big?bytes=1000").status_code == 200
    response = call(gateway, "GET", "/big?bytes=1001")
    assert response.status_code == 502
    assert response.json() == {"message": "Backend response is larger than the 1000-byte limit"}


def test_encoded_bodies_pass_through_with_their_encoding(gateway: Gateway) -> None:
    response = call(gateway, "GET", "/gzip", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json() == {"zipped": True}  # httpx decodes it, so the bytes were gzip
    assert gzip.compress(b"") != b""  # sanity: gzip in use


def test_proxy_environment_variables_are_ignored(tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert call(gateway_for(spec_for(tmp_path, backend)), "GET", "/users/1").status_code == 200
    # and the spec can opt in, which proves the variable would have been used
    opted = gateway_for(spec_for(tmp_path, backend, "x-gateway: {http: {proxyFromEnvironment: true}}"))
    assert call(opted, "GET", "/users/1").status_code == 502


def test_proxying_through_a_real_gateway_server(gateway: Gateway) -> None:
    with running_server(gateway) as base:
        with httpx.Client(base_url=base, timeout=5) as client:
            for index in range(20):
                assert client.get(f"/users/{index}").json()["raw_path"] == f"/backend/users/{index}"
            assert client.get("/fail").status_code == 500


def test_url_placeholder_the_path_lacks_is_a_spec_error(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              x-integration: {type: http, url: "http://127.0.0.1:9/items/{id}"}
              responses: {default: {description: any}}
        """,
    )
    with pytest.raises(SpecError, match=r"url uses \{id\} but the path /a has no such parameter") as caught:
        gateway_for(spec)
    assert caught.value.line == 6


def test_relative_url_is_a_spec_error(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              x-integration: {type: http, url: "/items"}
              responses: {default: {description: any}}
        """,
    )
    with pytest.raises(SpecError, match="must be an absolute http:// or https:// URL"):
        gateway_for(spec)


class DroppingBackend:
    """A raw HTTP/1.1 backend that answers the first request of each connection (keep-alive) and
    closes the connection on the second without answering: a stale keep-alive connection."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DroppingBackend:
        self._thread.start()
        assert self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for index in range(2):
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            except (asyncio.IncompleteReadError, TimeoutError):
                break
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            await reader.readexactly(length)
            self.received.append(head.split(b" ", 1)[0].decode())
            if index == 1:
                break
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
            await writer.drain()
        writer.close()


def test_a_non_idempotent_request_is_not_retried(tmp_path: Path) -> None:
    with DroppingBackend() as backend:
        spec = write(
            tmp_path,
            "api.yaml",
            f"""
            openapi: 3.0.3
            info: {{title: t, version: "1"}}
            paths:
              /orders:
                x-integration: {{type: http, url: "http://127.0.0.1:{backend.port}/orders"}}
                post: {{responses: {{default: {{description: any}}}}}}
                get: {{responses: {{default: {{description: any}}}}}}
            """,
        )
        with running_server(gateway_for(spec)) as base, httpx.Client(base_url=base, timeout=5) as client:
            assert client.post("/orders", content=b"{}").status_code == 200
            # the backend drops the reused connection: the order may have been taken, so no second try
            assert client.post("/orders", content=b"{}").status_code == 502
            assert backend.received == ["POST", "POST"]
            assert client.get("/orders").status_code == 200  # a fresh connection
            # a GET on the stale connection is retried once on a new one (RFC 9112, 9.3.1)
            assert client.get("/orders").status_code == 200
        assert backend.received == ["POST", "POST", "GET", "GET", "GET"]


def test_bodies_nothing_validates_are_streamed_to_the_backend(gateway: Gateway) -> None:
    def chunks() -> Iterator[bytes]:
        for index in range(40):
            yield bytes([index]) * 65536

    with running_server(gateway) as base, httpx.Client(base_url=base, timeout=10) as client:
        streamed = client.post("/users/9", content=chunks(), headers={"content-type": "application/octet-stream"})
        sized = client.post("/users/9", content=b"x" * 1000, headers={"content-type": "application/octet-stream"})
    seen = streamed.json()
    assert base64.b64decode(seen["body"]) == b"".join(chunks())
    # no Content-Length from the client: the gateway forwards it chunked, as it reads it
    assert ["transfer-encoding", "chunked"] in seen["headers"]
    assert ["content-length", "1000"] in sized.json()["headers"]


def test_a_streamed_body_past_the_limit_is_413(tmp_path: Path, backend: str) -> None:
    gateway = gateway_for(spec_for(tmp_path, backend), max_body_bytes=100_000)
    settings = Settings(spec=gateway.spec_path, max_body_bytes=100_000)

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"z" * 10_000

    with running_server(gateway, settings) as base:
        response = httpx.post(f"{base}/users/9", content=chunks(), timeout=10)
    assert (response.status_code, response.json()) == (413, {"message": "Request Entity Too Large"})
