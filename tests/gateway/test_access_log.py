"""The access log: one entry per request with the managed gateway's fields, as text or JSON lines."""

from __future__ import annotations

import io
import json

from apigw_cli.console import access_log_sink
from apigw_cli.gateway.stages.access_log import AccessLogEntry
from tests.helpers import SPECS, call, gateway_for


def test_one_entry_per_request_with_route_and_latencies() -> None:
    log: list[AccessLogEntry] = []
    gateway = gateway_for(SPECS / "hello-python.yaml", log)
    response = call(gateway, "GET", "/hello/Ada")
    call(gateway, "GET", "/nowhere")
    assert len(log) == 2
    ok, missing = log
    assert ok.request_id == response.headers["x-amzn-requestid"]
    assert (ok.http_method, ok.path, ok.resource_path, ok.status) == ("GET", "/hello/Ada", "/hello/{name}", 200)
    assert ok.integration == "python"
    assert ok.integration_latency_ms is not None and 0 < ok.integration_latency_ms <= ok.latency_ms
    assert ok.response_length == len(response.content)
    assert (missing.status, missing.resource_path, missing.error) == (404, None, "no route matches the path")


def test_json_lines_use_the_context_variable_names() -> None:
    out = io.StringIO()
    entries: list[AccessLogEntry] = []
    gateway = gateway_for(SPECS / "hello-python.yaml", entries)
    call(gateway, "GET", "/hello/x?greeting=Hi")
    access_log_sink(out, "json")(entries[0])
    line = json.loads(out.getvalue())
    assert set(line) >= {
        "requestId", "ip", "requestTime", "httpMethod", "resourcePath", "status", "protocol", "responseLength",
        "latency", "integrationLatency", "requestTimeEpoch",
    }  # fmt: skip
    assert (line["httpMethod"], line["resourcePath"], line["status"]) == ("GET", "/hello/{name}", 200)


def test_text_lines_have_no_colour_off_a_terminal() -> None:
    out = io.StringIO()
    entries: list[AccessLogEntry] = []
    call(gateway_for(SPECS / "hello-python.yaml", entries), "POST", "/hello/x")
    access_log_sink(out, "text")(entries[0])
    text = out.getvalue()
    assert "\x1b[" not in text
    assert "POST   /hello/x 405" in text and "(POST is not declared for /hello/{name})" in text
