"""Inputs an attacker sends (defects 2, 7, 8): paths that a backend would resolve to a protected
route, huge values that came back in error bodies and log lines, JSON nested past Python's
recursion limit. Raw sockets where a client library would normalise the request."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from apigw_cli.gateway.stages.access_log import AccessLogEntry
from tests.backends.echo import app as echo_app
from tests.hardening.raw import Reader, connect, request
from tests.helpers import gateway_for, running_app, running_server, write

KEY = "admin-key-0123456789"


def spec(echo: str) -> str:
    return f"""
openapi: 3.0.3
info: {{title: inputs, version: "1"}}
x-gateway: {{apiKeys: [{{name: admin, value: {KEY}}}]}}
components:
  securitySchemes: {{key: {{type: apiKey, in: header, name: x-api-key}}}}
paths:
  /p/admin:
    get:
      security: [{{key: []}}]
      x-integration: {{type: http, url: "{echo}/p/admin"}}
      responses: {{'200': {{description: ok}}}}
  /p/{{proxy+}}:
    get:
      parameters: [{{name: proxy, in: path, required: true, schema: {{type: string}}}}]
      x-integration: {{type: http, url: "{echo}/p/{{proxy+}}"}}
      responses: {{'200': {{description: ok}}}}
  /things:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties: {{count: {{type: integer}}, tags: {{type: array}}}}
      x-integration: {{type: mock, status: 201}}
      responses: {{'201': {{description: made}}}}
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[AccessLogEntry]]]:
    log: list[AccessLogEntry] = []
    with running_app(echo_app) as echo:
        gateway = gateway_for(write(tmp_path_factory.mktemp("inputs"), "api.yaml", spec(echo)), log)
        with running_server(gateway) as base:
            yield base, log


def _raw_get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    sock = connect(base)
    try:
        sock.sendall(request("GET", path, headers))
        answer = Reader(sock).response()
        return answer.status, answer.body
    finally:
        sock.close()


@pytest.mark.parametrize(
    "path",
    ["/p/x/../admin", "/p/./admin", "/p//admin", "/p/x/%2e%2e/admin", "/p/x/%2E./admin", "/p/admin%2F", "/p/admin%5c"],
)
def test_a_path_a_backend_would_resolve_elsewhere_is_refused(
    served: tuple[str, list[AccessLogEntry]], path: str
) -> None:
    base, _ = served
    status, body = _raw_get(base, path)
    assert (status, json.loads(body)) == (400, {"message": "Invalid request path"})


def test_the_protected_route_and_the_greedy_one_still_answer(served: tuple[str, list[AccessLogEntry]]) -> None:
    base, _ = served
    assert _raw_get(base, "/p/admin")[0] == 403
    status, body = _raw_get(base, "/p/admin", {"x-api-key": KEY})
    assert status == 200 and json.loads(body)["path"] == "/p/admin"
    status, body = _raw_get(base, "/p/files/a%20b/c.txt")
    assert status == 200 and json.loads(body)["raw_path"] == "/p/files/a%20b/c.txt"  # passed on as it came


def test_a_huge_bad_value_is_quoted_short_in_the_answer_and_the_log(served: tuple[str, list[AccessLogEntry]]) -> None:
    base, log = served
    huge = "x" * 5_000_000
    response = httpx.post(f"{base}/things", json={"count": huge}, timeout=30)
    assert response.status_code == 400
    assert len(response.content) < 2_000
    error = response.json()["errors"][0]["error"]
    assert error.endswith('(5000002 characters) is not of type "integer"') and len(error) < 250
    entry = next(entry for entry in reversed(log) if entry.path == "/things")
    assert entry.error is not None and len(entry.error) < 1_000


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000])
def test_json_nested_too_deeply_is_a_400(served: tuple[str, list[AccessLogEntry]], body: bytes) -> None:
    base, _ = served
    response = httpx.post(f"{base}/things", content=body, headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request body"
    assert httpx.post(f"{base}/things", json={"count": 1}, timeout=10).status_code == 201
