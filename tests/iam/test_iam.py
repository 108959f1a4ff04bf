"""IAM (SigV4) routes through a real `apigw serve`, signed by real signers (botocore's SigV4Auth and
SigV4QueryAuth, requests-aws4auth): every answer of the managed gateway, tampering, the clock,
policies, and the identity a Lambda event carries."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from tests.helpers import serve_process

SPEC = """openapi: 3.0.3
info: {title: iam, version: "1"}
x-gateway:
  iam:
    credentials:
      - {accessKeyId: AKIDADMIN, secretAccessKey: admin-secret, arn: "arn:aws:iam::123456789012:user/admin"}
      - accessKeyId: AKIDREADER
        secretAccessKey: reader-secret
        arn: arn:aws:iam::123456789012:user/reader
        policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Action: execute-api:Invoke, Resource: "arn:aws:execute-api:*:*:*/*/GET/*"}
            - {Effect: Deny, Action: "execute-api:*", Resource: "arn:aws:execute-api:*:*:*/*/GET/items/secret"}
      - {accessKeyId: ASIATEMP, secretAccessKey: temp-secret, sessionToken: the-token,
         arn: "arn:aws:sts::123456789012:assumed-role/ci/run-1"}
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
paths:
  /items/{id}:
    get:
      security: [{sigv4: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      x-integration: {type: python, handler: "h.py:who"}
      responses: {"200": {description: who called}}
    post:
      x-amazon-apigateway-auth: {type: AWS_IAM}
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      x-integration: {type: python, handler: "h.py:who"}
      responses: {"200": {description: who called}}
  /open:
    get:
      x-integration: {type: mock}
      responses: {"200": {description: ok, content: {application/json: {example: {open: true}}}}}
"""
HANDLER = """import json
def who(event, context):
    identity = event["requestContext"]["identity"]
    keys = ("accessKey", "userArn", "caller", "user", "accountId")
    return {"statusCode": 200, "body": json.dumps({key: identity.get(key) for key in keys} | {"body": event["body"]})}
"""
ADMIN = Credentials("AKIDADMIN", "admin-secret")
READER = Credentials("AKIDREADER", "reader-secret")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("iam")
    (folder / "h.py").write_text(HANDLER)
    (folder / "api.yaml").write_text(SPEC)
    with serve_process(str(folder / "api.yaml"), "--no-reload") as url:
        yield url


def signed(
    method: str,
    url: str,
    credentials: Credentials = ADMIN,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    region: str = "us-east-1",
    service: str = "execute-api",
    when: datetime.datetime | None = None,
    query: bool = False,
) -> AWSRequest:
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    signer = (
        SigV4QueryAuth(credentials, service, region, expires=60) if query else SigV4Auth(credentials, service, region)
    )
    if when is None:
        signer.add_auth(request)
    else:
        import botocore.auth

        original = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: when
        try:
            signer.add_auth(request)
        finally:
            botocore.auth.get_current_datetime = original
    return request


def send(request: AWSRequest, tamper: dict[str, Any] | None = None) -> httpx.Response:
    prepared = request.prepare()
    headers = dict(prepared.headers)
    url, body = prepared.url, prepared.body or b""
    for key, value in (tamper or {}).items():
        if key == "url":
            url = value
        elif key == "body":
            body = value
        else:
            headers[key] = value
    return httpx.request(request.method, url, headers=headers, content=body, timeout=10)


def answer(response: httpx.Response) -> tuple[int, str | None, str]:
    data = response.json()
    return response.status_code, response.headers.get("x-amzn-errortype"), data.get("message") or data.get("Message")


def test_signed_requests_pass_and_the_event_names_the_signer(base: str) -> None:
    response = send(signed("GET", f"{base}/items/7?b=2&a=1&a=0"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "accessKey": "AKIDADMIN",
        "userArn": "arn:aws:iam::123456789012:user/admin",
        "caller": response.json()["caller"],
        "user": response.json()["caller"],
        "accountId": "123456789012",
        "body": None,
    }
    assert response.json()["caller"].startswith("AIDA")
    posted = send(signed("POST", f"{base}/items/7", body=b'{"n": 1}', headers={"content-type": "application/json"}))
    assert posted.status_code == 200 and posted.json()["body"] == '{"n": 1}'


def test_presigned_query_unsigned_payload_session_tokens_and_requests_aws4auth(base: str) -> None:
    assert send(signed("GET", f"{base}/items/7?x=1", query=True)).status_code == 200
    unsigned = signed("POST", f"{base}/items/7", body=b"anything", headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert send(unsigned).status_code == 200
    temporary = Credentials("ASIATEMP", "temp-secret", "the-token")
    assert send(signed("GET", f"{base}/items/7", temporary)).status_code == 200
    wrong_token = send(signed("GET", f"{base}/items/7", Credentials("ASIATEMP", "temp-secret", "another")))
    assert answer(wrong_token) == (
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
    third_party = requests.get(
        f"{base}/items/9", auth=AWS4Auth("AKIDADMIN", "admin-secret", "us-east-1", "execute-api"), timeout=10
    )
    assert third_party.status_code == 200, third_party.text


def test_the_managed_gateways_refusals(base: str) -> None:
    assert answer(httpx.get(f"{base}/items/7", timeout=10)) == (
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )
    assert httpx.get(f"{base}/open", timeout=10).status_code == 200  # no IAM there
    unknown = send(signed("GET", f"{base}/items/7", Credentials("AKIDNOBODY", "x")))
    assert answer(unknown) == (
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
    wrong_secret = send(signed("GET", f"{base}/items/7", Credentials("AKIDADMIN", "not-the-secret")))
    status, kind, message = answer(wrong_secret)
    assert (status, kind) == (403, "InvalidSignatureException")
    assert message.startswith("The request signature we calculated does not match the signature you provided.")
    assert "Canonical" not in wrong_secret.text  # the canonical request is in the debug log only
    old = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(minutes=6)
    status, kind, message = answer(send(signed("GET", f"{base}/items/7", when=old)))
    assert (status, kind) == (403, "InvalidSignatureException") and message.startswith("Signature expired: ")
    soon = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(minutes=6)
    status, _, message = answer(send(signed("GET", f"{base}/items/7", when=soon)))
    assert status == 403 and message.startswith("Signature not yet current: ")
    near = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(minutes=4)
    assert send(signed("GET", f"{base}/items/7", when=near)).status_code == 200  # within the 5-minute skew
    status, _, message = answer(send(signed("GET", f"{base}/items/7", region="eu-west-1")))
    assert status == 403 and "scoped to a valid region" in message
    status, _, message = answer(send(signed("GET", f"{base}/items/7", service="s3")))
    assert status == 403 and "correct service" in message
    garbage = httpx.get(f"{base}/items/7", headers={"Authorization": "Bearer abc"}, timeout=10)
    assert answer(garbage)[:2] == (403, "IncompleteSignatureException")


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"body": b'{"n": 2}'}, id="one byte of the body"),
        pytest.param({"content-type": "text/plain"}, id="a signed header"),
        pytest.param({"url": "PATH/items/8"}, id="the path"),
        pytest.param({"url": "PATH/items/7?a=2"}, id="a query value"),
        pytest.param({"X-Amz-Date": "20200101T000000Z"}, id="the date"),
    ],
)
def test_tampering_breaks_the_signature(base: str, tamper: dict[str, Any]) -> None:
    request = signed("POST", f"{base}/items/7?a=1", body=b'{"n": 1}', headers={"content-type": "application/json"})
    assert send(request).status_code == 200
    if "url" in tamper:
        tamper = {"url": tamper["url"].replace("PATH", base)}
    status, kind, _ = answer(send(request, tamper))
    assert status == 403 and kind == "InvalidSignatureException"


def test_the_query_is_signed_by_its_pairs_not_their_order(base: str) -> None:
    request = signed("GET", f"{base}/items/7?b=2&a=1&a=0")
    assert send(request, {"url": f"{base}/items/7?a=0&a=1&b=2"}).status_code == 200  # the same pairs, reordered
    assert answer(send(request, {"url": f"{base}/items/7?b=2&a=1&a=9"}))[0] == 403  # one value changed
    assert answer(send(request, {"url": f"{base}/items/7?b=2&a=1"}))[0] == 403  # one pair dropped


def test_identity_policies_allow_and_an_explicit_deny_wins(base: str) -> None:
    assert send(signed("GET", f"{base}/items/7", READER)).status_code == 200
    denied = send(signed("GET", f"{base}/items/secret", READER))
    status, kind, message = answer(denied)
    assert (status, kind) == (403, "AccessDeniedException")
    assert message == (
        "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: execute-api:Invoke on resource: "
        "arn:aws:execute-api:us-east-1:123456789012:apigwlocal/$default/GET/items/secret"
    )
    assert answer(send(signed("POST", f"{base}/items/7", READER)))[0] == 403  # only GET is allowed


def test_verify_mode_checks_signatures_but_not_permissions(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(HANDLER)
    (tmp_path / "api.yaml").write_text(SPEC)
    with serve_process(str(tmp_path / "api.yaml"), "--no-reload", "--iam", "verify") as url:
        assert send(signed("GET", f"{url}/items/secret", READER)).status_code == 200
        assert httpx.get(f"{url}/items/7", timeout=10).status_code == 403
    with serve_process(str(tmp_path / "api.yaml"), "--no-reload", "--iam", "off") as url:
        assert httpx.get(f"{url}/items/7", timeout=10).status_code == 200


RESOURCE_POLICY = """x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - {Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: "execute-api:/*/*/*"}
    - Effect: Deny
      Principal: "*"
      Action: execute-api:Invoke
      Resource: "execute-api:/*/POST/*"
      Condition: {NotIpAddress: {aws:SourceIp: ["10.0.0.0/8"]}}
"""


def test_a_resource_policy_and_credentials_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(HANDLER)
    spec = SPEC.replace("x-gateway:\n  iam:\n    credentials:\n", "x-gateway:\n  iam:\n    credentials: []\n")
    spec = (
        spec.split("components:")[0].split("x-gateway:")[0]
        + RESOURCE_POLICY
        + "components:"
        + spec.split("components:")[1]
    )
    (tmp_path / "api.yaml").write_text(spec)
    (tmp_path / "keys.yaml").write_text(
        "- {accessKeyId: AKIDFILE, secretAccessKey: file-secret, arn: 'arn:aws:iam::123456789012:user/file',"
        " policy: {Statement: [{Effect: Deny, Action: '*', Resource: '*'}]}}\n"
        "- {accessKeyId: AKIDOPEN, secretAccessKey: open-secret, arn: 'arn:aws:iam::123456789012:user/open'}\n"
    )
    with serve_process(
        str(tmp_path / "api.yaml"), "--no-reload", "--iam-credentials", str(tmp_path / "keys.yaml")
    ) as url:
        opened = Credentials("AKIDOPEN", "open-secret")
        assert send(signed("GET", f"{url}/items/7", opened)).status_code == 200
        # the resource policy denies POST from outside 10.0.0.0/8, whatever the identity allows
        assert answer(send(signed("POST", f"{url}/items/7", opened)))[:2] == (403, "AccessDeniedException")
        # the identity policy's explicit Deny wins over the resource policy's Allow
        assert answer(send(signed("GET", f"{url}/items/7", Credentials("AKIDFILE", "file-secret"))))[0] == 403


def test_host_with_its_port_is_signed(base: str) -> None:
    request = signed("GET", f"{base}/items/7")
    port = urlsplit(base).port
    assert send(request, {"Host": "127.0.0.1"}).status_code == 403  # the port is part of what was signed
    assert send(request, {"Host": f"127.0.0.1:{port}"}).status_code == 200
    assert json.loads(send(request).text)["accessKey"] == "AKIDADMIN"
