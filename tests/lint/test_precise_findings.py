"""`apigw lint` says what is wrong with a document's structure at the node that is wrong, in
words, as Spectral does (its oas ruleset's oas3-schema messages are the model): an unexpected
property at the property, a value not among the allowed ones with a guess, a missing property,
a wrong type; the branch of a oneOf the node was meant to be, not the oneOf's summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigw_cli.cli import app

runner = CliRunner()
HEAD = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nx-integration: {type: mock}\n'


def lint_json(spec: Path) -> list[dict[str, object]]:
    result = runner.invoke(app, ["lint", str(spec), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return [f for s in json.loads(result.output)["specs"] for f in s["findings"] if f["rule"] == "oas-schema"]


@pytest.mark.parametrize(
    ("body", "line", "column", "message"),
    [
        pytest.param("        - {name: a, in: query, type: string, schema: {type: string}}", 8, 32,
                     'Property "type" is not expected to be here', id="unexpected property"),
        pytest.param("        - {name: a, in: qeury, schema: {type: string}}", 8, 21,
                     '"in" must be one of: "path", "query", "header", "cookie". Did you mean "query"?',
                     id="a value not allowed, with a guess"),
        pytest.param("        - {name: a, in: query}", 8, 11, 'needs "schema" or "content"', id="one of two needed"),
        pytest.param("        - {name: a, in: query, schema: {type: strng}}", 8, 41,
                     '"type" must be one of: "array", "boolean", "integer", "number", "object", "string". '
                     'Did you mean "string"?', id="a schema type"),
        pytest.param("        - {name: a, in: query, schema: {type: string}, required: yes-please}", 8, 56,
                     "must be boolean, not a string", id="a wrong type"),
    ],
)  # fmt: skip
def test_a_parameter_error_is_at_its_node_in_words(
    body: str, line: int, column: int, message: str, tmp_path: Path
) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(HEAD + f"paths:\n  /user:\n    get:\n      parameters:\n{body}\n"
                    "      responses: {'200': {description: ok}}\n")  # fmt: skip
    found = lint_json(spec)
    assert [(f["line"], f["column"], f["message"]) for f in found] == [(line, column, message)]
    assert "oneOf" not in json.dumps(found)


def test_a_path_parameter_is_held_to_what_path_parameters_need(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(HEAD + "paths:\n  /user/{id}:\n    get:\n      parameters:\n"
                    "        - {name: id, in: path, schema: {type: string}}\n"
                    "      responses: {'200': {description: ok}}\n")  # fmt: skip
    assert [f["message"] for f in lint_json(spec)] == ['missing the required property "required"']


def test_a_missing_info_field_and_a_bad_response(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {version: '1'}\nx-integration: {type: mock}\npaths:\n  /a:\n"
                    "    get:\n      responses:\n        '200': {descripton: ok}\n")  # fmt: skip
    messages = {(f["line"], f["message"]) for f in lint_json(spec)}
    assert (2, 'missing the required property "title"') in messages
    assert (8, 'Property "descripton" is not expected to be here') in messages
    assert (8, 'missing the required property "description"') in messages


def test_a_ref_to_a_missing_file_is_named_at_the_ref(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(HEAD + "paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n"
                    "          content: {application/json: {schema: {$ref: './schemas/pet.yaml'}}}\n")  # fmt: skip
    found = runner.invoke(app, ["lint", str(spec), "--format", "json"])
    refs = [f for s in json.loads(found.output)["specs"] for f in s["findings"] if f["rule"] == "ref-unresolved"]
    assert [(f["line"], f["column"]) for f in refs] == [(10, 49)]
    assert refs[0]["message"].startswith("$ref './schemas/pet.yaml' points to a file that does not exist")
    for command in ("routes", "serve"):
        refused = runner.invoke(app, [command, str(spec)])
        assert refused.exit_code == 2
        assert "api.yaml:10:49: $ref './schemas/pet.yaml' points to a file that does not exist" in refused.output
