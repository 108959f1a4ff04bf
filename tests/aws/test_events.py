"""Lambda proxy events as recorded on AWS, through real HTTP: the keys of a payload 1.0 event as
LocalStack's test_lambda_aws_proxy_integration snapshot recorded them on AWS (2024-07-10), and of a
2.0 event as aws-lambda-go's events/testdata/apigw-v2-request-no-authorizer.json publishes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import gateway_for, running_server, write

HANDLER = """
import json


def echo(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""
FUNCTION = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:echo-fn"
    "/invocations"
)
V2 = f'{{type: aws_proxy, httpMethod: POST, uri: "{FUNCTION}", payloadFormatVersion: "2.0"}}'
REST = f"""
swagger: "2.0"
info: {{title: events, version: "1"}}
basePath: /test
x-gateway:
  stages: {{test: {{}}}}
  lambdas: {{echo-fn: "handler.py:echo"}}
  apiKeys: [{{name: k1, value: key-one-value-1234}}]
securityDefinitions:
  key: {{type: apiKey, in: header, name: x-api-key}}
paths:
  /{{proxy+}}:
    x-amazon-apigateway-any-method:
      parameters: [{{name: proxy, in: path, required: true, type: string}}]
      responses: {{}}
      x-amazon-apigateway-integration: {{type: aws_proxy, httpMethod: POST, uri: "{FUNCTION}"}}
  /keyed:
    get:
      security: [{{key: []}}]
      responses: {{}}
      x-amazon-apigateway-integration: {{type: aws_proxy, httpMethod: POST, uri: "{FUNCTION}"}}
"""
HTTP_API = f"""
openapi: 3.0.1
info: {{title: events, version: "1"}}
x-amazon-apigateway-importexport-version: "1.0"
x-gateway:
  lambdas: {{echo-fn: "handler.py:echo"}}
paths:
  /items/{{id}}:
    get:
      responses: {{default: {{description: any}}}}
      x-amazon-apigateway-integration: {V2}
  $default:
    x-amazon-apigateway-any-method:
      responses: {{default: {{description: any}}}}
      x-amazon-apigateway-integration: {V2}
"""
V1_KEYS = [
    "body", "headers", "httpMethod", "isBase64Encoded", "multiValueHeaders", "multiValueQueryStringParameters",
    "path", "pathParameters", "queryStringParameters", "requestContext", "resource", "stageVariables",
]  # fmt: skip
V1_CONTEXT_KEYS = [
    "accountId", "apiId", "deploymentId", "domainName", "domainPrefix", "extendedRequestId", "httpMethod",
    "identity", "path", "protocol", "requestId", "requestTime", "requestTimeEpoch", "resourceId", "resourcePath",
    "stage",
]  # fmt: skip
V1_IDENTITY_KEYS = [
    "accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
    "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "sourceIp", "user", "userAgent", "userArn",
]  # fmt: skip
V2_KEYS = ["version", "routeKey", "rawPath", "rawQueryString", "headers", "requestContext", "isBase64Encoded"]
V2_CONTEXT_KEYS = [
    "accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey", "stage", "time", "timeEpoch",
]  # fmt: skip


def _event(base: str, path: str, **kwargs: Any) -> dict[str, Any]:
    response = httpx.get(f"{base}{path}", timeout=10, **kwargs)
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()
    return event


def _serve(folder: Path, text: str, **options: Any) -> Any:
    (folder / "handler.py").write_text(HANDLER)
    return running_server(gateway_for(write(folder, "api.yaml", text), **options))


def test_a_rest_proxy_event_has_the_keys_recorded_on_aws(tmp_path: Path) -> None:
    with _serve(tmp_path, REST) as base:
        event = _event(base, "/test/test-path", headers={"user-agent": "python-requests/testing"})
        keyed = _event(base, "/test/keyed?a=1&a=2", headers={"x-api-key": "key-one-value-1234"})
    assert list(event) == V1_KEYS
    context = event["requestContext"]
    assert list(context) == V1_CONTEXT_KEYS
    assert list(context["identity"]) == V1_IDENTITY_KEYS
    assert context["identity"]["userAgent"] == "python-requests/testing"
    assert context["identity"]["accountId"] is None and context["identity"]["sourceIp"] == "127.0.0.1"
    assert (event["path"], context["path"]) == ("/test-path", "/test/test-path")  # the stage in the context's only
    assert (event["resource"], context["resourcePath"]) == ("/{proxy+}", "/{proxy+}")
    assert context["stage"] == "test" and len(context["deploymentId"]) == 6 and len(context["resourceId"]) == 6
    assert context["requestTimeEpoch"] > 1_600_000_000_000  # milliseconds
    assert event["multiValueQueryStringParameters"] is None and event["queryStringParameters"] is None
    assert event["body"] is None and event["stageVariables"] is None
    assert event["pathParameters"] == {"proxy": "test-path"}
    assert event["multiValueHeaders"]["user-agent"] == ["python-requests/testing"]
    assert keyed["queryStringParameters"] == {"a": "2"} and keyed["multiValueQueryStringParameters"] == {
        "a": ["1", "2"]
    }
    identity = keyed["requestContext"]["identity"]
    assert (identity["apiKey"], identity["apiKeyId"]) == ("key-one-value-1234", "k1")


def test_an_http_api_event_has_the_published_keys_and_omits_empty_ones(tmp_path: Path) -> None:
    with _serve(tmp_path, HTTP_API) as base:
        root = _event(base, "/", headers={"user-agent": "curl/7.58.0"})
        item = _event(base, "/items/7?x=1&x=2", headers={"X-Mixed-Case": "v", "cookie": "a=1; b=2"})
    assert list(root) == V2_KEYS
    assert list(root["requestContext"]) == V2_CONTEXT_KEYS
    assert root["routeKey"] == "$default" and root["requestContext"]["stage"] == "$default"
    assert root["requestContext"]["http"]["userAgent"] == "curl/7.58.0"
    assert item["pathParameters"] == {"id": "7"} and item["queryStringParameters"] == {"x": "1,2"}
    assert item["headers"]["x-mixed-case"] == "v" and "cookie" not in item["headers"]
    assert item["cookies"] == ["a=1", "b=2"]
    assert item["routeKey"] == "GET /items/{id}" and item["rawQueryString"] == "x=1&x=2"
    assert json.dumps(item)  # plain JSON all through
