"""`x-gateway.mock.errorExamples: true`: an invalid request to a mocked operation is answered with
the operation's own 400 (else 422) example; without it, with the gateway's own body."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.helpers import serve_process

SPEC = """openapi: 3.0.3
info: {title: errors, version: "1"}
x-gateway:
  mock: {errorExamples: ERRORS}
paths:
  /users:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses:
        "201":
          description: created
          content: {application/json: {example: {id: 1, name: ada}}}
        "422":
          description: invalid
          content: {application/problem+json: {example: {type: "about:blank", title: Invalid user, status: 422}}}
  /items:
    get:
      parameters: [{name: limit, in: query, schema: {type: integer, maximum: 10}}]
      responses:
        "200": {description: ok, content: {application/json: {example: []}}}
"""


def test_the_specs_own_error_example_when_asked(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.replace("ERRORS", "true"))
    with serve_process(str(spec), "--no-reload") as base:
        invalid = httpx.post(f"{base}/users", json={"nick": "x"}, timeout=10)
        valid = httpx.post(f"{base}/users", json={"name": "ada"}, timeout=10)
        undeclared = httpx.get(f"{base}/items?limit=99", timeout=10)
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    assert invalid.json() == {"type": "about:blank", "title": "Invalid user", "status": 422}
    assert valid.status_code == 201
    assert undeclared.status_code == 400 and undeclared.json()["message"] == "Invalid request parameters"  # no example


def test_the_gateways_own_body_by_default(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC.replace("ERRORS", "false"))
    with serve_process(str(spec), "--no-reload") as base:
        invalid = httpx.post(f"{base}/users", json={"nick": "x"}, timeout=10)
    assert invalid.status_code == 400 and invalid.json()["message"] == "Invalid request body"
