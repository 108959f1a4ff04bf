"""Text bodies through a real `apigw serve`: a `text/plain` body is read as its schema's primitive
type (a count of `42` is the integer 42, `abc` is refused), and a text media type whose schema is
an object is mocked without a false response mismatch (its text form is not something to check)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import serve_process

SPEC = """openapi: 3.0.3
info: {title: text, version: "1"}
paths:
  /count:
    post:
      requestBody:
        required: true
        content: {text/plain: {schema: {type: integer, minimum: 1}}}
      responses:
        "200":
          description: ok
          content: {text/plain: {schema: {type: number}, example: 2.5}}
  /summary:
    get:
      responses:
        "200":
          description: an object as text
          content: {text/plain: {schema: {type: object, properties: {a: {type: string}}}}}
"""
TEXT = {"content-type": "text/plain"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec = tmp_path_factory.mktemp("text") / "api.yaml"
    spec.write_text(SPEC)
    with serve_process(str(spec), "--no-reload", "--validate-responses", "strict") as url:
        yield url


def test_a_text_body_is_read_as_its_schema_type(base: str) -> None:
    taken = httpx.post(f"{base}/count", content="42", headers=TEXT, timeout=10)
    assert taken.status_code == 200 and taken.text == "2.5"  # the number example passes strict checking
    for bad in ("abc", "0"):
        refused = httpx.post(f"{base}/count", content=bad, headers=TEXT, timeout=10)
        assert refused.status_code == 400, bad
        assert refused.json()["message"] == "Invalid request body"


def test_an_object_schema_on_a_text_media_type_is_not_a_mismatch(base: str) -> None:
    answer = httpx.get(f"{base}/summary", timeout=10)
    assert answer.status_code == 200  # strict: a false mismatch would be a 502
    assert answer.headers["content-type"].startswith("text/plain")
    assert "x-apigw-response-mismatch" not in answer.headers
