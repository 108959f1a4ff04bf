"""Request head limits (defect 4), slow-client deadlines (5) and a bounded shutdown (6), through
`apigw serve` in a subprocess and raw sockets. Every wait has a deadline; the timeouts are set
small so the tests wait on the server closing, never on a clock."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.hardening.raw import Reader, connect, request
from tests.helpers import REPO, free_port, serve_process, write

SPEC = """
openapi: 3.0.3
info: {title: connection, version: "1"}
x-integration: {type: mock, status: 200}
paths:
  /ping: {get: {responses: {"200": {description: ok}}}}
  /upload:
    post:
      requestBody: {content: {application/octet-stream: {schema: {type: string, format: binary}}}}
      responses: {"200": {description: ok}}
"""
FLAGS = ("--no-reload", "--head-timeout", "1", "--body-timeout", "1", "--keep-alive-timeout", "1")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec = write(tmp_path_factory.mktemp("connection"), "api.yaml", SPEC)
    with serve_process(str(spec), *FLAGS) as base:
        yield base


def _answer(base: str, raw: bytes) -> tuple[int, bytes]:
    sock = connect(base)
    try:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the client finished sending: the answer is already there
        answer = Reader(sock).response()
        return answer.status, answer.body
    finally:
        sock.close()


def test_a_long_request_line_is_414(served: str) -> None:
    assert _answer(served, request("GET", "/ping?" + "a" * 9 * 1024))[0] == 414
    assert _answer(served, request("GET", "/ping?" + "a" * 4 * 1024))[0] == 200


@pytest.mark.parametrize(
    "headers",
    [{"x-big": "v" * 10_241}, {f"x-h{index}": "v" for index in range(20_000)}, {"x-huge": "v" * 8 * 1024 * 1024}],
    ids=["one header over 10240 bytes", "20,000 headers", "an 8 MiB header"],
)
def test_an_oversized_head_is_431_before_any_body_is_read(served: str, headers: dict[str, str]) -> None:
    raw = request("POST", "/upload", {**headers, "content-type": "application/octet-stream"}).replace(
        b"Content-Length: 0", b"Content-Length: 1000000"
    )
    status, body = _answer(served, raw)  # the body is never sent: the answer cannot wait for it
    assert status == 431 and b"message" in body


def test_slow_heads_and_idle_connections_are_closed(served: str) -> None:
    slow = [connect(served) for _ in range(20)]
    idle = connect(served)
    try:
        for sock in slow:
            sock.sendall(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        deadline = time.monotonic() + 20
        open_ = list(slow)
        while open_ and time.monotonic() < deadline:  # a header byte a turn while they stay open
            still = []
            for sock in open_:
                try:
                    sock.sendall(b"a")
                    still.append(sock)
                except OSError:
                    pass
            open_ = still
            time.sleep(0.1)
        assert open_ == [] or all(Reader(sock, timeout=10).closed() for sock in open_)
        assert Reader(idle, timeout=10).closed()  # sent nothing at all
    finally:
        for sock in [*slow, idle]:
            sock.close()


def test_a_slow_body_is_408_and_closed(served: str) -> None:
    sock = connect(served)
    try:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789")
        answer = Reader(sock, timeout=10).response()
        assert answer.status == 408 and answer.header("connection") == "close"
    finally:
        sock.close()


def test_an_idle_keep_alive_connection_is_closed(served: str) -> None:
    sock = connect(served)
    try:
        sock.sendall(request("GET", "/ping"))
        reader = Reader(sock, timeout=10)
        assert reader.response().status == 200
        assert reader.closed()
    finally:
        sock.close()
    assert httpx.get(f"{served}/ping", timeout=10).status_code == 200  # and the server serves on


def test_sigterm_with_a_client_stalled_mid_body_exits_0_within_the_bound(tmp_path: Path) -> None:
    spec = write(tmp_path, "api.yaml", SPEC)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "apigw_cli", "serve", str(spec), "--port", str(port), "--no-reload",
         "--shutdown-timeout", "1", "--body-timeout", "60"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
    )  # fmt: skip
    stalled: socket.socket | None = None
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/ping", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "apigw serve did not start"
                time.sleep(0.1)
        stalled = connect(base)
        stalled.sendall(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nsome")
        time.sleep(0.2)  # let the request reach the app (not a timing assertion: either way it must exit)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
    finally:
        if stalled is not None:
            stalled.close()
        if server.poll() is None:
            server.kill()
            server.wait(5)
