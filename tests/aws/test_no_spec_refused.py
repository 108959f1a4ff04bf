"""A spec the managed gateway imports starts here too: a route that cannot run locally is listed,
answers a 5xx naming why, and is counted at start-up; the rest of the API serves."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from apigw_cli.cli import app
from tests.helpers import gateway_for, running_server, write

runner = CliRunner()

HTTP_API = """
openapi: 3.0.1
info: {title: imported, version: "1"}
x-amazon-apigateway-importexport-version: "1.0"
components:
  securitySchemes:
    lambdaAuth:
      type: apiKey
      in: header
      name: Authorization
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: $request.header.Authorization
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth-fn/invocations
        authorizerPayloadFormatVersion: "2.0"
  x-amazon-apigateway-integrations:
    hello:
      type: aws_proxy
      httpMethod: POST
      uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:hello-fn/invocations
      payloadFormatVersion: "2.0"
paths:
  /secure:
    get:
      security: [{lambdaAuth: []}]
      responses: {default: {description: any}}
      x-amazon-apigateway-integration: {$ref: "#/components/x-amazon-apigateway-integrations/hello"}
  /hello:
    get:
      responses: {default: {description: any}}
      x-amazon-apigateway-integration: {$ref: "#/components/x-amazon-apigateway-integrations/hello"}
  /queue:
    post:
      responses: {default: {description: any}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        integrationSubtype: SQS-SendMessage
        credentials: arn:aws:iam::123456789012:role/apigw-sqs
        requestParameters: {QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q", MessageBody: $request.body}
        payloadFormatVersion: "1.0"
  /events:
    post:
      responses: {default: {description: any}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        integrationSubtype: EventBridge-PutEvents
        credentials: arn:aws:iam::123456789012:role/apigw-events
        requestParameters:
          Detail: $request.body.detail
          DetailType: "order ${request.body.kind}"
          Source: $request.header.x-source
        payloadFormatVersion: "1.0"
  $default:
    x-amazon-apigateway-any-method:
      responses: {default: {description: any}}
      x-amazon-apigateway-integration: {$ref: "#/components/x-amazon-apigateway-integrations/hello"}
"""  # noqa: E501 (ARNs as exports write them)
HANDLERS = """
import json


def hello(event, context):
    return {"routeKey": event["routeKey"], "path": event["rawPath"]}


def put_events(event, context):
    return {"Entries": [{"EventId": "e-1"}], "received": event}
"""
LAMBDAS = """
hello-fn: handlers.py:hello
EventBridge-PutEvents: handlers.py:put_events
"""


def http_api(tmp_path: Path) -> Path:
    write(tmp_path, "handlers.py", HANDLERS)
    write(tmp_path, "lambdas.yaml", LAMBDAS)
    return write(tmp_path, "api.yaml", HTTP_API)


def test_an_http_api_with_what_cannot_run_starts_and_says_so(tmp_path: Path) -> None:
    spec = http_api(tmp_path)
    gateway = gateway_for(spec, lambda_map=tmp_path / "lambdas.yaml")
    notices = "\n".join(gateway.notices)
    assert "authorizer lambdaAuth cannot run here" in notices and "auth-fn" in notices and "GET /secure" in notices
    assert "SQS-SendMessage (POST /queue)" in notices
    with running_server(gateway) as base:
        secure = httpx.get(f"{base}/secure", headers={"authorization": "t"}, timeout=5)
        # an HTTP API answers a broken authorizer as it answers every 500 of its own (a REST API's
        # {"message": null} with AuthorizerConfigurationException is checked below)
        assert (secure.status_code, secure.json()) == (500, {"message": "Internal Server Error"})
        assert "x-amzn-errortype" not in secure.headers and secure.headers["apigw-requestid"]
        queue = httpx.post(f"{base}/queue", content=b"{}", timeout=5)
        assert queue.status_code == 501 and "SQS-SendMessage" in queue.json()["message"]
        hello = httpx.get(f"{base}/hello", timeout=5)  # a reusable integration, by $ref
        assert hello.json() == {"routeKey": "GET /hello", "path": "/hello"}


def test_a_service_integration_mapped_to_a_handler_gets_the_mapped_parameters(tmp_path: Path) -> None:
    gateway = gateway_for(http_api(tmp_path), lambda_map=tmp_path / "lambdas.yaml")
    with running_server(gateway) as base:
        answer = httpx.post(
            f"{base}/events", json={"detail": {"id": 7}, "kind": "created"}, headers={"x-source": "shop"}, timeout=5
        )
    assert answer.status_code == 200
    assert answer.json()["received"] == {"Detail": '{"id":7}', "DetailType": "order created", "Source": "shop"}


def test_the_default_route_catches_what_no_other_route_matches(tmp_path: Path) -> None:
    gateway = gateway_for(http_api(tmp_path), lambda_map=tmp_path / "lambdas.yaml")
    with running_server(gateway) as base:
        anything = httpx.delete(f"{base}/no/such/thing", timeout=5)
        other_method = httpx.put(f"{base}/hello", timeout=5)
    assert anything.json() == {"routeKey": "$default", "path": "/no/such/thing"}
    assert other_method.json()["routeKey"] == "$default"


def test_routes_lists_what_cannot_run_with_the_reason(tmp_path: Path) -> None:
    spec = http_api(tmp_path)
    result = runner.invoke(app, ["routes", str(spec), "--lambda-map", str(tmp_path / "lambdas.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    rows = {f"{row['method']} {row['path']}": row for row in json.loads(result.output)}
    assert not rows["GET /secure"]["runsLocally"] and "lambdaAuth" in rows["GET /secure"]["auth"]
    assert rows["POST /queue"]["integration"] == "unsupported" and not rows["POST /queue"]["runsLocally"]
    assert rows["ANY $default"]["runsLocally"]


REST_API = """
swagger: "2.0"
info: {title: rest import, version: "1"}
x-amazon-apigateway-request-validators:
  body: {validateRequestBody: true, validateRequestParameters: false}
securityDefinitions:
  pool:
    type: apiKey
    in: header
    name: Authorization
    x-amazon-apigateway-authtype: cognito_user_pools
    x-amazon-apigateway-authorizer:
      type: cognito_user_pools
      providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC]
paths:
  /things:
    post:
      x-amazon-apigateway-request-validator: strict
      parameters:
        - {name: body, in: body, required: true, schema: {$ref: "#/definitions/Empty"}}
      responses:
        "200": {description: ok, schema: {$ref: "#/definitions/Error"}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
  /pool:
    get:
      security: [{pool: []}]
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
"""


def test_a_rest_api_with_built_in_models_an_undeclared_validator_and_a_cognito_pool_starts(tmp_path: Path) -> None:
    gateway = gateway_for(write(tmp_path, "api.yaml", REST_API))
    notices = "\n".join(gateway.notices)
    assert "request validator 'strict' is not defined" in notices
    assert "Empty and Error: the managed gateway's built-in models" in notices
    assert "authorizer pool cannot run here" in notices
    with running_server(gateway) as base:
        things = httpx.post(f"{base}/things", content=b"not json at all", timeout=5)  # not validated: no validator
        assert things.status_code == 200
        pool = httpx.get(f"{base}/pool", headers={"authorization": "eyJ.token"}, timeout=5)
        assert (pool.status_code, pool.json()) == (500, {"message": None})
        unknown = httpx.get(f"{base}/nowhere", timeout=5)
    assert (unknown.status_code, unknown.json()) == (403, {"message": "Missing Authentication Token"})
    assert unknown.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
