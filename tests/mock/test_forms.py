"""Form bodies validated field by field, through a real `apigw serve`: multipart/form-data parts
against the schema and `encoding` (JSON parts, typed text parts, repeated parts as arrays, files,
contentType per part), `format: byte`, `allowReserved: false`, delimiters sent raw or
percent-encoded, and Swagger 2.0's `allowEmptyValue: false` and `type: file`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import serve_process

OPENAPI = """openapi: 3.0.3
info: {title: forms, version: "1"}
paths:
  /upload:
    post:
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [title, file]
              properties:
                title: {type: string, minLength: 1}
                count: {type: integer, maximum: 10}
                tags: {type: array, items: {type: string, enum: [red, blue]}}
                meta: {type: object, required: [owner], properties: {owner: {type: string}}}
                file: {type: string, format: binary}
                avatar: {type: string, format: binary}
            encoding:
              avatar: {contentType: "image/png, image/jpeg"}
      responses: {"204": {description: stored}}
  /token:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                key: {type: string, format: byte}
                redirect: {type: string}
                ids: {type: array, items: {type: string, enum: [a, "b,c"]}}
            encoding:
              redirect: {allowReserved: false}
              ids: {style: form, explode: false}
      responses: {"204": {description: issued}}
"""

SWAGGER = """swagger: "2.0"
info: {title: forms, version: "1"}
paths:
  /note:
    post:
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - {name: note, in: formData, type: string, allowEmptyValue: false}
        - {name: extra, in: formData, type: string}
      responses: {"200": {description: ok}}
  /photo:
    post:
      consumes: [multipart/form-data]
      parameters:
        - {name: photo, in: formData, type: file, required: true}
        - {name: caption, in: formData, type: string, maxLength: 5}
      responses: {"200": {description: ok}}
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec = tmp_path_factory.mktemp("forms") / "api.yaml"
    spec.write_text(OPENAPI)
    with serve_process(str(spec), "--no-reload") as url:
        yield url


@pytest.fixture(scope="module")
def base2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec = tmp_path_factory.mktemp("forms2") / "api.yaml"
    spec.write_text(SWAGGER)
    with serve_process(str(spec), "--no-reload") as url:
        yield url


META = ("meta", (None, json.dumps({"owner": "ana"}), "application/json"))
FILE = ("file", ("a.bin", b"\x00\xff\xfe binary", "application/octet-stream"))


def _upload(base: str, *parts: tuple[str, object]) -> httpx.Response:
    return httpx.post(f"{base}/upload", files=list(parts), timeout=10)  # type: ignore[arg-type]


def _errors(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"] == "Invalid request body"
    errors: list[dict[str, str]] = body["errors"]
    return errors


def _by_path(response: httpx.Response) -> dict[str, str]:
    return {error["path"]: error["error"] for error in _errors(response)}


def test_a_valid_multipart_body_passes(base: str) -> None:
    avatar = ("avatar", ("me.png", b"\x89PNG\r\n", "image/png"))
    parts = [("title", (None, "hello")), ("count", (None, "3")), ("tags", (None, "red")), ("tags", (None, "blue"))]
    assert _upload(base, *parts, META, FILE, avatar).status_code == 204


def test_a_text_part_is_read_as_its_property_type(base: str) -> None:
    errors = _by_path(_upload(base, ("title", (None, "t")), ("count", (None, "11")), FILE))
    assert errors == {"/count": "11 is greater than the maximum of 10"}
    errors = _by_path(_upload(base, ("title", (None, "t")), ("count", (None, "three")), FILE))
    assert errors == {"/count": '"three" is not of type "integer"'}


def test_repeated_parts_are_the_items_of_an_array(base: str) -> None:
    errors = _by_path(_upload(base, ("title", (None, "t")), ("tags", (None, "red")), ("tags", (None, "green")), FILE))
    assert list(errors) == ["/tags/1"]


def test_a_json_part_is_parsed_and_validated(base: str) -> None:
    errors = _by_path(_upload(base, ("title", (None, "t")), ("meta", (None, "{}", "application/json")), FILE))
    assert errors == {"/meta": '"owner" is a required property'}
    errors = _by_path(_upload(base, ("title", (None, "t")), ("meta", (None, "{no", "application/json")), FILE))
    assert list(errors) == ["/meta"] and errors["/meta"].startswith("part 'meta': invalid JSON")


def test_a_required_part_missing_is_refused(base: str) -> None:
    assert _by_path(_upload(base, ("title", (None, "t")))) == {"/": '"file" is a required property'}


def test_a_part_whose_content_type_its_encoding_does_not_allow_is_refused(base: str) -> None:
    avatar = ("avatar", ("me.gif", b"GIF89a", "image/gif"))
    errors = _errors(_upload(base, ("title", (None, "t")), FILE, avatar))
    assert errors == [
        {
            "path": "/avatar",
            "error": "part 'avatar' has Content-Type image/gif; its encoding allows image/png, image/jpeg",
        }
    ]


def test_a_multipart_body_without_its_boundary_is_refused(base: str) -> None:
    sent = httpx.post(
        f"{base}/upload", content=b"--x\r\n\r\n", headers={"content-type": "multipart/form-data"}, timeout=10
    )
    assert "boundary" in _errors(sent)[0]["error"]
    torn = b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nt\r\n'  # never closed
    sent = httpx.post(
        f"{base}/upload", content=torn, headers={"content-type": "multipart/form-data; boundary=zz"}, timeout=10
    )
    assert "malformed" in _errors(sent)[0]["error"]


FORM = {"content-type": "application/x-www-form-urlencoded"}


def _token(base: str, body: str) -> httpx.Response:
    return httpx.post(f"{base}/token", content=body, headers=FORM, timeout=10)


def test_format_byte_is_base64(base: str) -> None:
    assert _token(base, "key=ZXhhbXBsZQ%3D%3D").status_code == 204
    assert _by_path(_token(base, "key=not-base64!")) == {"/key": '"not-base64!" is not a "byte"'}


def test_allow_reserved_false_refuses_raw_reserved_characters(base: str) -> None:
    assert _token(base, "redirect=https%3A%2F%2Fexample.com%2Fback").status_code == 204
    errors = _errors(_token(base, "redirect=https://example.com/back"))
    assert errors == [
        {
            "path": "/redirect",
            "error": "'redirect': reserved character ':' must be percent-encoded (allowReserved is false)",
        }
    ]


def test_a_raw_delimiter_splits_an_array_and_an_encoded_one_is_data(base: str) -> None:
    assert _token(base, "ids=a,b%2Cc").status_code == 204  # items "a" and "b,c"
    assert list(_by_path(_token(base, "ids=a,b,c"))) == ["/ids/1", "/ids/2"]  # items "a", "b", "c"


def test_swagger2_allow_empty_value_false_refuses_an_empty_field(base2: str) -> None:
    def post(body: str) -> httpx.Response:
        return httpx.post(f"{base2}/note", content=body, headers=FORM, timeout=10)

    assert post("note=hi&extra=").status_code == 200  # extra says nothing: empty is a value
    errors = _errors(post("note="))
    assert errors == [{"path": "/note", "error": "'note' must not be empty (allowEmptyValue is false)"}]


def test_swagger2_file_parameter_in_a_multipart_body(base2: str) -> None:
    photo = ("photo", ("p.jpg", b"\xff\xd8\xff\xe0 jpeg", "image/jpeg"))
    assert httpx.post(f"{base2}/photo", files=[photo, ("caption", (None, "sun"))], timeout=10).status_code == 200
    errors = _by_path(httpx.post(f"{base2}/photo", files=[("caption", (None, "sunset"))], timeout=10))
    assert errors == {"/": '"photo" is a required property', "/caption": '"sunset" is longer than 5 characters'}
