"""The ASGI app under a real uvicorn: bodies streamed past the limit, HEAD, the client address."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from apigw_cli.config import Settings
from apigw_cli.gateway.stages.access_log import AccessLogEntry
from tests.helpers import SPECS, gateway_for, running_server


def test_streamed_body_over_the_limit_is_refused_with_413() -> None:
    settings = Settings(spec=SPECS / "userapi.yaml", max_body_bytes=1024)
    gateway = gateway_for(settings.spec, max_body_bytes=1024)

    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"x" * 100

    with running_server(gateway, settings) as base:
        response = httpx.post(
            f"{base}/users", content=chunks(), headers={"content-type": "application/json"}, timeout=5
        )
        assert response.status_code == 413
        declared = httpx.post(f"{base}/users", content=b"y" * 2048, headers={"content-type": "application/json"})
        assert declared.status_code == 413
        assert declared.json() == {"message": "Request Entity Too Large"}


def test_head_and_get_over_http() -> None:
    with running_server(gateway_for(SPECS / "userapi.yaml")) as base:
        get = httpx.get(f"{base}/users", timeout=5)
        head = httpx.head(f"{base}/users", timeout=5)
    assert get.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(get.content))


def test_forwarded_for_from_loopback_is_not_trusted() -> None:
    log: list[AccessLogEntry] = []
    with running_server(gateway_for(SPECS / "hello-python.yaml", log)) as base:
        response = httpx.get(f"{base}/hello/x", headers={"x-forwarded-for": "203.0.113.9"}, timeout=5)
    assert response.status_code == 200
    assert log[0].ip == "127.0.0.1"
