"""Defect 12: a sync handler that keeps running past its timeout holds a pool thread; a route
whose calls keep timing out may hold at most half the pool, so the other routes still run."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

import httpx

from apigw_cli.config import Settings
from tests.helpers import gateway_for, running_server, write

HANDLERS = """
import time
from pathlib import Path

RELEASE = Path(__file__).with_name("release")


def stuck(event, context):
    for _ in range(400):  # until the test lets go, 20 s at the most
        if RELEASE.exists():
            break
        time.sleep(0.05)
    return {"statusCode": 200, "body": "late"}


def fast(event, context):
    return {"statusCode": 200, "body": "fast"}
"""
SPEC = """
openapi: 3.0.3
info: {title: starvation, version: "1"}
paths:
  /stuck:
    get:
      x-integration: {type: python, handler: "h.py:stuck", timeout: 0.2}
      responses: {"200": {description: ok}}
  /fast:
    get:
      x-integration: {type: python, handler: "h.py:fast", timeout: 10}
      responses: {"200": {description: ok}}
"""


def test_a_route_that_keeps_timing_out_cannot_take_every_thread(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(HANDLERS)
    spec = write(tmp_path, "api.yaml", SPEC)
    gateway = gateway_for(spec, handler_threads=8)
    try:
        with running_server(gateway, Settings(spec=spec, handler_threads=8)) as base:
            with concurrent.futures.ThreadPoolExecutor(20) as pool:
                answers = list(pool.map(lambda _: httpx.get(f"{base}/stuck", timeout=30), range(40)))
            assert [answer.status_code for answer in answers] == [504] * 40
            # the stuck calls still hold their threads, four of the eight at most: /fast gets one
            fast = httpx.get(f"{base}/fast", timeout=30)
            assert (fast.status_code, fast.text) == (200, "fast")
            stuck = next(route.integration for route in gateway.routes if route.operation.path == "/stuck")
            assert stuck.overrun.running == 4 and stuck.overrun.timed_out >= 4  # type: ignore[attr-defined]
    finally:
        (tmp_path / "release").touch()
