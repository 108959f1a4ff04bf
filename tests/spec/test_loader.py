"""Loading: YAML and JSON, 3.0 and 3.1, $ref across files, recursion, and errors at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigw_cli.errors import SpecError
from apigw_cli.spec import load_spec
from tests.helpers import call, gateway_for, write

MINIMAL = """
openapi: {version}
info: {{title: t, version: "1"}}
paths:
  /items:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{type: array, items: {{type: integer}}}}
"""


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_yaml_specs_of_both_versions_load(tmp_path: Path, version: str) -> None:
    document = load_spec(write(tmp_path, "api.yaml", MINIMAL.format(version=version)))
    assert document.dialect == version[:3]
    assert "/items" in document.root["paths"]


def test_json_spec_loads(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.json",
        '{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": '
        '{"204": {"description": "none"}}}}}}',
    )
    assert call(gateway_for(spec), "GET", "/a").status_code == 204


def test_status_keys_and_dates_stay_strings(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              responses:
                200:
                  description: ok
                  content:
                    application/json:
                      example: {day: 2024-01-02}
        """,
    )
    document = load_spec(spec)
    assert "200" in document.root["paths"]["/a"]["get"]["responses"]
    assert call(gateway_for(spec), "GET", "/a").json() == {"day": "2024-01-02"}


def test_refs_across_files_with_escaped_pointers(tmp_path: Path) -> None:
    write(
        tmp_path,
        "schemas/common.yaml",
        """
        definitions:
          a/b:
            type: object
            required: [name]
            properties:
              name: {type: string}
              tag: {$ref: "#/definitions/til~0de"}
          til~de: {type: string, maxLength: 3}
        """,
    )
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /things:
            post:
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: "schemas/common.yaml#/definitions/a~1b"}
              x-integration: {type: mock, status: 201}
              responses:
                "201": {description: created}
        """,
    )
    gateway = gateway_for(spec)
    assert call(gateway, "POST", "/things", json={"name": "x", "tag": "abc"}).status_code == 201
    bad = call(gateway, "POST", "/things", json={"name": "x", "tag": "toolong"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "/tag"
    assert any(f.name == "common.yaml" for f in gateway.files)


def test_recursive_schema_loads_and_validates_at_depth(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /tree:
            post:
              requestBody:
                content:
                  application/json:
                    schema: {$ref: "#/components/schemas/Node"}
              x-integration: {type: mock}
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: "#/components/schemas/Node"}
        components:
          schemas:
            Node:
              type: object
              required: [value]
              properties:
                value: {type: integer}
                children:
                  type: array
                  items: {$ref: "#/components/schemas/Node"}
        """,
    )
    gateway = gateway_for(spec)
    deep = {"value": 1, "children": [{"value": 2, "children": [{"value": 3, "children": []}]}]}
    assert call(gateway, "POST", "/tree", json=deep).status_code == 200
    broken = {"value": 1, "children": [{"value": 2, "children": [{"value": "three"}]}]}
    response = call(gateway, "POST", "/tree", json=broken)
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/children/0/children/0/value"
    # the mock body generated from a recursive schema is finite and valid
    assert call(gateway, "POST", "/tree").json() == {"value": 0}


def test_bad_ref_names_file_line_and_column(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              responses:
                "200":
                  $ref: "#/components/responses/Missing"
        """,
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert (caught.value.line, caught.value.col) == (8, 11)
    assert "'#/components/responses/Missing' points nowhere" in str(caught.value)
    assert str(caught.value).endswith("has no /components/responses/Missing")


def test_bad_ref_into_missing_file(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a: {$ref: "paths/a.yaml"}
        """,
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    # named at the $ref, where the mistake is (and the missing file in the message)
    assert caught.value.file is not None and caught.value.file.name == "api.yaml" and caught.value.line == 4
    assert "$ref 'paths/a.yaml' points to a file that does not exist" in str(caught.value)
    assert "paths/a.yaml)" in str(caught.value)


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    spec = write(tmp_path, "api.yaml", 'openapi: 3.0.3\ninfo: {title: t, version: "1"\npaths: {}\n')
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert caught.value.line == 3
    assert caught.value.col is not None
    assert "invalid YAML" in caught.value.message


def test_json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    spec = write(tmp_path, "api.json", '{\n  "openapi": "3.0.3",\n  "info": {,}\n}\n')
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert (caught.value.line, caught.value.col) == (3, 12)


def test_a_document_that_is_not_openapi_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no 'openapi' or 'swagger' version key"):
        load_spec(write(tmp_path, "api.yaml", "name: not a spec\n"))


def test_unsupported_version_is_refused_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"unsupported OpenAPI version '4\.0'") as caught:
        load_spec(write(tmp_path, "api.yaml", 'info: {}\nopenapi: "4.0"\npaths: {}\n'))
    assert caught.value.line == 2


def test_ref_cycle_between_path_items_is_an_error_not_a_hang(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a: {$ref: "#/paths/~1b"}
          /b: {$ref: "#/paths/~1a"}
        """,
    )
    with pytest.raises(SpecError, match="cycle"):
        gateway_for(spec)


def test_yaml_is_read_as_yaml_12_with_string_keys(tmp_path: Path) -> None:
    from apigw_cli.spec.parse import parse_file

    data = parse_file(
        write(
            tmp_path,
            "values.yaml",
            """
            answers: [yes, no, on, off]
            200: ok
            3.5: half
            true: flag
            day: 2024-01-02
            stamp: 2024-01-02T10:00:00Z
            code: "0123"
            exp: 1.5e3
            """,
        )
    )
    assert data["answers"] == ["yes", "no", "on", "off"]  # YAML 1.2: words, not booleans
    assert (data["200"], data["3.5"], data["true"]) == ("ok", "half", "flag")
    assert (data["day"], data["stamp"]) == ("2024-01-02", "2024-01-02T10:00:00Z")
    assert (data["code"], data["exp"]) == ("0123", 1500.0)
