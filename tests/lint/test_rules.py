"""Each lint rule on a spec that breaks it and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigw_cli.lint.config import LintConfig
from apigw_cli.lint.findings import Finding, Severity
from apigw_cli.lint.runner import lint_spec
from tests.helpers import SPECS, write

HEAD = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\n'


def findings(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> list[Finding]:
    for file_name, content in (files or {}).items():
        write(tmp_path, file_name, content)
    report = lint_spec(write(tmp_path, "api.yaml", text), LintConfig())
    assert report.unusable is None, report.unusable
    return list(report.findings)


def of(found: list[Finding], rule: str) -> list[Finding]:
    return [f for f in found if f.rule == rule]


MOCKED = "x-integration: {type: mock}\n"


def test_bundled_specs_are_clean() -> None:
    for spec in ("userapi.yaml", "petstore-mock.yaml", "hello-python.yaml", "proxy.yaml"):
        report = lint_spec(SPECS / spec, LintConfig())
        assert report.findings == (), spec


def test_oas_schema(tmp_path: Path) -> None:
    bad = findings(tmp_path, HEAD + MOCKED + "paths:\n  /a:\n    get:\n      responses: 5\n")
    found = of(bad, "oas-schema")
    assert found and found[0].severity == Severity.ERROR
    assert found[0].json_pointer.startswith("/paths/~1a/get")
    assert found[0].line == 7  # `responses: 5`
    ok = findings(tmp_path, HEAD + MOCKED + "paths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n")
    assert of(ok, "oas-schema") == []


def test_ref_unresolved_reports_every_bad_ref(tmp_path: Path) -> None:
    text = (
        HEAD
        + MOCKED
        + """paths:
  /a:
    get:
      responses:
        "200": {$ref: "#/components/responses/Nope"}
        "404": {$ref: "missing.yaml#/x"}
        "500": {$ref: "other.yaml#/nothing"}
"""
    )
    found = of(findings(tmp_path, text, {"other.yaml": "x: 1\n"}), "ref-unresolved")
    assert [(f.line, f.severity) for f in found] == [(8, Severity.ERROR), (9, Severity.ERROR), (10, Severity.ERROR)]
    assert "points nowhere" in found[0].message and "points to a file that does not exist" in found[1].message


def test_ref_siblings_in_30_only(tmp_path: Path) -> None:
    spec = """
paths:
  /a:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/A", maxLength: 3}}}}
components:
  schemas:
    A: {type: string}
"""
    assert len(of(findings(tmp_path, HEAD + MOCKED + spec), "ref-siblings")) == 1
    assert of(findings(tmp_path, HEAD.replace("3.0.3", "3.1.0") + MOCKED + spec), "ref-siblings") == []


def test_operation_id_unique(tmp_path: Path) -> None:
    text = (
        HEAD
        + MOCKED
        + """paths:
  /a: {get: {operationId: same, responses: {'200': {description: ok}}}}
  /b: {get: {operationId: same, responses: {'200': {description: ok}}}}
"""
    )
    found = of(findings(tmp_path, text), "operation-id-unique")
    assert len(found) == 1 and "also used by GET /a" in found[0].message
    assert (
        of(
            findings(
                tmp_path,
                text.replace(
                    "operationId: same, responses: {'200': {description: ok}}}}\n  /b: {get: {operationId: same",
                    "operationId: one, responses: {'200': {description: ok}}}}\n  /b: {get: {operationId: two",
                ),
            ),
            "operation-id-unique",
        )
        == []
    )


def test_path_params(tmp_path: Path) -> None:
    text = (
        HEAD
        + MOCKED
        + """paths:
  /a/{id}:
    get:
      parameters: [{name: other, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
"""
    )
    found = of(findings(tmp_path, text), "path-params")
    assert {f.message.split(": ", 1)[1].split(" ")[2] for f in found} == {"{id}", "'other'"}
    fixed = text.replace("name: other", "name: id")
    assert of(findings(tmp_path, fixed), "path-params") == []


def test_path_collision(tmp_path: Path) -> None:
    text = (
        HEAD
        + MOCKED
        + """paths:
  /u/{id}: {get: {responses: {'200': {description: ok}}}}
  /u/{name}: {get: {responses: {'200': {description: ok}}}}
"""
    )
    found = of(findings(tmp_path, text), "path-collision")
    assert len(found) == 1 and found[0].severity == Severity.ERROR
    other_method = text.replace("/u/{name}: {get:", "/u/{name}: {delete:")
    assert [f.severity for f in of(findings(tmp_path, other_method), "path-collision")] == [Severity.WARN]


def test_required_properties(tmp_path: Path) -> None:
    text = (
        HEAD
        + MOCKED
        + """paths: {}
components:
  schemas:
    A: {type: object, required: [a, b], properties: {a: {type: string}}}
"""
    )
    found = of(findings(tmp_path, text), "required-properties")
    assert len(found) == 1 and "'b'" in found[0].message
    assert of(findings(tmp_path, text.replace("[a, b]", "[a]")), "required-properties") == []


def test_security_defined(tmp_path: Path) -> None:
    text = (
        HEAD
        + MOCKED
        + """security: [{apiKey: []}]
paths: {}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
"""
    )
    found = of(findings(tmp_path, text), "security-defined")
    assert len(found) == 1 and "(declared: key)" in found[0].message
    assert of(findings(tmp_path, text.replace("[{apiKey: []}]", "[{key: []}]")), "security-defined") == []


def test_unused_component(tmp_path: Path) -> None:
    text = (
        HEAD
        + MOCKED
        + """paths:
  /a: {get: {responses: {'200': {$ref: "#/components/responses/Ok"}}}}
components:
  responses:
    Ok: {description: ok}
  schemas:
    Lonely: {type: string}
"""
    )
    found = of(findings(tmp_path, text), "unused-component")
    assert [f.message.split(" ")[0] for f in found] == ["components/schemas/Lonely"]
    assert found[0].severity == Severity.WARN


def test_example_valid(tmp_path: Path) -> None:
    text = (
        HEAD
        + MOCKED
        + """paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: integer}}}
              examples:
                good: {value: {id: 1}}
                bad: {value: {id: "one"}}
"""
    )
    found = of(findings(tmp_path, text), "example-valid")
    assert len(found) == 1
    assert found[0].json_pointer.endswith("/examples/bad/value")
    assert '"one" is not of type "integer"' in found[0].message


def test_extension_schema(tmp_path: Path) -> None:
    text = (
        HEAD
        + """x-gateway: {http: {proxyFromEnviron: true}}
paths:
  /a:
    get:
      x-integration: {type: mock, statsu: 201}
      x-throttle: {rate: -1}
      responses: {'201': {description: ok}}
"""
    )
    found = of(findings(tmp_path, text), "extension-schema")
    messages = " | ".join(f.message for f in found)
    assert "proxyFromEnviron" in messages and "statsu" in messages and "x-throttle.rate" in messages


def test_python_handler_is_checked_without_running_it(tmp_path: Path) -> None:
    handler = "import sys\nsys.exit('module code must not run')\n\ndef present(event, context):\n    return {}\n"
    text = (
        HEAD
        + "x-integration: {type: python, handler: 'h.py:%s'}\n"
        + "paths:\n  /a: {get: {responses: {'200': {description: ok}}}}\n"
    )
    found = of(findings(tmp_path, text % "absent", {"h.py": handler}), "python-handler")
    assert len(found) == 1 and "no function 'absent' in h.py (it defines: present, sys)" in found[0].message
    assert of(findings(tmp_path, text % "present", {"h.py": handler}), "python-handler") == []
    assert of(findings(tmp_path, text.replace("h.py", "gone.py") % "present"), "python-handler")[0].message.endswith(
        "not found"
    )


def test_http_url(tmp_path: Path) -> None:
    text = (
        HEAD
        + """paths:
  /a/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      x-integration: {type: http, url: "URL"}
      responses: {'200': {description: ok}}
"""
    )
    assert len(of(findings(tmp_path, text.replace("URL", "/relative/{id}")), "http-url")) == 1
    assert "no such parameter" in of(findings(tmp_path, text.replace("URL", "http://h/{other}")), "http-url")[0].message
    assert of(findings(tmp_path, text.replace("URL", "http://h/{id}")), "http-url") == []


def test_missing_integration_is_info_alone_and_warn_beside_others(tmp_path: Path) -> None:
    bare = HEAD + "paths:\n  /a: {get: {responses: {'200': {description: ok}}}}\n"
    alone = of(findings(tmp_path, bare), "missing-integration")
    assert [(f.severity, f.json_pointer) for f in alone] == [(Severity.INFO, "/paths")]
    assert "serve answers all 1 as mocks" in alone[0].message
    mixed = bare + "  /b: {get: {x-integration: {type: mock}, responses: {'200': {description: ok}}}}\n"
    assert [f.severity for f in of(findings(tmp_path, mixed), "missing-integration")] == [Severity.WARN]


def test_serve_compile_catches_what_serve_refuses(tmp_path: Path) -> None:
    # a greedy parameter in the middle: schema-valid, but serve cannot route it
    text = (
        HEAD
        + MOCKED
        + """paths:
  /a/{rest+}/b:
    get:
      parameters: [{name: rest, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
"""
    )
    found = of(findings(tmp_path, text), "serve-compile")
    assert len(found) == 1 and "must be the last segment" in found[0].message


AWS_HEAD = 'swagger: "2.0"\ninfo: {title: t, version: "1"}\n'


def test_aws_integration_shape(tmp_path: Path) -> None:
    text = (
        AWS_HEAD
        + """paths:
  /a:
    get:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: GET
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:r:1:function:f/invocations
  /b:
    get:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration: {type: http_proxy}
  /c:
    get:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration: {type: websocket}
"""
    )
    messages = [f.message for f in of(findings(tmp_path, text), "aws-integration")]
    assert any("set httpMethod: POST" in m for m in messages)
    assert any("GET /b: a http_proxy integration needs a uri" in m for m in messages)
    assert any("'websocket' is not one of" in m for m in messages)


def test_aws_request_validator(tmp_path: Path) -> None:
    text = (
        AWS_HEAD
        + """x-amazon-apigateway-request-validators: {all: {validateRequestBody: true}}
paths:
  /a:
    get:
      x-amazon-apigateway-request-validator: body-only
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
"""
    )
    found = of(findings(tmp_path, text), "aws-request-validator")
    assert len(found) == 1 and "(declared: all)" in found[0].message
    assert of(findings(tmp_path, text.replace("body-only", "all")), "aws-request-validator") == []


def test_aws_authorizer(tmp_path: Path) -> None:
    text = (
        AWS_HEAD
        + """securityDefinitions:
  auth:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authorizer: {type: token}
paths: {}
"""
    )
    found = of(findings(tmp_path, text), "aws-authorizer")
    assert len(found) == 1 and "needs authorizerUri" in found[0].message
    fixed = text.replace("{type: token}", "{type: token, authorizerUri: 'arn:aws:lambda:x'}")
    assert of(findings(tmp_path, fixed), "aws-authorizer") == []


def test_aws_vtl_and_unsupported(tmp_path: Path) -> None:
    text = (
        AWS_HEAD
        + """paths:
  /a:
    post:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:sqs:path/1/q
        requestTemplates:
          application/json: '#if($input.body) $input.body'
"""
    )
    found = findings(tmp_path, text)
    assert "does not parse: line 1, column 29: expected #else, #elseif or #end" in of(found, "aws-vtl")[0].message
    unsupported = [f.message for f in of(found, "aws-unsupported")]
    assert any("aws to sqs cannot run locally" in m for m in unsupported)
    fixed = findings(tmp_path, text.replace("$input.body'", "$input.body #end'"))
    assert of(fixed, "aws-vtl") == []


def test_aws_lambda_unmapped(tmp_path: Path) -> None:
    text = (
        AWS_HEAD
        + """MAPPING
paths:
  /a:
    get:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ListFn.Arn}/invocations"}
"""
    )
    found = of(findings(tmp_path, text.replace("MAPPING", "")), "aws-lambda-unmapped")
    assert len(found) == 1 and "Lambda ListFn has no local handler" in found[0].message
    mapped = text.replace("MAPPING", "x-gateway: {lambdas: {ListFn: 'h.py:f'}}")
    assert of(findings(tmp_path, mapped, {"h.py": "def f(e, c):\n    return {}\n"}), "aws-lambda-unmapped") == []


def test_aws_extensions_the_gateway_does_not_apply_are_named(tmp_path: Path) -> None:
    text = (
        AWS_HEAD
        + """x-amazon-apigateway-policy: {Version: "2012-10-17"}
x-amazon-apigateway-binary-media-types: [image/png]
paths:
  /a:
    get:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-auth: {type: AWS_IAM}
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
"""
    )
    found = [f.message for f in of(findings(tmp_path, text), "aws-extension-unread")]
    assert found == [
        "x-amazon-apigateway-policy on the API is not applied by the local gateway",
        "x-amazon-apigateway-auth on GET /a is not applied by the local gateway",
    ]


def test_keys_from_the_environment_need_not_be_set_to_lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOME_UNSET_KEY", raising=False)
    text = HEAD + MOCKED + "x-gateway: {apiKeys: [{name: ci, valueFrom: 'env:SOME_UNSET_KEY'}]}\npaths: {}\n"
    assert findings(tmp_path, text) == []
