"""Swagger 2.0 specs serve like 3.x: basePath, consumes/produces, body and formData parameters,
collectionFormat, definitions, mock bodies from response schemas and per-type examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigw_cli.gateway.snapshot import Gateway
from tests.helpers import call, gateway_for, write

SPEC = """
swagger: "2.0"
info: {title: store, version: "1"}
basePath: /api/
produces: [application/json]
x-integration: {type: mock}
paths:
  /items:
    get:
      parameters:
        - {name: ids, in: query, type: array, items: {type: integer}, collectionFormat: pipes}
        - {name: X-Client, in: header, type: string, required: true, enum: [web, app]}
      responses:
        "200":
          description: items
          schema:
            type: array
            items: {$ref: "#/definitions/Item"}
          examples:
            application/json: [{id: 1, name: from-example}]
    post:
      consumes: [application/json]
      parameters:
        - {name: item, in: body, required: true, schema: {$ref: "#/definitions/Item"}}
      responses:
        "201": {description: created, schema: {$ref: "#/definitions/Item"}}
  /upload:
    post:
      consumes: [multipart/form-data, application/x-www-form-urlencoded]
      parameters:
        - {name: title, in: formData, type: string, required: true, maxLength: 5}
        - {name: file, in: formData, type: file}
      responses:
        "204": {description: stored}
definitions:
  Item:
    type: object
    required: [id, name]
    properties:
      id: {type: integer, minimum: 1}
      name: {type: string}
      price: {type: number, x-nullable: true}
"""


@pytest.fixture
def store(tmp_path: Path) -> Gateway:
    return gateway_for(write(tmp_path, "swagger.yaml", SPEC))


def test_base_path_and_examples_by_media_type(store: Gateway) -> None:
    response = call(store, "GET", "/api/items?ids=1|2", headers={"X-Client": "web"})
    assert response.status_code == 200
    assert response.json() == [{"id": 1, "name": "from-example"}]
    assert call(store, "GET", "/items", headers={"X-Client": "web"}).status_code == 404


def test_non_body_parameters_are_validated_with_their_collection_format(store: Gateway) -> None:
    bad_item = call(store, "GET", "/api/items?ids=1|x", headers={"X-Client": "web"})
    assert bad_item.json()["errors"][0]["path"] == "query.ids/1"
    bad_header = call(store, "GET", "/api/items", headers={"X-Client": "tv"})
    assert bad_header.json()["errors"][0]["path"] == "header.X-Client"


def test_body_parameter_is_the_request_body(store: Gateway) -> None:
    created = call(store, "POST", "/api/items", json={"id": 3, "name": "pen"})
    assert created.status_code == 201
    assert created.json() == {"id": 1, "name": "string", "price": 0.5}  # generated from the definition
    assert call(store, "POST", "/api/items", json={"id": 0, "name": "pen"}).status_code == 400
    assert call(store, "POST", "/api/items").status_code == 400


def test_form_data_parameters_make_a_form_body(store: Gateway) -> None:
    assert call(store, "POST", "/api/upload", data={"title": "memo"}).status_code == 204
    response = call(store, "POST", "/api/upload", data={"title": "too long"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/title"
    # multipart bodies are validated part by part too
    assert call(store, "POST", "/api/upload", files={"file": ("a.txt", b"hello")}).status_code == 400
    sent = call(store, "POST", "/api/upload", data={"title": "memo"}, files={"file": ("a.txt", b"\xffhello")})
    assert sent.status_code == 204
