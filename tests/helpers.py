"""What every test uses: build a gateway from spec text, call it in-process, run it under a real uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from apigw_cli.config import Settings
from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.inprocess import send_request
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.stages.access_log import AccessLogEntry
from apigw_cli.loading import build_gateway

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def gateway_for(spec: Path, log: list[AccessLogEntry] | None = None, **options: Any) -> Gateway:
    settings = Settings(spec=spec, **options)
    return build_gateway(settings, log.append if log is not None else None)


def call(gateway: Gateway, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request through the gateway's ASGI app, in-process (httpx only encodes the request the
    way a client would: json=, data=, files=, params=, headers=)."""
    request = httpx.Request(method, "http://testserver" + path, **kwargs)
    body = request.read()

    async def send() -> httpx.Response:
        app = GatewayApp(gateway, Settings(spec=gateway.spec_path).max_body_bytes)
        try:
            answer = await send_request(
                app, request.method, request.url.raw_path.decode().split("?", 1)[0], request.url.query.decode(),
                [(name.decode(), value.decode()) for name, value in request.headers.raw], body,
            )  # fmt: skip
        finally:
            await gateway.backend.aclose()  # its connections belong to this call's event loop
        return httpx.Response(answer.status, headers=list(answer.headers), content=answer.body, request=request)

    return asyncio.run(send())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(gateway: Gateway, settings: Settings | None = None, timeout: float = 10) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 and a free port, serving `gateway`; yields its base URL."""
    from apigw_cli.gateway.connection import GatewayProtocol
    from apigw_cli.server import connection_limits

    settings = settings or Settings(spec=gateway.spec_path)
    app = GatewayApp(gateway, settings.max_body_bytes, connection_limits=connection_limits(settings))
    with running_app(app, timeout, http=GatewayProtocol, keep_alive=settings.keep_alive_timeout) as base:
        yield base


@contextlib.contextmanager
def running_app(app: Any, timeout: float = 10, http: Any = "httptools", keep_alive: int = 5) -> Iterator[str]:
    """Any ASGI app (a test backend, the gateway) under uvicorn on 127.0.0.1 and a free port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        http=http,
        proxy_headers=False,
        lifespan="auto",
        access_log=False,
        log_level="warning",
        timeout_keep_alive=keep_alive,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


@contextlib.contextmanager
def serve_process(
    *args: str, env: dict[str, str] | None = None, timeout: float = 20, pids: list[int] | None = None
) -> Iterator[str]:
    """`apigw serve ARGS --port FREE` in a subprocess, until it answers; yields its base URL.
    Its stderr goes to the file named by env["APIGW_TEST_LOG"] when set; its pid is appended to
    `pids` when given."""
    import os
    import subprocess
    import sys

    port = free_port()
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    log_path = environment.get("APIGW_TEST_LOG")
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "apigw_cli", "serve", *args, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env=environment,
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    if pids is not None:
        pids.append(process.pid)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(f"{base}/_apigw/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("apigw serve did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if log_path:
            log.close()  # type: ignore[union-attr]
