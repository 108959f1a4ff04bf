"""Lambda (custom) authorizers through real HTTP: IAM policies with wildcards, Deny, failures that
never let a request through, identity validation, cached results per identity, context passed on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import gateway_for, running_server, write

AUTHORIZER = """
CALLS = []


def policy(effect, resource, context=None):
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
        "context": context or {"tier": "gold"},
    }


def token(event, context):
    CALLS.append(event["authorizationToken"])
    value = event["authorizationToken"]
    if value == "allow":
        return policy("Allow", event["methodArn"])
    if value == "get-only":
        return policy("Allow", "arn:aws:execute-api:*:*:*/*/GET/*")
    if value == "deny":
        return policy("Deny", event["methodArn"])
    if value == "raise":
        raise RuntimeError("authorizer bug")
    return {"nonsense": True}


def request(event, context):
    CALLS.append(event["type"] + ":" + event["headers"].get("x-user", ""))
    return {"isAuthorized": event["headers"].get("x-user") == "ada", "context": {"user": "ada"}}


def calls(event, context):
    import json
    return {"statusCode": 200, "body": json.dumps(CALLS)}
"""
HANDLER = (
    "import json\n\n"
    "def echo(event, context):\n"
    "    return {'statusCode': 200, 'body': json.dumps(event['requestContext'].get('authorizer'))}\n"
)
SPEC = """
openapi: 3.0.3
info: {title: custom auth, version: "1"}
x-integration: {type: python, handler: "h.py:echo"}
x-gateway:
  authorizers:
    byToken: {handler: "auth.py:token"}
    byRequest: {type: request, handler: "auth.py:request", identitySource: "$request.header.x-user",
                enableSimpleResponses: true, authorizerResultTtlInSeconds: 0}
components:
  securitySchemes:
    byToken:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:r:lambda:path/2015-03-31/functions/arn:aws:lambda:r:1:function:au/invocations
        identityValidationExpression: "^[a-z-]+$"
        authorizerResultTtlInSeconds: 300
    byRequest: {type: apiKey, name: x-user, in: header}
paths:
  /orders:
    get:
      security: [{byToken: []}]
      responses: {default: {description: any}}
    post:
      security: [{byToken: []}]
      responses: {default: {description: any}}
  /simple:
    get:
      security: [{byRequest: []}]
      responses: {default: {description: any}}
  /calls:
    get:
      x-integration: {type: python, handler: "auth.py:calls"}
      responses: {default: {description: any}}
"""


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    write(tmp_path, "auth.py", AUTHORIZER)
    write(tmp_path, "h.py", HANDLER)
    with running_server(gateway_for(write(tmp_path, "api.yaml", SPEC))) as url:
        yield url


def call(base: str, method: str, path: str, **headers: str) -> httpx.Response:
    return httpx.request(method, base + path, headers=headers, timeout=10)


def test_an_allow_policy_passes_with_its_context(base: str) -> None:
    response = call(base, "GET", "/orders", authorization="allow")
    assert response.status_code == 200
    assert response.json() == {"principalId": "user-1", "tier": "gold"}


def test_wildcard_resources_are_matched_against_the_method_arn(base: str) -> None:
    assert call(base, "GET", "/orders", authorization="get-only").status_code == 200
    denied = call(base, "POST", "/orders", authorization="get-only")
    # ACCESS_DENIED's body is keyed `Message`, as the managed gateway's is
    assert (denied.status_code, denied.json()) == (403, {"Message": "User is not authorized to access this resource"})
    assert denied.headers["x-amzn-errortype"] == "AccessDeniedException"


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"authorization": "Not Valid!"}, 401), ({"authorization": "deny"}, 403),
     ({"authorization": "raise"}, 500), ({"authorization": "nonsense"}, 500)],
)  # fmt: skip
def test_refusals_and_failures_never_pass(base: str, headers: dict[str, str], status: int) -> None:
    assert call(base, "GET", "/orders", **headers).status_code == status


def test_a_cached_result_is_not_reused_for_another_token(base: str) -> None:
    for _ in range(3):
        assert call(base, "GET", "/orders", authorization="allow").status_code == 200
    assert call(base, "GET", "/orders", authorization="deny").status_code == 403
    assert call(base, "GET", "/calls").json() == ["allow", "deny"]  # one call per token, then cached


def test_request_authorizer_with_simple_responses(base: str) -> None:
    allowed = call(base, "GET", "/simple", **{"x-user": "ada"})
    assert (allowed.status_code, allowed.json()) == (200, {"user": "ada"})
    assert call(base, "GET", "/simple", **{"x-user": "eve"}).status_code == 403
    assert call(base, "GET", "/simple").status_code == 401
