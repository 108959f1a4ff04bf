"""Declared response headers are mocked (from their example, named examples or Swagger 2.0's
x-example, else generated from their schema), on GET and HEAD, through a real `apigw serve`."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.helpers import serve_process

OAS3 = """openapi: 3.0.3
info: {title: headers, version: "1"}
paths:
  /items:
    get:
      responses:
        "200":
          description: ok
          headers:
            X-Rate-Limit: {schema: {type: integer, minimum: 10}}
            X-Request-Tags: {schema: {type: array, items: {type: string}}, example: [a, b]}
            X-Cached: {schema: {type: boolean}, example: false}
            ETag: {$ref: "#/components/headers/ETag"}
          content:
            application/json:
              schema: {type: object}
components:
  headers:
    ETag:
      schema: {type: string}
      examples: {one: {value: 'W/"1"'}}
"""
SWAGGER = """swagger: "2.0"
info: {title: headers, version: "1"}
paths:
  /items:
    get:
      produces: [application/json]
      responses:
        "200":
          description: ok
          headers:
            X-Total: {type: integer, x-example: 42}
            X-Page: {type: integer, default: 1}
          schema: {type: object}
"""


def test_declared_headers_are_mocked_on_get_and_head(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(OAS3)
    with serve_process(str(spec), "--no-reload") as base:
        for method in ("GET", "HEAD"):
            response = httpx.request(method, f"{base}/items", timeout=10)
            assert response.status_code == 200
            assert response.headers["x-rate-limit"] == "10"  # generated: the schema's minimum
            assert response.headers["x-request-tags"] == "a,b"  # an array in the simple style
            assert response.headers["x-cached"] == "false"
            assert response.headers["etag"] == 'W/"1"'  # a named example, through a $ref
            assert response.headers["content-type"] == "application/json"


def test_swagger_headers_from_x_example_and_default(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(SWAGGER)
    with serve_process(str(spec), "--no-reload") as base:
        response = httpx.get(f"{base}/items", timeout=10)
    assert (response.headers["x-total"], response.headers["x-page"]) == ("42", "1")
