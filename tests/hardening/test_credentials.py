"""Defect 16: where the spec requires credentials the gateway cannot verify (HTTP basic, a bearer
scheme with no JWT authorizer, OAuth2, OpenID Connect, an API key in a query string or cookie),
a request without them is 401 with WWW-Authenticate; `--no-auth` turns it off."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.helpers import gateway_for, running_server, write

SPEC = """
openapi: 3.0.3
info: {title: credentials, version: "1"}
x-integration: {type: mock, status: 200}
components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic}
    bearerAuth: {type: http, scheme: bearer}
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: "https://auth.example.com/token", scopes: {}}}}
    oidc: {type: openIdConnect, openIdConnectUrl: "https://auth.example.com/.well-known/openid-configuration"}
    queryKey: {type: apiKey, in: query, name: token}
    cookieKey: {type: apiKey, in: cookie, name: session}
paths:
  /basic: {get: {security: [{basicAuth: []}], responses: {"200": {description: ok}}}}
  /bearer: {get: {security: [{bearerAuth: []}], responses: {"200": {description: ok}}}}
  /oauth: {get: {security: [{oauth: []}], responses: {"200": {description: ok}}}}
  /oidc: {get: {security: [{oidc: []}], responses: {"200": {description: ok}}}}
  /query: {get: {security: [{queryKey: []}], responses: {"200": {description: ok}}}}
  /cookie: {get: {security: [{cookieKey: []}], responses: {"200": {description: ok}}}}
  /either: {get: {security: [{basicAuth: []}, {queryKey: []}], responses: {"200": {description: ok}}}}
  /both: {get: {security: [{basicAuth: [], queryKey: []}], responses: {"200": {description: ok}}}}
  /open: {get: {security: [{}, {basicAuth: []}], responses: {"200": {description: ok}}}}
"""
BASIC = {"authorization": "Basic YWRhOnNlY3JldA=="}
BEARER = {"authorization": "Bearer abc.def"}
CASES = [
    ("/basic", {}, "", 401, 'Basic realm="apigw"'),
    ("/basic", BASIC, "", 200, None),
    ("/basic", BEARER, "", 401, 'Basic realm="apigw"'),  # another scheme is not a basic credential
    ("/bearer", {}, "", 401, 'Bearer realm="apigw"'),
    ("/bearer", BEARER, "", 200, None),
    ("/bearer", {"authorization": "Bearer"}, "", 401, 'Bearer realm="apigw"'),  # the scheme with no token
    ("/oauth", {}, "", 401, 'Bearer realm="apigw"'),
    ("/oauth", BEARER, "", 200, None),
    ("/oidc", BEARER, "", 200, None),
    ("/query", {}, "", 401, None),
    ("/query", {}, "?token=t", 200, None),
    ("/cookie", {"cookie": "session=s1"}, "", 200, None),
    ("/cookie", {"cookie": "other=1"}, "", 401, None),
    ("/either", {}, "?token=t", 200, None),
    ("/either", BASIC, "", 200, None),
    ("/both", BASIC, "", 401, None),
    ("/both", BASIC, "?token=t", 200, None),
    ("/open", {}, "", 200, None),
]


@pytest.mark.parametrize(("path", "headers", "query", "status", "challenge"), CASES)
def test_credentials_must_be_there(
    tmp_path: Path, path: str, headers: dict[str, str], query: str, status: int, challenge: str | None
) -> None:
    with running_server(gateway_for(write(tmp_path, "api.yaml", SPEC))) as base:
        response = httpx.get(f"{base}{path}{query}", headers=headers, timeout=10)
    assert response.status_code == status
    if status == 401:
        message = response.json()["message"]
        assert message.startswith("Unauthorized: send credentials for ")
        assert response.headers.get("www-authenticate") == challenge
        assert response.headers["x-amzn-errortype"] == "UnauthorizedException"


def test_no_auth_turns_the_check_off(tmp_path: Path) -> None:
    gateway = gateway_for(write(tmp_path, "api.yaml", SPEC), no_auth=True)
    with running_server(gateway) as base:
        assert httpx.get(f"{base}/basic", timeout=10).status_code == 200
    notices = "\n".join(gateway_for(tmp_path / "api.yaml").notices)
    assert "security scheme basicAuth: requests must carry its credentials, which are not verified" in notices
