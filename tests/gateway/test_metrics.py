"""Metrics at /_apigw/metrics, scraped and parsed with Prometheus's text parser after a known mix
of 2xx, 4xx, 5xx, throttled and cached requests; and summed across two workers."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from apigw_cli.config import Settings
from apigw_cli.gateway.clock import ManualClock
from apigw_cli.gateway.metrics import GatewayMetrics
from apigw_cli.gateway.state import GatewayState
from apigw_cli.gateway.stores.memory import MemoryStore
from apigw_cli.loading import build_gateway
from tests.helpers import SPECS, running_server, serve_process, write

SPEC = """
openapi: 3.0.3
info: {title: metered, version: "1"}
x-integration: {type: mock}
paths:
  /ok:
    get:
      x-throttle: {rate: 0.001, burst: 3}
      x-cache: {ttl: 60}
      responses: {"200": {description: ok}}
  /broken:
    get:
      x-integration: {type: python, handler: "h.py:fail"}
      responses: {default: {description: any}}
"""


def samples(text: str) -> dict[tuple[str, str], float]:
    """(sample name, resource) -> value, for the counters."""
    found: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                key = (sample.name, sample.labels.get("resource", ""))
                found[key] = found.get(key, 0) + sample.value
    return found


def test_a_known_mix_is_counted(tmp_path: Path) -> None:
    write(tmp_path, "h.py", "def fail(event, context):\n    raise RuntimeError('boom')\n")
    state = GatewayState(MemoryStore(), ManualClock(), metrics=GatewayMetrics())
    gateway = build_gateway(Settings(spec=write(tmp_path, "api.yaml", SPEC)), None, state)
    with running_server(gateway) as base, httpx.Client(base_url=base, timeout=5) as client:
        codes = [client.get("/ok").status_code for _ in range(5)]  # 3 pass (1 miss, 2 hits), 2 throttled
        codes += [client.get("/broken").status_code, client.get("/nowhere").status_code]
        text = client.get("/_apigw/metrics").text
    assert codes == [200, 200, 200, 429, 429, 502, 404]
    found = samples(text)
    assert found[("apigw_count_total", "/ok")] == 5
    assert found[("apigw_4xx_error_total", "/ok")] == 2
    assert found[("apigw_throttled_count_total", "/ok")] == 2
    assert found[("apigw_cache_miss_count_total", "/ok")] == 1
    assert found[("apigw_cache_hit_count_total", "/ok")] == 2
    assert found[("apigw_5xx_error_total", "/broken")] == 1
    assert found[("apigw_4xx_error_total", "(none)")] == 1
    assert "apigw_latency_bucket" in text and "apigw_integration_latency_bucket" in text


def test_counts_are_summed_across_workers(tmp_path: Path) -> None:
    with serve_process(str(SPECS / "petstore-mock.yaml"), "--workers", "2", "--no-reload") as base:
        for index in range(40):
            httpx.get(f"{base}/pets/{index}", timeout=5)
        text = httpx.get(f"{base}/_apigw/metrics", timeout=5).text
    assert samples(text)[("apigw_count_total", "/pets/{petId}")] == 40
