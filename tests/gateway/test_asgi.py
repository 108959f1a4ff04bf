"""The ASGI app under a real uvicorn: bodies streamed past the limit, HEAD, the client address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apigw_cli.config import Settings
from apigw_cli.errors import SpecError
from apigw_cli.gateway.stages.access_log import AccessLogEntry
from tests.helpers import SPECS, gateway_for, running_server, write


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


def test_health_answers_under_the_admin_prefix() -> None:
    gateway = gateway_for(SPECS / "hello-python.yaml")
    with running_server(gateway) as base:
        health = httpx.get(f"{base}/_apigw/health", timeout=5)
    assert (health.status_code, health.json()) == (200, {"status": "ok", "operations": 1, "stage": None})


def test_a_spec_path_under_the_admin_prefix_is_refused(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /_apigw/status: {get: {responses: {"200": {description: ok}}}}
        """,
    )
    with pytest.raises(SpecError, match="under the gateway's own prefix /_apigw"):
        gateway_for(spec)
    assert gateway_for(spec, admin_prefix="/_gw").operations
