"""Response validation: off, warn (header + log) and strict (502); undeclared statuses are mismatches."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from apigw_cli.gateway.stages.validate_response import MISMATCH_HEADER
from tests.helpers import call, gateway_for, write

SPEC = """
openapi: 3.0.3
info: {title: t, version: "1"}
x-integration: {type: python, handler: "handlers.py:answer", payload: "2.0"}
paths:
  /things/{status}:
    get:
      parameters: [{name: status, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, secret]
                properties:
                  id: {type: integer}
                  secret: {type: string, writeOnly: true}
        "404": {description: none}
"""

HANDLERS = """
import json

def answer(event, context):
    status = int(event["pathParameters"]["status"])
    body = {"id": "not-a-number"} if event.get("queryStringParameters", {}).get("bad") else {"id": 1}
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    write(tmp_path, "handlers.py", HANDLERS)
    return write(tmp_path, "api.yaml", SPEC)


def test_matching_response_passes_untouched(spec: Path) -> None:
    response = call(gateway_for(spec), "GET", "/things/200")
    assert response.status_code == 200
    assert MISMATCH_HEADER not in response.headers
    # `secret` is required but writeOnly: responses need not carry it


def test_warn_mode_names_the_mismatch_in_a_header_and_the_log(spec: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="apigw"):
        response = call(gateway_for(spec), "GET", "/things/200?bad=1")
    assert response.status_code == 200
    assert response.headers[MISMATCH_HEADER] == '/id: "not-a-number" is not of type "integer"'
    assert "response does not match the spec" in caplog.text


def test_undeclared_status_is_a_mismatch(spec: Path) -> None:
    response = call(gateway_for(spec), "GET", "/things/418")
    assert response.status_code == 418
    assert response.headers[MISMATCH_HEADER].startswith("status 418 is not declared for GET /things/{status}")


def test_strict_mode_turns_a_mismatch_into_502(spec: Path) -> None:
    response = call(gateway_for(spec, validate_responses="strict"), "GET", "/things/200?bad=1")
    assert response.status_code == 502
    assert response.json()["message"] == "Response does not match the API spec"
    assert "/id" in response.json()["detail"]


def test_off_mode_checks_nothing(spec: Path) -> None:
    response = call(gateway_for(spec, validate_responses="off"), "GET", "/things/418")
    assert response.status_code == 418
    assert MISMATCH_HEADER not in response.headers


def test_undeclared_content_type_is_a_mismatch(tmp_path: Path) -> None:
    write(
        tmp_path,
        "handlers.py",
        "def answer(event, context):\n    return {'statusCode': 200, 'headers': {'content-type': 'text/html'}, "
        "'body': '<p>'}\n",
    )
    spec = write(tmp_path, "api.yaml", SPEC)
    response = call(gateway_for(spec), "GET", "/things/200")
    assert response.headers[MISMATCH_HEADER] == "Content-Type 'text/html' is not declared for status 200"
