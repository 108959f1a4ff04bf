"""The pipeline as one list: the error boundary catches what the outer stages raise, and the body
limit holds whatever stage read the body first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx

from apigw_cli.config import Settings
from apigw_cli.gateway.stages.access_log import AccessLogEntry
from apigw_cli.gateway.state import GatewayState
from apigw_cli.loading import build_gateway
from apigw_cli.record.writer import RecordWriter
from tests.helpers import SPECS, running_server


def test_a_stage_outside_the_routes_that_raises_answers_500_json_and_is_logged() -> None:
    # the recorder writes to /dev/full: every write fails with "no space left on device"
    settings = Settings(spec=SPECS / "hello-python.yaml")
    log: list[AccessLogEntry] = []
    state = GatewayState(recorder=RecordWriter(Path("/dev/full")))
    gateway = build_gateway(settings, log.append, state)
    with running_server(gateway, settings) as base:
        response = httpx.get(f"{base}/hello/Ada", timeout=5)
        again = httpx.get(f"{base}/hello/Ada", timeout=5)
    assert (response.status_code, response.json()) == (500, {"message": "Internal server error"})
    assert again.status_code == 500  # the server lives on
    assert [entry.status for entry in log] == [500, 500]
    assert log[0].error is not None and "OSError" in log[0].error


def test_a_recorded_chunked_body_over_the_limit_answers_413_and_is_recorded_so(tmp_path: Path) -> None:
    record = tmp_path / "traffic.jsonl"
    settings = Settings(spec=SPECS / "userapi.yaml", max_body_bytes=1024, record=record)
    gateway = build_gateway(settings, None, GatewayState(recorder=RecordWriter(record)))

    def chunks() -> Iterator[bytes]:  # no Content-Length: only reading the body finds it too large
        for _ in range(64):
            yield b"x" * 100

    with running_server(gateway, settings) as base:
        response = httpx.post(f"{base}/users", content=chunks(), headers={"content-type": "application/json"})
        small = httpx.post(f"{base}/users", json={"name": "Ada", "email": "ada@example.com"})
    assert (response.status_code, response.json()) == (413, {"message": "Request Entity Too Large"})
    assert small.status_code == 201
    first, second = (json.loads(line) for line in record.read_text().splitlines())
    assert first["response"]["status"] == 413
    assert first["request"]["body"] == "x" * 1024  # up to the limit
    assert second["response"]["status"] == 201
