"""Non-proxy integrations through real HTTP, as the developer guide describes them: passthrough
behaviours, every request parameter source and target, greedy paths, integration responses chosen
by selection pattern (an http backend's status, a Lambda's errorMessage), response parameters,
mocks, binary payloads with contentHandling, and HTTP API parameter mapping."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.backends.echo import app as echo_app
from tests.helpers import gateway_for, running_app, running_server, write

PNG = b"\x89PNG\r\n\x1a\n\x00\xff binary"
HANDLERS = """
import json


class NotFound(Exception):
    pass


def orders(event, context):
    if event.get("id") == "missing":
        raise NotFound("NotFound: order " + event["id"])
    if event.get("id") == "broken":
        raise RuntimeError("database down")
    return {"order": event.get("id"), "seen": event}
"""


async def png(request: Request) -> Response:
    return Response(PNG, media_type="image/png")


async def b64(request: Request) -> Response:
    return Response(base64.b64encode(PNG), media_type="text/plain")


async def raw(request: Request) -> Response:
    return Response(await request.body(), media_type=request.headers.get("content-type"))


FILES = Starlette(routes=[Route("/png", png), Route("/b64", b64), Route("/raw", raw, methods=["POST"])])


ORDERS_ARN = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:orders-fn"
    "/invocations"
)


def rest_spec(echo: str, files: str) -> str:
    echo_items = f'type: http, httpMethod: POST, uri: "{echo}/echo", responses: {{default: {{statusCode: "200"}}}}'
    return f"""
openapi: 3.0.1
info: {{title: mapping, version: "1"}}
x-amazon-apigateway-binary-media-types: [image/png, application/octet-stream]
x-gateway:
  stages: {{prod: {{variables: {{env: staging}}}}}}
  lambdas: {{orders-fn: "handlers.py:orders"}}
paths:
  /match:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        {{{echo_items},
         passthroughBehavior: when_no_match,
         requestTemplates: {{application/json: '{{"templated": $input.json(''$'')}}'}}}}
  /templates-only:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        {{{echo_items},
         passthroughBehavior: when_no_templates, requestTemplates: {{application/json: '{{"templated": true}}'}}}}
  /no-templates:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {{{echo_items}, passthroughBehavior: when_no_templates}}
  /never:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        {{{echo_items},
         passthroughBehavior: never, requestTemplates: {{application/json: '{{"templated": true}}'}}}}
  /never-empty:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {{{echo_items}, passthroughBehavior: never}}
  /params/{{id}}:
    post:
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: "{echo}/items/{{item}}"
        requestParameters:
          integration.request.path.item: method.request.path.id
          integration.request.querystring.q: method.request.querystring.q
          integration.request.multivaluequerystring.tag: method.request.multivaluequerystring.tag
          integration.request.header.x-user: method.request.header.x-user
          integration.request.multivalueheader.x-many: method.request.multivalueheader.x-many
          integration.request.header.x-body: method.request.body
          integration.request.querystring.name: method.request.body.customer.name
          integration.request.header.x-request-id: context.requestId
          integration.request.header.x-stage: stageVariables.env
          integration.request.querystring.fixed: "'yes'"
        responses: {{default: {{statusCode: "200"}}}}
  /up/{{proxy+}}:
    post:
      parameters: [{{name: proxy, in: path, required: true, schema: {{type: string}}}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: "{echo}/up/{{proxy}}"
        requestParameters: {{integration.request.path.proxy: method.request.path.proxy}}
        responses: {{default: {{statusCode: "200"}}}}
  /proxy-up/{{proxy+}}:
    get:
      parameters: [{{name: proxy, in: path, required: true, schema: {{type: string}}}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "{echo}/up/{{proxy}}"
        requestParameters: {{integration.request.path.proxy: method.request.path.proxy}}
  /status:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "{echo}/status"
        requestParameters: {{integration.request.querystring.status: method.request.querystring.status}}
        responses:
          "4\\\\d{{2}}":
            statusCode: "400"
            responseTemplates: {{application/json: '{{"client": $input.json(''$.method'')}}'}}
          "5\\\\d{{2}}":
            statusCode: "503"
            responseParameters:
              method.response.header.x-static: "'down'"
          default:
            statusCode: "200"
            responseParameters:
              method.response.header.x-backend: integration.response.header.x-backend
              method.response.header.x-method: integration.response.body.method
              method.response.header.x-whole: integration.response.body
              method.response.header.x-stage: stageVariables.env
  /strict-status:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "{echo}/strict"
        requestParameters: {{integration.request.querystring.status: method.request.querystring.status}}
        responses: {{"2\\\\d{{2}}": {{statusCode: "200"}}}}
  /orders/{{id}}:
    get:
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: {ORDERS_ARN}
        requestTemplates: {{application/json: '{{"id": "$input.params(''id'')", "stage": "$context.stage"}}'}}
        responses:
          "NotFound:.*":
            statusCode: "404"
            responseTemplates: {{application/json: '{{"error": "$input.path(''$.errorMessage'')"}}'}}
          default:
            statusCode: "200"
  /orders-strict/{{id}}:
    get:
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: {ORDERS_ARN}
        requestTemplates: {{application/json: '{{"id": "$input.params(''id'')"}}'}}
        responses: {{"NotFound:.*": {{statusCode: "404"}}}}
  /mock:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{"statusCode": $input.json(''$.code'')}}'}}
        responses:
          "404":
            statusCode: "404"
            responseTemplates: {{application/json: '{{"missing": "$input.path(''$.what'')"}}'}}
          default:
            statusCode: "200"
            responseTemplates: {{application/json: '{{"ok": true}}'}}
  /to-text:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: "{files}/raw"
        contentHandling: CONVERT_TO_TEXT
        responses: {{default: {{statusCode: "200"}}}}
  /to-binary:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: "{files}/raw"
        contentHandling: CONVERT_TO_BINARY
        responses: {{default: {{statusCode: "200", contentHandling: CONVERT_TO_TEXT}}}}
  /png-as-text:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "{files}/png"
        responses: {{default: {{statusCode: "200", contentHandling: CONVERT_TO_TEXT}}}}
  /b64-as-binary:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "{files}/b64"
        responses: {{default: {{statusCode: "200", contentHandling: CONVERT_TO_BINARY}}}}
  /png:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "{files}/png"
        responses:
          default:
            statusCode: "200"
            responseParameters: {{method.response.header.Content-Type: integration.response.header.Content-Type}}
  /round-trip:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: "{files}/raw"
        responses:
          default:
            statusCode: "200"
            responseParameters: {{method.response.header.Content-Type: integration.response.header.Content-Type}}
"""


def http_api_spec(echo: str) -> str:
    return f"""
openapi: 3.0.1
info: {{title: http mapping, version: "1"}}
x-amazon-apigateway-importexport-version: "1.0"
x-gateway: {{stages: {{prod: {{variables: {{env: staging}}}}}}}}
paths:
  /mapped:
    get:
      responses: {{default: {{description: any}}}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "{echo}/mapped"
        payloadFormatVersion: "1.0"
        requestParameters:
          overwrite:header.x-user: "user-$request.header.x-user"
          append:header.x-trace: "$context.requestId"
          remove:header.x-secret: "''"
          overwrite:querystring.page: "$request.querystring.p"
          append:querystring.tag: "$stageVariables.env"
          remove:querystring.drop: "''"
          overwrite:path: "rewritten/$request.querystring.p"
        responseParameters:
          "200":
            overwrite:statuscode: "202"
            append:header.x-from-backend: "$response.header.x-backend"
            overwrite:header.x-method: "$response.body.method"
            remove:header.x-backend: "''"
"""


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    with running_app(echo_app) as base:
        yield base


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    with running_app(FILES) as base:
        yield base


@pytest.fixture(scope="module")
def rest(tmp_path_factory: pytest.TempPathFactory, echo: str, files: str) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("mapping")
    (folder / "handlers.py").write_text(HANDLERS)
    gateway = gateway_for(write(folder, "api.yaml", rest_spec(echo, files)))
    with running_server(gateway) as base:
        yield base


@pytest.fixture(scope="module")
def http_api(tmp_path_factory: pytest.TempPathFactory, echo: str) -> Iterator[str]:
    gateway = gateway_for(write(tmp_path_factory.mktemp("http-mapping"), "api.yaml", http_api_spec(echo)))
    with running_server(gateway) as base:
        yield base


def _echoed(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    seen: dict[str, Any] = response.json()
    seen["body"] = base64.b64decode(seen["body"])
    seen["header_map"] = {}
    for name, value in seen["headers"]:
        seen["header_map"].setdefault(name, []).append(value)
    return seen


TEXT = {"content-type": "text/plain"}


def test_when_no_match_renders_a_matching_template_and_passes_the_rest(rest: str) -> None:
    assert _echoed(httpx.post(f"{rest}/match", json={"a": 1}))["body"] == b'{"templated": {"a":1}}'
    assert _echoed(httpx.post(f"{rest}/match", content=b"plain", headers=TEXT))["body"] == b"plain"
    # no Content-Type is application/json
    assert _echoed(httpx.post(f"{rest}/match", content=b'{"b": 2}'))["body"] == b'{"templated": {"b":2}}'


def test_when_no_templates_refuses_unmatched_types_once_templates_exist(rest: str) -> None:
    refused = httpx.post(f"{rest}/templates-only", content=b"plain", headers=TEXT)
    assert (refused.status_code, refused.json()) == (415, {"message": "Unsupported Media Type"})
    assert _echoed(httpx.post(f"{rest}/templates-only", json={}))["body"] == b'{"templated": true}'
    assert _echoed(httpx.post(f"{rest}/no-templates", content=b"plain", headers=TEXT))["body"] == b"plain"


def test_never_refuses_what_no_template_covers(rest: str) -> None:
    assert httpx.post(f"{rest}/never", content=b"plain", headers=TEXT).status_code == 415
    assert _echoed(httpx.post(f"{rest}/never", json={}))["body"] == b'{"templated": true}'
    assert httpx.post(f"{rest}/never-empty", json={}).status_code == 415


def test_every_request_parameter_source_and_target(rest: str) -> None:
    body = {"customer": {"name": "Ada"}}
    response = httpx.post(
        f"{rest}/params/it%20em?q=first&q=last&tag=a&tag=b&ignored=1",
        json=body,
        headers=[("x-user", "u1"), ("x-many", "m1"), ("x-many", "m2"), ("x-dropped", "d")],
    )
    seen = _echoed(response)
    assert seen["raw_path"] == "/items/it%20em"
    query = dict.fromkeys(part.split("=")[0] for part in seen["query"].split("&"))
    assert list(query) == ["q", "tag", "name", "fixed"]  # only mapped query strings reach the backend
    assert "q=last" in seen["query"] and "tag=a&tag=b" in seen["query"]
    assert "name=Ada" in seen["query"] and "fixed=yes" in seen["query"]
    headers = seen["header_map"]
    assert headers["x-user"] == ["u1"] and headers["x-many"] == ["m1", "m2"]
    assert json.loads(headers["x-body"][0]) == body
    assert headers["x-stage"] == ["staging"] and len(headers["x-request-id"][0]) > 8
    assert "x-dropped" not in headers  # method request headers are not passed unless mapped
    assert headers["user-agent"] == ["AmazonAPIGateway_apigwlocal"]
    assert response.headers["content-type"] == "application/json"


def test_a_greedy_path_keeps_its_slashes(rest: str) -> None:
    assert _echoed(httpx.post(f"{rest}/up/a/b/c", json={}))["raw_path"] == "/up/a/b/c"
    assert _echoed(httpx.get(f"{rest}/proxy-up/a/b/c"))["raw_path"] == "/up/a/b/c"


def test_http_status_selects_the_integration_response(rest: str) -> None:
    ok = httpx.get(f"{rest}/status")
    assert ok.status_code == 200
    assert ok.headers["x-backend"] == "echo" and ok.headers["x-method"] == "GET"
    assert json.loads(ok.headers["x-whole"])["method"] == "GET" and ok.headers["x-stage"] == "staging"
    client = httpx.get(f"{rest}/status?status=404")
    assert (client.status_code, client.json()) == (400, {"client": "GET"})
    server = httpx.get(f"{rest}/status?status=502")
    assert (server.status_code, server.headers["x-static"]) == (503, "down")
    assert "x-backend" not in server.headers  # backend headers are not passed unless mapped


def test_no_match_and_no_default_is_500(rest: str) -> None:
    assert httpx.get(f"{rest}/strict-status").status_code == 200
    failed = httpx.get(f"{rest}/strict-status?status=404")
    assert (failed.status_code, failed.json()) == (500, {"message": "Internal server error"})


def test_lambda_error_message_selects_the_integration_response(rest: str) -> None:
    ok = httpx.get(f"{rest}/orders/7")
    assert (ok.status_code, ok.json()) == (200, {"order": "7", "seen": {"id": "7", "stage": "prod"}})
    missing = httpx.get(f"{rest}/orders/missing")
    assert (missing.status_code, missing.json()) == (404, {"error": "NotFound: order missing"})
    other = httpx.get(f"{rest}/orders/broken")  # no pattern matches: the default entry, the error as body
    assert other.status_code == 200
    assert other.json()["errorMessage"] == "database down" and other.json()["errorType"] == "RuntimeError"
    assert httpx.get(f"{rest}/orders-strict/missing").status_code == 404
    assert httpx.get(f"{rest}/orders-strict/7").status_code == 500  # success needs a default


def test_mock_status_from_its_template_and_response_templates_read_the_request(rest: str) -> None:
    found = httpx.post(f"{rest}/mock", json={"code": 404, "what": "cart"})
    assert (found.status_code, found.json()) == (404, {"missing": "cart"})
    assert httpx.post(f"{rest}/mock", json={"code": 200}).json() == {"ok": True}


def test_binary_payloads(rest: str) -> None:
    as_text = httpx.post(f"{rest}/to-text", content=PNG, headers={"content-type": "image/png", "accept": "image/png"})
    assert as_text.content == base64.b64encode(PNG)  # CONVERT_TO_TEXT: the backend got base64, echoed it
    decoded = httpx.post(f"{rest}/to-binary", content=base64.b64encode(PNG), headers=TEXT)
    # decoded for the backend, which echoes it as text/plain: not a binary type, so CONVERT_TO_TEXT keeps it
    assert decoded.content == PNG
    not_base64 = httpx.post(f"{rest}/to-binary", content=b"%%% not base64", headers=TEXT)
    assert not_base64.status_code == 500
    assert httpx.get(f"{rest}/png-as-text").content == base64.b64encode(PNG)
    assert httpx.get(f"{rest}/b64-as-binary").content == PNG
    image = httpx.get(f"{rest}/png", headers={"accept": "image/png"})
    assert (image.content, image.headers["content-type"]) == (PNG, "image/png")
    # a binary client (Accept image/png) of a binary backend: the bytes round-trip unchanged
    back = httpx.post(f"{rest}/round-trip", content=PNG, headers={"content-type": "image/png", "accept": "image/png"})
    assert back.content == PNG
    # a text client of a binary answer gets it base64-encoded
    texted = httpx.get(f"{rest}/png", headers={"accept": "application/json"})
    assert texted.content == base64.b64encode(PNG)


def test_http_api_parameter_mapping(http_api: str) -> None:
    response = httpx.get(
        f"{http_api}/mapped?p=2&drop=x&keep=1",
        headers={"x-user": "ada", "x-trace": "t0", "x-secret": "s"},
    )
    assert response.status_code == 202  # overwrite:statuscode
    assert response.headers["x-from-backend"] == "echo" and "x-backend" not in response.headers
    assert response.headers["x-method"] == "GET"
    seen = response.json()
    assert seen["path"] == "/rewritten/2"
    assert seen["query"] == "p=2&keep=1&page=2&tag=staging"  # drop removed, page set, tag appended
    headers: dict[str, list[str]] = {}
    for name, value in seen["headers"]:
        headers.setdefault(name, []).append(value)
    assert headers["x-user"] == ["user-ada"]
    assert headers["x-trace"][0] == "t0" and len(headers["x-trace"]) == 2
    assert "x-secret" not in headers


BROKEN = """
openapi: 3.0.1
info: {title: broken templates, version: "1"}
paths:
  /fails:
    post:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: |
            {"statusCode": 200}
            #set($l = [1])
            $l.get(5)
        responses: {default: {statusCode: "200"}}
  /unparsed:
    post:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '#if($input.body) never closed'}
        responses: {default: {statusCode: "200"}}
  /fine:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"fine": true}'}}}
"""


def test_a_failing_template_answers_500_and_logs_where_it_is(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    gateway = gateway_for(write(tmp_path, "api.yaml", BROKEN))
    notices = "\n".join(gateway.notices)
    assert "api.yaml:20:28" in notices and "does not parse" in notices and "answer 500" in notices
    with caplog.at_level("ERROR", logger="apigw"), running_server(gateway) as base:
        failed = httpx.post(f"{base}/fails", json={})
        unparsed = httpx.post(f"{base}/unparsed", json={})
        fine = httpx.get(f"{base}/fine")
    assert (failed.status_code, failed.json()) == (500, {"message": "Internal server error"})
    assert unparsed.status_code == 500
    assert (fine.status_code, fine.json()) == (200, {"fine": True})  # the rest of the API serves
    logged = [record.getMessage() for record in caplog.records]
    assert any("api.yaml:10, template line 3" in line and "get(5)" in line for line in logged), logged
