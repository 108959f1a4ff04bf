"""Validation that says yes and no correctly (defects 13-15, 17): the bundled UserAPI bounds its
ids and offsets so the gateway answers 400 where the handler crashed; a JSON null body is a value
that is checked; form fields read as query parameters are; the bundled specs declare the statuses
the gateway and their handlers answer. Through a real server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apigw_cli.config import Settings
from apigw_cli.loading import build_gateway
from tests.helpers import SPECS, gateway_for, running_server, write


@pytest.fixture(scope="module")
def userapi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("users") / "users.db"
    previous = os.environ.get("APIGW_USERS_DB")
    os.environ["APIGW_USERS_DB"] = str(database)
    try:
        with running_server(gateway_for(SPECS / "userapi.yaml")) as base:
            yield base
    finally:
        if previous is None:
            os.environ.pop("APIGW_USERS_DB", None)
        else:
            os.environ["APIGW_USERS_DB"] = previous


@pytest.fixture(scope="module")
def petstore() -> Iterator[str]:
    with running_server(gateway_for(SPECS / "petstore-mock.yaml")) as base:
        yield base


def test_huge_ids_and_offsets_are_400_not_a_crashed_handler(userapi: str) -> None:
    assert httpx.get(f"{userapi}/users/" + "9" * 30, timeout=10).status_code == 400
    assert httpx.get(f"{userapi}/users?offset=" + "9" * 30, timeout=10).status_code == 400
    assert httpx.get(f"{userapi}/users/9223372036854775807", timeout=10).status_code == 404  # the largest id there is
    assert httpx.get(f"{userapi}/users?offset=1000000000", timeout=10).status_code == 200


@pytest.mark.parametrize(("spec", "path"), [("userapi", "/users"), ("petstore", "/pets")])
def test_a_json_null_body_is_checked_like_any_value(spec: str, path: str, request: pytest.FixtureRequest) -> None:
    base = request.getfixturevalue(spec)
    response = httpx.post(f"{base}{path}", content=b"null", headers={"content-type": "application/json"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["errors"][0]["error"] == 'null is not of type "object"'


FORMS = """
openapi: 3.0.3
info: {title: forms, version: "1"}
x-integration: {type: mock, status: 201}
paths:
  /events:
    post:
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [Event]
              properties:
                Event: {type: array, items: {type: string, enum: [completed, failed, ""]}}
                Codes: {type: array, items: {type: integer}}
                Ids: {type: array, items: {type: integer}}
                Note: {type: string}
            encoding:
              Ids: {style: form, explode: false}
      responses: {"201": {description: made}}
"""


def test_form_fields_are_read_as_query_parameters_are(tmp_path: Path) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    with running_server(gateway_for(write(tmp_path, "api.yaml", FORMS))) as base:

        def post(body: str) -> httpx.Response:
            return httpx.post(f"{base}/events", content=body.encode(), headers=form, timeout=10)

        assert post("Event=completed").status_code == 201  # once: a one-item array
        assert post("Event=").status_code == 201  # empty: the one item is ""
        assert post("Event=completed&Event=failed&Codes=1&Codes=2").status_code == 201
        assert post("Event=completed&Ids=1,2,3").status_code == 201  # explode false: split at commas
        bad = post("Event=completed&Codes=x")
        assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "/Codes/0"
        assert post("Event=other").status_code == 400


def _declared(spec: Path) -> dict[str, set[str]]:
    gateway = build_gateway(Settings(spec=spec))
    return {operation.route_key: set(operation.responses) for operation in gateway.operations}


def test_the_bundled_specs_declare_what_the_gateway_answers() -> None:
    users = _declared(SPECS / "userapi.yaml")
    assert {"200", "400", "429"} <= users["GET /users"]
    assert {"201", "400", "409", "413", "415", "429"} <= users["POST /users"]
    assert {"200", "400", "404", "429"} <= users["GET /users/{id}"]
    assert {"204", "400", "404", "429"} <= users["DELETE /users/{id}"]
    pets = _declared(SPECS / "petstore-mock.yaml")
    assert {"201", "400", "413", "415", "429"} <= pets["POST /pets"]
    assert {"200", "400", "404", "429"} <= pets["GET /pets/{petId}"]
    assert json.dumps(sorted(pets)) == json.dumps(["GET /pets", "GET /pets/{petId}", "POST /pets"])
