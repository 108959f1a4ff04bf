"""Our compiled validators against openapi-core, the reference: the same verdict on each request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest

from apigw_cli.gateway.snapshot import Gateway
from tests.helpers import SPECS, call, gateway_for

# (method, path, query, headers, body) on the bundled specs
USERAPI_CASES: list[tuple[str, str, dict[str, str], dict[str, str], Any]] = [
    ("GET", "/users", {}, {}, None),
    ("GET", "/users", {"limit": "5", "offset": "0"}, {}, None),
    ("GET", "/users", {"limit": "0"}, {}, None),
    ("GET", "/users", {"limit": "101"}, {}, None),
    ("GET", "/users", {"limit": "ten"}, {}, None),
    ("GET", "/users", {"offset": "-1"}, {}, None),
    ("GET", "/users/1", {}, {}, None),
    ("GET", "/users/0", {}, {}, None),
    ("GET", "/users/abc", {}, {}, None),
    ("DELETE", "/users/7", {}, {}, None),
    ("POST", "/users", {}, {}, {"name": "Ada", "email": "ada@example.com"}),
    ("POST", "/users", {}, {}, {"name": "Ada"}),
    ("POST", "/users", {}, {}, {"name": "", "email": "ada@example.com"}),
    ("POST", "/users", {}, {}, {"name": "Ada", "email": "not-an-email"}),
    ("POST", "/users", {}, {}, {"name": "Ada", "email": "ada@example.com", "extra": 1}),
    ("POST", "/users", {}, {}, {"name": 42, "email": "ada@example.com"}),
    ("POST", "/users", {}, {}, ["not", "an", "object"]),
]
PETSTORE_CASES: list[tuple[str, str, dict[str, str], dict[str, str], Any]] = [
    ("GET", "/pets", {"limit": "10"}, {}, None),
    ("GET", "/pets", {"limit": "1000"}, {}, None),
    ("GET", "/pets/12", {}, {}, None),
    ("GET", "/pets/twelve", {}, {}, None),
    ("POST", "/pets", {}, {}, {"name": "Rex", "kind": "dog"}),
    ("POST", "/pets", {}, {}, {"name": "Rex", "kind": "dragon"}),
    ("POST", "/pets", {}, {}, {"name": "Rex", "kind": "dog", "tags": []}),
    ("POST", "/pets", {}, {}, {"name": "Rex", "kind": "dog", "tags": ["a"]}),
    ("POST", "/pets", {}, {}, {"kind": "cat"}),
]


def reference_verdict(openapi: OpenAPI, case: tuple[str, str, dict[str, str], dict[str, str], Any]) -> bool:
    method, path, query, headers, body = case
    request = MockRequest(
        "http://localhost",
        method.lower(),
        path,
        args=query,
        headers=headers,
        data=json.dumps(body).encode() if body is not None else None,
        content_type="application/json" if body is not None else "",
    )
    try:
        openapi.validate_request(request)
    except Exception:
        return False
    return True


def our_verdict(gateway: Gateway, case: tuple[str, str, dict[str, str], dict[str, str], Any]) -> bool:
    method, path, query, headers, body = case
    response = call(gateway, method, path, params=query, headers=headers, json=body)
    return response.status_code != 400


@pytest.mark.parametrize(
    ("spec", "cases"),
    [("userapi.yaml", USERAPI_CASES), ("petstore-mock.yaml", PETSTORE_CASES)],
)
def test_request_verdicts_agree_with_openapi_core(spec: str, cases: list[Any], tmp_path: Path) -> None:
    reference = OpenAPI.from_file_path(str(SPECS / spec))
    gateway = gateway_for(SPECS / spec)
    disagreements = [case for case in cases if reference_verdict(reference, case) != our_verdict(gateway, case)]
    assert disagreements == []
    assert {reference_verdict(reference, case) for case in cases} == {True, False}
