"""The mock through a real `apigw serve`: content negotiation by `Accept` (q-values, wildcards,
406 with what it has), Prism's `__code` / `__example` / `__dynamic` query spelling beside
`Prefer:`, fresh random values that still match the schema, and the mock's own 404s never taken
for a backend's mismatched answer."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import jsonschema
import pytest

from tests.helpers import serve_process

SPEC = """openapi: 3.0.3
info: {title: mocks, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200":
          description: pets
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
              examples:
                dogs: {value: [{id: 1, name: Rex, kind: dog}]}
                cats: {value: [{id: 2, name: Tom, kind: cat}]}
            text/csv:
              schema: {type: string}
              example: "id,name\\n1,Rex\\n"
        "400":
          description: bad
          content:
            application/json:
              schema: {type: object, properties: {message: {type: string}}}
              example: {message: bad request}
  /pets/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      required: [id, name, kind]
      properties:
        id: {type: integer, minimum: 1, maximum: 1000}
        name: {type: string, minLength: 2, maxLength: 20}
        kind: {type: string, enum: [dog, cat, bird]}
        tags: {type: array, maxItems: 3, items: {type: string, maxLength: 12}}
        weight: {type: number, minimum: 0.5, maximum: 80, multipleOf: 0.5}
        vaccinated: {type: boolean}
        uid: {type: string, format: uuid}
"""
PET = {
    "type": "object",
    "required": ["id", "name", "kind"],
    "properties": {
        "id": {"type": "integer", "minimum": 1, "maximum": 1000},
        "name": {"type": "string", "minLength": 2, "maxLength": 20},
        "kind": {"type": "string", "enum": ["dog", "cat", "bird"]},
        "tags": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 12}},
        "weight": {"type": "number", "minimum": 0.5, "maximum": 80, "multipleOf": 0.5},
        "vaccinated": {"type": "boolean"},
        "uid": {"type": "string", "format": "uuid"},
    },
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec = tmp_path_factory.mktemp("mock") / "api.yaml"
    spec.write_text(SPEC)
    with serve_process(str(spec), "--no-reload", "--validate-responses", "strict") as url:
        yield url


def get(base: str, path: str, **headers: str) -> httpx.Response:
    return httpx.get(base + path, headers={k.replace("_", "-"): v for k, v in headers.items()}, timeout=10)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("text/csv", "text/csv"),
        ("text/csv;q=0.5, application/json", "application/json"),
        ("application/json;q=0.2, text/*;q=0.9", "text/csv"),
        ("application/*", "application/json"),
        ("text/html, */*;q=0.1", "application/json"),
        ("text/csv;q=0, */*", "application/json"),
    ],
)
def test_accept_picks_by_weight_and_specificity(base: str, accept: str | None, media_type: str) -> None:
    response = get(base, "/pets", **({"Accept": accept} if accept else {}))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert "x-apigw-response-mismatch" not in response.headers


def test_nothing_acceptable_is_406_with_what_there_is(base: str) -> None:
    response = get(base, "/pets", Accept="application/xml, text/html;q=0.9")
    assert response.status_code == 406
    assert response.json() == {"message": "Not Acceptable", "supported": ["application/json", "text/csv"]}


def test_prisms_query_spelling_beside_prefer(base: str) -> None:
    assert get(base, "/pets?__example=cats").json() == [{"id": 2, "name": "Tom", "kind": "cat"}]
    assert get(base, "/pets", Prefer="example=cats").json() == [{"id": 2, "name": "Tom", "kind": "cat"}]
    coded = get(base, "/pets?__code=400")
    assert coded.status_code == 400 and coded.json() == {"message": "bad request"}
    assert get(base, "/pets?__code=400", Prefer="code=200").status_code == 200  # Prefer wins


def test_the_mocks_own_answers_are_not_taken_for_a_backends(base: str) -> None:
    """Under --validate-responses strict: a 404 of the mock for a status or example that is not
    declared is the gateway's own answer, not a backend's answer that breaks the spec."""
    for path in ("/pets?__code=599", "/pets?__example=nope"):
        response = get(base, path)
        assert response.status_code == 404
        assert "x-apigw-response-mismatch" not in response.headers
        assert response.headers["x-amzn-errortype"] == "NotFoundException"


def test_dynamic_values_are_fresh_and_valid(base: str) -> None:
    seen = []
    for _ in range(20):
        response = get(base, "/pets/7?__dynamic=true")
        assert response.status_code == 200
        value = response.json()
        jsonschema.validate(value, PET, format_checker=jsonschema.FormatChecker())
        seen.append(value)
    assert len({str(value) for value in seen}) > 10  # fresh each time
    fixed = {str(get(base, "/pets/7").json()) for _ in range(3)}
    assert len(fixed) == 1  # without it, the same value every time
    assert get(base, "/pets/7", Prefer="dynamic=true").json() != get(base, "/pets/7", Prefer="dynamic=true").json()
