"""Every gateway response type the local gateway can meet, through real HTTP, in both flavours: the
REST API's status, body and x-amzn-ErrorType (developer guide, supported-gateway-response-types),
the HTTP API's own answers; then a REST API restyling each type through
`x-amazon-apigateway-gateway-responses` (VTL templates, mapped headers) and DEFAULT_4XX /
DEFAULT_5XX standing in for every type not customised.

EXPIRED_TOKEN and INVALID_SIGNATURE are SigV4 answers (IAM auth) and WAF_FILTERED needs AWS WAF:
nothing here answers them yet, so only their table entries are checked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from apigw_cli.config import Settings
from apigw_cli.gateway.gateway_errors import RESPONSE_KINDS, gateway_error
from tests.backends.echo import app as echo_app
from tests.helpers import free_port, gateway_for, running_app, running_server, write

AUTHORIZERS = """
def token(event, context):
    if event["authorizationToken"] == "raise":
        raise RuntimeError("authorizer bug")
    effect = "Allow" if event["authorizationToken"] == "allow" else "Deny"
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
    return {"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}


def simple(event, context):
    value = (event.get("headers") or {}).get("authorization")
    if value == "raise":
        raise RuntimeError("authorizer bug")
    return {"isAuthorized": value == "allow"}
"""
AUTH_ARN = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:{}/invocations"
)


def rest_spec(backend: str, closed: str, responses: str = "") -> str:
    return f"""
openapi: 3.0.1
info: {{title: responses, version: "1"}}
x-gateway:
  lambdas: {{token-auth: "auth.py:token"}}
  apiKeys: [{{name: k1, value: key-one-value-1234}}]
  usagePlans: [{{name: p, keys: [k1], quota: {{limit: 1, period: DAY}}}}]
x-amazon-apigateway-request-validators:
  all: {{validateRequestParameters: true, validateRequestBody: true}}
{responses}
components:
  securitySchemes:
    tok:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: {AUTH_ARN.format("token-auth")}
        authorizerResultTtlInSeconds: 0
    key: {{type: apiKey, in: header, name: x-api-key}}
x-mock: &mock
  type: mock
  requestTemplates: {{application/json: '{{"statusCode": 200}}'}}
  responses: {{default: {{statusCode: "200"}}}}
paths:
  /guarded:
    get:
      security: [{{tok: []}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: *mock
  /keyed:
    get:
      security: [{{key: []}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: *mock
  /throttled:
    get:
      x-throttle: {{rate: 0.001, burst: 1}}
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: *mock
  /params:
    get:
      x-amazon-apigateway-request-validator: all
      parameters: [{{name: q, in: query, required: true, schema: {{type: string}}}}]
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: *mock
  /body:
    post:
      x-amazon-apigateway-request-validator: all
      requestBody:
        content:
          application/json:
            schema: {{type: object, required: [name], properties: {{name: {{type: string}}}}}}
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: *mock
  /strict:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: mock
        passthroughBehavior: never
        requestTemplates: {{application/json: '{{"statusCode": 200}}'}}
        responses: {{default: {{statusCode: "200"}}}}
  /unmapped:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{application/json: '{{"statusCode": 404}}'}}
        responses: {{"200": {{statusCode: "200"}}}}
  /down:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {{type: http_proxy, httpMethod: GET, uri: "{closed}/x"}}
  /slow:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "{backend}/slow?seconds=5"
        timeoutInMillis: 100
  /upload:
    post:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {{type: http_proxy, httpMethod: POST, uri: "{backend}/echo"}}
"""


def http_spec(backend: str, closed: str) -> str:
    return f"""
openapi: 3.0.1
info: {{title: responses, version: "1"}}
x-amazon-apigateway-importexport-version: "1.0"
x-gateway:
  lambdas: {{simple-auth: "auth.py:simple"}}
components:
  securitySchemes:
    simple:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: $request.header.Authorization
        authorizerUri: {AUTH_ARN.format("simple-auth")}
        authorizerPayloadFormatVersion: "2.0"
        enableSimpleResponses: true
        authorizerResultTtlInSeconds: 0
paths:
  /guarded:
    get:
      security: [{{simple: []}}]
      responses: {{default: {{description: any}}}}
      x-amazon-apigateway-integration:
        {{type: http_proxy, httpMethod: GET, uri: "{backend}/ok", payloadFormatVersion: "1.0"}}
  /throttled:
    get:
      x-throttle: {{rate: 0.001, burst: 1}}
      responses: {{default: {{description: any}}}}
      x-amazon-apigateway-integration:
        {{type: http_proxy, httpMethod: GET, uri: "{backend}/ok", payloadFormatVersion: "1.0"}}
  /down:
    get:
      responses: {{default: {{description: any}}}}
      x-amazon-apigateway-integration:
        {{type: http_proxy, httpMethod: GET, uri: "{closed}/x", payloadFormatVersion: "1.0"}}
  /slow:
    get:
      responses: {{default: {{description: any}}}}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "{backend}/slow?seconds=5"
        timeoutInMillis: 100
        payloadFormatVersion: "1.0"
  /upload:
    post:
      responses: {{default: {{description: any}}}}
      x-amazon-apigateway-integration:
        {{type: http_proxy, httpMethod: POST, uri: "{backend}/echo", payloadFormatVersion: "1.0"}}
"""


LIMIT = 1024
KEY = "key-one-value-1234"
TEXT = {"content-type": "text/plain"}


def _twice(send: Callable[[], httpx.Response]) -> httpx.Response:
    send()
    return send()


# response type -> how to make the gateway answer it (base URL -> the answer)
REST_TRIGGERS: dict[str, Callable[[str], httpx.Response]] = {
    "MISSING_AUTHENTICATION_TOKEN": lambda base: httpx.get(f"{base}/nowhere"),
    "ACCESS_DENIED": lambda base: httpx.get(f"{base}/guarded", headers={"authorization": "deny"}),
    "UNAUTHORIZED": lambda base: httpx.get(f"{base}/guarded"),
    "AUTHORIZER_CONFIGURATION_ERROR": lambda base: httpx.get(f"{base}/guarded", headers={"authorization": "raise"}),
    "INVALID_API_KEY": lambda base: httpx.get(f"{base}/keyed", headers={"x-api-key": "wrong"}),
    "QUOTA_EXCEEDED": lambda base: _twice(lambda: httpx.get(f"{base}/keyed", headers={"x-api-key": KEY})),
    "THROTTLED": lambda base: _twice(lambda: httpx.get(f"{base}/throttled")),
    "BAD_REQUEST_PARAMETERS": lambda base: httpx.get(f"{base}/params"),
    "BAD_REQUEST_BODY": lambda base: httpx.post(f"{base}/body", json={"name": 7}),
    "UNSUPPORTED_MEDIA_TYPE": lambda base: httpx.post(f"{base}/strict", content=b"x", headers=TEXT),
    "API_CONFIGURATION_ERROR": lambda base: httpx.get(f"{base}/unmapped"),
    "INTEGRATION_FAILURE": lambda base: httpx.get(f"{base}/down"),
    "INTEGRATION_TIMEOUT": lambda base: httpx.get(f"{base}/slow", timeout=10),
    "REQUEST_TOO_LARGE": lambda base: httpx.post(f"{base}/upload", content=b"x" * (LIMIT + 1)),
}  # fmt: skip
# (status, body, x-amzn-ErrorType) of the managed gateway's REST APIs, written out
REST_ANSWERS: dict[str, tuple[int, dict[str, str | None], str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (403, {"message": "Missing Authentication Token"}, "MissingAuthentication"
                                     "TokenException"),
    "ACCESS_DENIED": (403, {"Message": "User is not authorized to access this resource with an explicit deny"},
                      "AccessDeniedException"),
    "UNAUTHORIZED": (401, {"message": "Unauthorized"}, "UnauthorizedException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, {"message": None}, "AuthorizerConfigurationException"),
    "INVALID_API_KEY": (403, {"message": "Forbidden"}, "ForbiddenException"),
    "QUOTA_EXCEEDED": (429, {"message": "Limit Exceeded"}, "LimitExceededException"),
    "THROTTLED": (429, {"message": "Too Many Requests"}, "TooManyRequestsException"),
    "BAD_REQUEST_PARAMETERS": (400, {"message": "Missing required request parameters: [q]"}, "BadRequestException"),
    "BAD_REQUEST_BODY": (400, {"message": "Invalid request body"}, "BadRequestException"),
    "UNSUPPORTED_MEDIA_TYPE": (415, {"message": "Unsupported Media Type"}, "UnsupportedMediaTypeException"),
    "API_CONFIGURATION_ERROR": (500, {"message": "Internal server error"}, "InternalServerErrorException"),
    "INTEGRATION_FAILURE": (502, {"message": "Internal server error"}, "InternalServerErrorException"),
    "INTEGRATION_TIMEOUT": (504, {"message": "Endpoint request timed out"}, "InternalServerErrorException"),
    "REQUEST_TOO_LARGE": (413, {"message": "Request Entity Too Large"}, "RequestTooLargeException"),
}  # fmt: skip
HTTP_TRIGGERS: dict[str, Callable[[str], httpx.Response]] = {
    "RESOURCE_NOT_FOUND": lambda base: httpx.get(f"{base}/nowhere"),
    "ACCESS_DENIED": lambda base: httpx.get(f"{base}/guarded", headers={"authorization": "deny"}),
    "UNAUTHORIZED": lambda base: httpx.get(f"{base}/guarded"),
    "AUTHORIZER_CONFIGURATION_ERROR": lambda base: httpx.get(f"{base}/guarded", headers={"authorization": "raise"}),
    "THROTTLED": lambda base: _twice(lambda: httpx.get(f"{base}/throttled")),
    "INTEGRATION_FAILURE": lambda base: httpx.get(f"{base}/down"),
    "INTEGRATION_TIMEOUT": lambda base: httpx.get(f"{base}/slow", timeout=10),
    "REQUEST_TOO_LARGE": lambda base: httpx.post(f"{base}/upload", content=b"x" * (LIMIT + 1)),
}  # fmt: skip
HTTP_ANSWERS = {
    "RESOURCE_NOT_FOUND": (404, {"message": "Not Found"}),
    "ACCESS_DENIED": (403, {"message": "Forbidden"}),
    "UNAUTHORIZED": (401, {"message": "Unauthorized"}),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, {"message": "Internal Server Error"}),
    "THROTTLED": (429, {"message": "Too Many Requests"}),
    "INTEGRATION_FAILURE": (500, {"message": "Internal Server Error"}),
    "INTEGRATION_TIMEOUT": (503, {"message": "Service Unavailable"}),
    "REQUEST_TOO_LARGE": (413, {"message": "Request Entity Too Large"}),
}
CUSTOMISED = """
x-amazon-apigateway-gateway-responses:
{entries}
"""


def _serve(folder: Path, text: str) -> Iterator[str]:
    (folder / "auth.py").write_text(AUTHORIZERS)
    spec = write(folder, "api.yaml", text)
    settings = Settings(spec=spec, max_body_bytes=LIMIT)
    gateway = gateway_for(spec, max_body_bytes=LIMIT)
    with running_server(gateway, settings) as base:
        yield base


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    with running_app(echo_app) as base:
        yield base


@pytest.fixture(scope="module")
def closed() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def rest(tmp_path_factory: pytest.TempPathFactory, backend: str, closed: str) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("rest"), rest_spec(backend, closed))


@pytest.fixture(scope="module")
def http_api(tmp_path_factory: pytest.TempPathFactory, backend: str, closed: str) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("http"), http_spec(backend, closed))


@pytest.fixture(scope="module")
def restyled(tmp_path_factory: pytest.TempPathFactory, backend: str, closed: str) -> Iterator[str]:
    entries = "\n".join(
        f"  {kind}:\n"
        f"    statusCode: {590 + index % 9}\n"
        f"    responseParameters: {{gatewayresponse.header.x-type: \"'{kind}'\", "
        f"gatewayresponse.header.x-asked: method.request.header.x-ask}}\n"
        "    responseTemplates:\n"
        '      application/json: \'#set($m = $context.error.message){"type": "$context.error.responseType", '
        '"message": $context.error.messageString#if($m.length() > 0), "upper": "$m.toUpperCase()"#end}\''
        for index, kind in enumerate(REST_TRIGGERS)
    )
    yield from _serve(
        tmp_path_factory.mktemp("restyled"), rest_spec(backend, closed, CUSTOMISED.format(entries=entries))
    )


@pytest.fixture(scope="module")
def defaults(tmp_path_factory: pytest.TempPathFactory, backend: str, closed: str) -> Iterator[str]:
    entries = (
        "  DEFAULT_4XX:\n    statusCode: 418\n    responseTemplates:\n"
        '      application/json: \'{"four": "$context.error.responseType"}\'\n'
        "  DEFAULT_5XX:\n    responseParameters: {gatewayresponse.header.x-five: \"'yes'\"}\n"
        "  THROTTLED:\n    responseTemplates:\n      application/json: '{\"own\": true}'"
    )
    yield from _serve(
        tmp_path_factory.mktemp("defaults"), rest_spec(backend, closed, CUSTOMISED.format(entries=entries))
    )


@pytest.mark.parametrize("kind", list(REST_TRIGGERS))
def test_rest_api_default_answer(rest: str, kind: str) -> None:
    response = REST_TRIGGERS[kind](rest)
    status, body, error_type = REST_ANSWERS[kind]
    assert (response.status_code, response.json()) == (status, body)
    assert response.headers["x-amzn-errortype"] == error_type
    assert response.headers["x-amzn-requestid"]


@pytest.mark.parametrize("kind", list(HTTP_TRIGGERS))
def test_http_api_answer(http_api: str, kind: str) -> None:
    response = HTTP_TRIGGERS[kind](http_api)
    assert (response.status_code, response.json()) == HTTP_ANSWERS[kind]
    assert "x-amzn-errortype" not in response.headers
    assert response.headers["apigw-requestid"]


@pytest.mark.parametrize("kind", list(REST_TRIGGERS))
def test_each_type_restyled_by_its_gateway_response(restyled: str, kind: str) -> None:
    index = list(REST_TRIGGERS).index(kind)
    response = REST_TRIGGERS[kind](restyled)
    assert response.status_code == 590 + index % 9
    assert response.headers["x-type"] == kind
    body = response.json()
    assert body["type"] == kind
    message = REST_ANSWERS[kind][1].get("message", REST_ANSWERS[kind][1].get("Message"))
    assert body["message"] == (message or "")
    assert body.get("upper") == (message.upper() if message else None)


def test_a_gateway_response_header_maps_a_request_header(restyled: str) -> None:
    response = httpx.get(f"{restyled}/nowhere", headers={"x-ask": "42"})
    assert response.headers["x-asked"] == "42"


@pytest.mark.parametrize("kind", list(REST_TRIGGERS))
def test_default_4xx_and_5xx_stand_in_for_types_not_customised(defaults: str, kind: str) -> None:
    response = REST_TRIGGERS[kind](defaults)
    status = REST_ANSWERS[kind][0]
    if kind == "THROTTLED":  # customised itself: its own template, its own status
        assert (response.status_code, response.json()) == (429, {"own": True})
    elif status < 500:
        assert (response.status_code, response.json()) == (418, {"four": kind})
    else:
        assert (response.status_code, response.json()) == (status, REST_ANSWERS[kind][1])
        assert response.headers["x-five"] == "yes"


def test_the_types_no_local_request_meets_yet_are_in_the_table() -> None:
    for kind, status, error_type in (
        ("EXPIRED_TOKEN", 403, "ExpiredTokenException"),
        ("INVALID_SIGNATURE", 403, "InvalidSignatureException"),
        ("WAF_FILTERED", 403, "WAFFilteredException"),
        ("RESOURCE_NOT_FOUND", 404, "NotFoundException"),
    ):
        answer = gateway_error(kind)  # type: ignore[arg-type]
        assert (answer.status, answer.header("x-amzn-errortype")) == (status, error_type)
    assert len(RESPONSE_KINDS) == 21  # every type of the developer guide's table
