"""Bodies the mock server takes and refuses, through a real `apigw serve`: a body sent to an
operation that declares none is 415; Swagger 2.0 formData arrays in their collectionFormat are
read as arrays (and refused when an item is of the wrong type)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import serve_process

SWAGGER = """swagger: "2.0"
info: {title: forms, version: "1"}
paths:
  /form:
    post:
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - {name: tags, in: formData, type: array, items: {type: string}, collectionFormat: csv}
        - {name: ids, in: formData, type: array, items: {type: integer}, collectionFormat: pipes}
      responses: {"200": {description: ok}}
  /bare:
    post:
      responses: {"200": {description: ok}}
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec = tmp_path_factory.mktemp("bodies") / "api.yaml"
    spec.write_text(SWAGGER)
    with serve_process(str(spec), "--no-reload") as url:
        yield url


FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("body", ["tags=a,b,c&ids=1|2|3", "tags=a", "ids=7", "tags=&ids=1"])
def test_form_arrays_in_their_collection_format(base: str, body: str) -> None:
    assert httpx.post(f"{base}/form", content=body, headers=FORM, timeout=10).status_code == 200


def test_a_form_array_item_of_the_wrong_type_is_refused(base: str) -> None:
    refused = httpx.post(f"{base}/form", content="ids=1|two", headers=FORM, timeout=10)
    assert refused.status_code == 400
    assert refused.json()["message"] == "Invalid request body"


def test_a_body_for_an_operation_that_declares_none_is_415(base: str) -> None:
    refused = httpx.post(f"{base}/bare", json={"a": 1}, timeout=10)
    assert refused.status_code == 415
    assert refused.json() == {"message": "Unsupported Media Type", "supported": []}
    assert httpx.post(f"{base}/bare", timeout=10).status_code == 200  # no body: fine
