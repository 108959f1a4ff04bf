"""Request validation: parameters by style with type coercion, bodies, and each error status."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigw_cli.gateway.snapshot import Gateway
from tests.helpers import call, gateway_for, write

SPEC = """
openapi: 3.0.3
info: {title: t, version: "1"}
x-integration: {type: mock}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
    get:
      parameters:
        - {name: verbose, in: query, schema: {type: boolean}}
        - {name: sort, in: query, schema: {type: string, enum: [asc, desc]}}
        - {name: ids, in: query, schema: {type: array, items: {type: integer}}}
        - {name: csv, in: query, explode: false, schema: {type: array, items: {type: number}}}
        - {name: pipes, in: query, style: pipeDelimited, explode: false, schema: {type: array, items: {type: string}}}
        - name: filter
          in: query
          style: deepObject
          schema: {type: object, properties: {min: {type: integer}, name: {type: string}}}
        - {name: X-Trace, in: header, required: true, schema: {type: string, pattern: "^t-"}}
        - {name: session, in: cookie, schema: {type: integer}}
        - name: meta
          in: query
          content:
            application/json:
              schema: {type: object, required: [a], properties: {a: {type: integer}}}
      responses:
        "200": {description: ok, content: {application/json: {example: {ok: true}}}}
  /people:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Person"}
          application/x-www-form-urlencoded:
            schema: {$ref: "#/components/schemas/Person"}
      responses:
        "201": {description: created}
  /notes:
    put:
      requestBody:
        content:
          text/plain:
            schema: {type: string, maxLength: 5}
      responses:
        "204": {description: saved}
components:
  schemas:
    Person:
      type: object
      required: [id, name, age]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        age: {type: integer, minimum: 0, exclusiveMinimum: true}
        nickname: {type: string, nullable: true}
        password: {type: string, writeOnly: true}
"""


@pytest.fixture
def gateway(tmp_path: Path) -> Gateway:
    return gateway_for(write(tmp_path, "api.yaml", SPEC))


TRACE = {"X-Trace": "t-1"}


def errors(response: object) -> list[dict[str, str]]:
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == 400, response.text
    return list(response.json()["errors"])


def test_valid_parameters_of_every_style_pass(gateway: Gateway) -> None:
    query = "verbose=true&sort=asc&ids=1&ids=2&csv=1.5,2&pipes=a|b&filter[min]=3&filter[name]=x"
    response = call(
        gateway, "GET", f"/items/7?{query}&meta=%7B%22a%22%3A1%7D", headers={**TRACE, "Cookie": "session=9"}
    )
    assert response.status_code == 200, response.text


def test_path_parameter_is_coerced_and_checked(gateway: Gateway) -> None:
    assert errors(call(gateway, "GET", "/items/abc", headers=TRACE)) == [
        {"path": "path.id", "error": '"abc" is not of type "integer"'}
    ]
    assert errors(call(gateway, "GET", "/items/0", headers=TRACE))[0]["path"] == "path.id"


def test_required_header_missing(gateway: Gateway) -> None:
    response = call(gateway, "GET", "/items/1")
    assert response.json() == {
        "message": "Invalid request parameters",
        "errors": [{"path": "header.X-Trace", "error": "required parameter is missing"}],
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("verbose=yes", "query.verbose"),
        ("sort=sideways", "query.sort"),
        ("ids=1&ids=x", "query.ids/1"),
        ("csv=1,a", "query.csv/1"),
        ("filter[min]=low", "query.filter/min"),
        ("meta=%7B%7D", "query.meta"),
    ],
)
def test_bad_query_values_name_the_field(gateway: Gateway, query: str, field: str) -> None:
    assert errors(call(gateway, "GET", f"/items/1?{query}", headers=TRACE))[0]["path"] == field


def test_cookie_parameter_is_coerced(gateway: Gateway) -> None:
    response = call(gateway, "GET", "/items/1", headers={**TRACE, "Cookie": "session=abc"})
    assert errors(response)[0]["path"] == "cookie.session"


def test_valid_json_body_passes(gateway: Gateway) -> None:
    assert call(gateway, "POST", "/people", json={"name": "a", "age": 3, "nickname": None}).status_code == 201


def test_body_errors_name_each_field(gateway: Gateway) -> None:
    response = call(gateway, "POST", "/people", json={"name": 5, "age": 0})
    assert response.json()["message"] == "Invalid request body"
    assert {e["path"] for e in errors(response)} == {"/name", "/age"}


def test_invalid_json_is_400(gateway: Gateway) -> None:
    response = call(gateway, "POST", "/people", content=b"{nope", headers={"content-type": "application/json"})
    assert errors(response)[0]["error"].startswith("Invalid JSON")


def test_missing_required_body_is_400(gateway: Gateway) -> None:
    assert errors(call(gateway, "POST", "/people"))[0]["error"] == "request body is required"


def test_undeclared_content_type_is_415(gateway: Gateway) -> None:
    response = call(gateway, "POST", "/people", content=b"<p/>", headers={"content-type": "application/xml"})
    assert response.status_code == 415
    assert response.json()["message"] == "Unsupported Media Type"


def test_form_body_is_coerced_and_validated(gateway: Gateway) -> None:
    assert call(gateway, "POST", "/people", data={"name": "a", "age": "4"}).status_code == 201
    assert errors(call(gateway, "POST", "/people", data={"name": "a", "age": "old"}))[0]["path"] == "/age"


def test_text_body_is_validated_as_a_string(gateway: Gateway) -> None:
    headers = {"content-type": "text/plain"}
    assert call(gateway, "PUT", "/notes", content=b"hi", headers=headers).status_code == 204
    assert errors(call(gateway, "PUT", "/notes", content=b"far too long", headers=headers))[0]["path"] == "/"


def test_body_over_the_limit_is_413(tmp_path: Path) -> None:
    gateway = gateway_for(write(tmp_path, "api.yaml", SPEC), max_body_bytes=100)
    response = call(gateway, "PUT", "/notes", content=b"x" * 101, headers={"content-type": "text/plain"})
    assert response.status_code == 413
    assert response.json() == {"message": "Request Entity Too Large"}


def test_nullable_is_honoured(gateway: Gateway) -> None:
    assert call(gateway, "POST", "/people", json={"name": "a", "age": 1, "nickname": None}).status_code == 201
    assert errors(call(gateway, "POST", "/people", json={"name": None, "age": 1}))[0]["path"] == "/name"


def test_read_only_properties_are_not_required_in_requests(gateway: Gateway) -> None:
    # `id` is required but readOnly: a client creating a person does not send it
    assert call(gateway, "POST", "/people", json={"name": "a", "age": 1}).status_code == 201


def test_openapi_30_boolean_exclusive_minimum(gateway: Gateway) -> None:
    assert errors(call(gateway, "POST", "/people", json={"name": "a", "age": 0}))[0]["path"] == "/age"


def test_openapi_31_full_json_schema(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.1.0
        info: {title: t, version: "1"}
        x-integration: {type: mock}
        paths:
          /pairs:
            post:
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        pair: {type: array, prefixItems: [{type: string}, {type: integer}], items: false}
                        kind: {const: pair}
                        note: {type: [string, "null"]}
                        size: {type: number, exclusiveMinimum: 0}
              responses:
                "204": {description: ok}
        """,
    )
    gateway = gateway_for(spec)
    good = {"pair": ["a", 1], "kind": "pair", "note": None, "size": 0.5}
    assert call(gateway, "POST", "/pairs", json=good).status_code == 204
    for bad in ({"pair": ["a", 1, 2]}, {"kind": "other"}, {"note": 3}, {"size": 0}):
        assert call(gateway, "POST", "/pairs", json=bad).status_code == 400, bad
