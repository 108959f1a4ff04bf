"""CORS from `x-amazon-apigateway-cors`: preflight answers and headers on responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigw_cli.gateway.snapshot import Gateway
from tests.helpers import call, gateway_for, write

SPEC = """
openapi: 3.0.3
info: {title: t, version: "1"}
x-amazon-apigateway-cors:
  allowOrigins: ["https://app.example.com", "https://*.preview.example.com"]
  allowMethods: [GET, POST]
  allowHeaders: [content-type, x-trace]
  exposeHeaders: [x-amzn-requestid]
  maxAge: 600
  allowCredentials: true
x-integration: {type: mock}
paths:
  /things:
    get:
      responses: {"200": {description: ok, content: {application/json: {example: [1]}}}}
"""


@pytest.fixture
def gateway(tmp_path: Path) -> Gateway:
    return gateway_for(write(tmp_path, "api.yaml", SPEC))


def preflight(gateway: Gateway, origin: str, method: str) -> dict[str, str]:
    response = call(
        gateway,
        "OPTIONS",
        "/things",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "x-trace",
        },
    )
    assert response.status_code == 204
    return dict(response.headers)


def test_preflight_from_an_allowed_origin(gateway: Gateway) -> None:
    headers = preflight(gateway, "https://app.example.com", "POST")
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert headers["access-control-allow-methods"] == "GET, POST"
    assert headers["access-control-allow-headers"] == "content-type, x-trace"
    assert headers["access-control-max-age"] == "600"
    assert headers["access-control-allow-credentials"] == "true"


def test_wildcard_subdomain_origins(gateway: Gateway) -> None:
    assert "access-control-allow-origin" in preflight(gateway, "https://pr-7.preview.example.com", "GET")


def test_preflight_from_another_origin_or_method_gets_no_cors_headers(gateway: Gateway) -> None:
    assert "access-control-allow-origin" not in preflight(gateway, "https://evil.example.net", "GET")
    assert "access-control-allow-origin" not in preflight(gateway, "https://app.example.com", "DELETE")


def test_responses_carry_cors_headers_for_allowed_origins_only(gateway: Gateway) -> None:
    allowed = call(gateway, "GET", "/things", headers={"Origin": "https://app.example.com"})
    assert allowed.json() == [1]
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert allowed.headers["access-control-expose-headers"] == "x-amzn-requestid"
    assert allowed.headers["vary"] == "Origin"
    other = call(gateway, "GET", "/things", headers={"Origin": "https://evil.example.net"})
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in call(gateway, "GET", "/things").headers


def test_cors_from_x_gateway(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        SPEC.replace("x-amazon-apigateway-cors:", "x-gateway:\n  cors:")
        .replace("\n  allow", "\n    allow")
        .replace("\n  expose", "\n    expose")
        .replace("\n  maxAge", "\n    maxAge"),
    )
    response = call(gateway_for(spec), "GET", "/things", headers={"Origin": "https://app.example.com"})
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
