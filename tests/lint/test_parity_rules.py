"""The rules adopted from Spectral's oas and Redocly's recommended rulesets, each on a spec that
breaks it (the line, column and message of the finding) and on one that does not, through
`apigw lint --format json`; style rules only with `extends: [all]`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigw_cli.cli import app
from tests.helpers import REPO, SPECS

runner = CliRunner()
HEAD = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nx-integration: {type: mock}\n'
OK = "      responses: {'200': {description: ok}}\n"


def lint(tmp_path: Path, text: str, *extra: str) -> list[dict[str, object]]:
    spec = tmp_path / "api.yaml"
    spec.write_text(text)
    result = runner.invoke(app, ["lint", str(spec), "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output
    return [f for s in json.loads(result.output)["specs"] for f in s["findings"]]


CASES = [
    ("typed-enum",
     HEAD + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: integer, enum: [1, two, 3]}}\n" + OK,
     HEAD + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: integer, nullable: true, enum: [1, null]}}\n" + OK,
     (8, 66, "enum value 'two' is not of type integer")),
    ("array-items",
     HEAD + "components:\n  schemas:\n    List: {type: array}\npaths: {}\n",
     HEAD + "components:\n  schemas:\n    List: {type: array, items: {type: string}}\npaths: {}\n",
     (6, 5, "a schema of type array has no items")),
    ("duplicated-entry-in-enum",
     HEAD + "components:\n  schemas:\n    Kind: {type: string, enum: [a, b, a]}\npaths: {}\n",
     HEAD + "components:\n  schemas:\n    Kind: {type: string, enum: [a, b]}\npaths: {}\n",
     (6, 39, 'enum value "a" is listed more than once')),
    ("operation-success-response",
     HEAD + "paths:\n  /a:\n    get:\n      responses: {'404': {description: no}}\n",
     HEAD + "paths:\n  /a:\n    get:\n      responses: {default: {description: any}}\n",
     (7, 7, "GET /a: no 2xx or 3xx response is declared")),
    ("operation-parameters-unique",
     HEAD + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: string}}\n"
            "        - {name: q, in: query, schema: {type: string}}\n" + OK,
     HEAD + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: string}}\n"
            "        - {name: q, in: header, schema: {type: string}}\n" + OK,
     (9, 11, "GET /a: parameter 'q' in query is declared twice")),
    ("operation-tag-defined",
     HEAD + "tags: [{name: pets}]\npaths:\n  /a:\n    get:\n      tags: [pets, cats]\n" + OK,
     HEAD + "tags: [{name: pets}]\npaths:\n  /a:\n    get:\n      tags: [pets]\n" + OK,
     (8, 20, "GET /a: tag 'cats' is not in the document's tags")),
    ("openapi-tags-unique",
     HEAD + "tags: [{name: pets}, {name: pets}]\npaths: {}\n",
     HEAD + "tags: [{name: pets}, {name: cats}]\npaths: {}\n",
     (4, 22, "tag 'pets' is declared twice")),
    ("path-not-include-query",
     HEAD + "paths:\n  /a?x=1:\n    get:\n" + OK,
     HEAD + "paths:\n  /a:\n    get:\n" + OK,
     (5, 3, "path /a?x=1 includes a query string: declare its parameters with in: query")),
    ("path-declaration-must-exist",
     HEAD + "paths:\n  /a/{}:\n    get:\n" + OK,
     HEAD + "paths:\n  /a/b:\n    get:\n" + OK,
     (5, 3, "path /a/{} has an empty parameter {}: name it")),
    ("path-keys-no-trailing-slash",
     HEAD + "paths:\n  /a/:\n    get:\n" + OK,
     HEAD + "paths:\n  /:\n    get:\n" + OK,
     (5, 3, "path /a/ ends with a slash")),
    ("server-trailing-slash",
     HEAD + "servers: [{url: 'https://api.example.org/v1/'}]\npaths: {}\n",
     HEAD + "servers: [{url: 'https://api.example.org/v1'}]\npaths: {}\n",
     (4, 12, "server URL https://api.example.org/v1/ ends with a slash")),
    ("server-variables-defined",
     HEAD + "servers: [{url: 'https://{region}.example.org'}]\npaths: {}\n",
     HEAD + "servers: [{url: 'https://{region}.example.org', variables: {region: {default: eu}}}]\npaths: {}\n",
     (4, 12, "server URL variable {region} is not declared")),
    ("operation-operationId-valid-in-url",
     HEAD + "paths:\n  /a:\n    get:\n      operationId: 'get a'\n" + OK,
     HEAD + "paths:\n  /a:\n    get:\n      operationId: getA\n" + OK,
     (7, 7, "operationId 'get a' has characters unsafe in a URL")),
    ("example-value-or-external",
     HEAD + "components:\n  examples:\n    one: {value: 1, externalValue: 'https://example.org/1'}\npaths: {}\n",
     HEAD + "components:\n  examples:\n    one: {value: 1}\npaths: {}\n",
     (6, 5, "example one has both value and externalValue")),
    ("example-value-or-external",
     HEAD + "paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n"
            "          content: {application/json: {examples: {empty: {summary: nothing}}}}\n",
     HEAD + "paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n"
            "          content: {application/json: {examples: {one: {value: 1}}}}\n",
     (10, 51, "example empty has neither value nor externalValue")),
    ("aws-import",
     'openapi: 3.1.0\ninfo: {title: t, version: "1"}\nx-amazon-apigateway-binary-media-types: [image/png]\npaths: {}\n',
     'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nx-amazon-apigateway-binary-media-types: [image/png]\npaths: {}\n',
     (1, 1, "the managed gateway imports OpenAPI 2.0 and 3.0 only: this 3.1 spec will not import (apigw export takes it down to 3.0)")),
    ("aws-import",
     'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nx-amazon-apigateway-binary-media-types: [image/png]\ncomponents:\n  schemas:\n    Pet_v2: {type: object}\npaths: {}\n',
     'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nx-amazon-apigateway-binary-media-types: [image/png]\ncomponents:\n  schemas:\n    PetV2: {type: object}\npaths: {}\n',
     (6, 5, "model name 'Pet_v2': REST API model names are letters and digits only")),
    ("aws-import",
     'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nx-amazon-apigateway-binary-media-types: [image/png]\ncomponents:\n  schemas:\n    Pet: {type: object, discriminator: {propertyName: kind}}\npaths: {}\n',
     'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nx-amazon-apigateway-binary-media-types: [image/png]\ncomponents:\n  schemas:\n    Pet: {type: object}\npaths: {}\n',
     (6, 25, "discriminator is not supported in REST API models (the import drops it)")),
    ("discriminator-defined",
     'swagger: "2.0"\ninfo: {title: t, version: "1"}\ndefinitions:\n  Pet: {type: object, discriminator: kind, properties: {kind: {type: string}}}\npaths: {}\n',
     'swagger: "2.0"\ninfo: {title: t, version: "1"}\ndefinitions:\n  Pet: {type: object, discriminator: kind, required: [kind], properties: {kind: {type: string}}}\npaths: {}\n',
     (4, 23, "discriminator 'kind' is not in the schema's required list")),
    ("form-data-consumed",
     'swagger: "2.0"\ninfo: {title: t, version: "1"}\nx-integration: {type: mock}\npaths:\n  /a:\n    post:\n      consumes: [application/json]\n      parameters: [{name: f, in: formData, type: string}]\n      responses: {"200": {description: ok}}\n',
     'swagger: "2.0"\ninfo: {title: t, version: "1"}\nx-integration: {type: mock}\npaths:\n  /a:\n    post:\n      consumes: [multipart/form-data]\n      parameters: [{name: f, in: formData, type: string}]\n      responses: {"200": {description: ok}}\n',
     (7, 7, "POST /a has formData parameters but consumes neither application/x-www-form-urlencoded nor multipart/form-data")),
    ("no-script-in-markdown",
     'openapi: 3.0.3\ninfo: {title: t, version: "1", description: "hi <script>alert(1)</script>"}\npaths: {}\n',
     'openapi: 3.0.3\ninfo: {title: t, version: "1", description: "hi"}\npaths: {}\n',
     (2, 32, "a <script> tag in markdown: documentation tools would run it")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "bad", "good", "expected"), CASES, ids=[f"{case[0]}-{index}" for index, case in enumerate(CASES)]
)
def test_a_rule_finds_what_breaks_it_and_nothing_else(
    rule: str, bad: str, good: str, expected: tuple[int, int, str], tmp_path: Path
) -> None:
    found = [(f["line"], f["column"], f["message"]) for f in lint(tmp_path, bad) if f["rule"] == rule]
    assert found == [expected]
    assert [f for f in lint(tmp_path, good) if f["rule"] == rule] == []


def test_style_rules_are_on_with_extends_all_only(tmp_path: Path) -> None:
    text = HEAD + "paths:\n  /a:\n    get:\n" + OK
    style = {"info-contact", "info-description", "info-license", "operation-description", "operation-operationId",
             "operation-tags", "operation-4xx-response", "servers-defined"}  # fmt: skip
    assert not style & {str(f["rule"]) for f in lint(tmp_path, text)}
    (tmp_path / ".apigw.yaml").write_text("lint:\n  extends: [all]\n")
    every = {str(f["rule"]) for f in lint(tmp_path, text, "--config", str(tmp_path / ".apigw.yaml"))}
    assert style <= every
    (tmp_path / ".apigw.yaml").write_text("lint:\n  extends: minimal\n")
    minimal = {str(f["rule"]) for f in lint(tmp_path, text, "--config", str(tmp_path / ".apigw.yaml"))}
    assert minimal == set()  # only errors, and this spec has none
    (tmp_path / ".apigw.yaml").write_text("lint:\n  extends: [strictest]\n")
    refused = runner.invoke(app, ["lint", str(tmp_path / "api.yaml"), "--config", str(tmp_path / ".apigw.yaml")])
    assert refused.exit_code == 2 and "lint.extends must be one of recommended, minimal, all" in refused.output


SWAGGER = 'swagger: "2.0"\ninfo: {title: t, version: "1"}\nx-integration: {type: mock}\n'
EXAMPLES = [
    pytest.param(HEAD + "paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n"
                 "          content: {application/json: {schema: {type: integer}, example: '7'}}\n",
                 (10, 65, 'example does not match its schema: "7" is not of type "integer"'), id="3.x media example"),
    pytest.param(HEAD + "components:\n  schemas:\n    Age: {type: integer, minimum: 0, example: -1}\npaths: {}\n",
                 (6, 38, "schema example does not match its schema: -1 is less than the minimum of 0"), id="3.x schema example"),
    pytest.param(HEAD + "components:\n  schemas:\n    Kind: {type: string, enum: [a, b], default: c}\npaths: {}\n",
                 (6, 40, 'default does not match its schema: "c" is not one of "a" or "b"'), id="3.x default"),
    pytest.param(SWAGGER + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: n, in: query, type: integer, x-example: ten}\n"
                 "      responses: {'200': {description: ok}}\n",
                 (8, 47, 'x-example does not match its schema: "ten" is not of type "integer"'), id="2.0 x-example"),
    pytest.param(SWAGGER + "paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n"
                 "          schema: {type: object, required: [id], properties: {id: {type: integer}}}\n"
                 "          examples: {application/json: {name: x}}\n",
                 (11, 22, 'example for application/json does not match its schema: "id" is a required property'), id="2.0 response examples"),
    pytest.param(SWAGGER + "definitions:\n  Id: {type: integer, example: one}\npaths: {}\n",
                 (5, 23, 'schema example does not match its schema: "one" is not of type "integer"'), id="2.0 schema example"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), EXAMPLES)
def test_examples_are_errors_in_both_dialects(text: str, expected: tuple[int, int, str], tmp_path: Path) -> None:
    found = [
        (f["line"], f["column"], f["message"], f["severity"])
        for f in lint(tmp_path, text)
        if f["rule"] == "example-valid"
    ]
    assert found == [(*expected, "error")]


ADOPTED = sorted({case[0] for case in CASES} | {"example-valid", "oas-schema"})
SILENT_ON = [*sorted(SPECS.glob("*.yaml")), *sorted((REPO / "tests" / "specs" / "aws").glob("*-*.yaml")),
             REPO / "tests" / "fixtures" / "multifile" / "api.yaml"]  # fmt: skip
CORPUS = REPO.parent / "shared" / "corpus" / "large"


@pytest.mark.parametrize("spec", SILENT_ON, ids=[path.name for path in SILENT_ON])
def test_the_adopted_rules_are_silent_on_good_specs(spec: Path) -> None:
    result = runner.invoke(app, ["lint", str(spec), "--format", "json"])
    found = [f for s in json.loads(result.output)["specs"] for f in s["findings"] if f["rule"] in ADOPTED]
    assert found == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside this clone")
@pytest.mark.parametrize("name", ["stripe-spec3.yaml", "petstore.yaml"])
def test_no_false_positives_on_the_corpus(name: str) -> None:
    result = runner.invoke(app, ["lint", str(CORPUS / name), "--format", "json"])
    found = {
        (f["rule"], f["message"])
        for s in json.loads(result.output)["specs"]
        for f in s["findings"]
        if f["rule"] in ADOPTED
    }
    # Stripe's one server URL ends with a slash: a true finding of server-trailing-slash (Spectral and Redocly say so too)
    assert found <= {("server-trailing-slash", "server URL https://api.stripe.com/ ends with a slash")}
