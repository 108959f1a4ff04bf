"""Compiling: x-integration inheritance, its errors at file:line, and start-up notices."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigw_cli.errors import SpecError
from tests.helpers import call, gateway_for, write

HANDLERS = """
def root(event, context):
    return {"from": "root"}

def item(event, context):
    return {"from": "item"}
"""

SPEC = """
openapi: 3.0.3
info: {title: t, version: "1"}
x-integration: {type: python, handler: "handlers.py:root", payload: "2.0"}
paths:
  /root:
    get:
      responses: {default: {description: any}}
  /item:
    x-integration: {handler: "handlers.py:item"}
    get:
      responses: {default: {description: any}}
    post:
      x-integration: {type: mock, status: 202}
      responses: {"202": {description: accepted}}
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    write(tmp_path, "handlers.py", HANDLERS)
    return write(tmp_path, "api.yaml", SPEC)


def test_operations_inherit_from_the_root(spec: Path) -> None:
    assert call(gateway_for(spec), "GET", "/root").json() == {"from": "root"}


def test_path_item_overrides_the_root_key_by_key(spec: Path) -> None:
    # the path item names only a handler; type and payload come from the root
    assert call(gateway_for(spec), "GET", "/item").json() == {"from": "item"}


def test_operation_of_another_type_replaces_the_inherited_one(spec: Path) -> None:
    gateway = gateway_for(spec)
    assert call(gateway, "POST", "/item").status_code == 202
    kinds = {op.route_key: op.integration for op in gateway.operations}
    assert kinds == {"GET /root": "python", "GET /item": "python", "POST /item": "mock"}


def test_operations_without_integration_are_mocked_and_counted(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a: {get: {responses: {"200": {description: ok}}}}
          /b: {get: {x-integration: {type: mock}, responses: {"200": {description: ok}}}}
        """,
    )
    assert gateway_for(spec).notices == ("1 of 2 operations have no x-integration: served as mocks",)
    with pytest.raises(SpecError, match="GET /a has no x-integration"):
        gateway_for(spec, require_integrations=True)


@pytest.mark.parametrize(
    ("integration", "message", "line"),
    [
        ("{type: lambda}", "x-integration type 'lambda' is not one of: python, mock", 6),
        ("{type: mock, status: 700}", "mock status 700 is not an HTTP status code", 6),
        ('{type: python, handler: "h.py:f", payload: "3.0"}', "payload '3.0' must be", 6),
        ('{type: python, handler: "h.py:f", timeout: -1}', "timeout -1 must be a positive number", 6),
        ("{type: python}", "a python integration needs 'handler: file.py:function'", 6),
        ("python", "x-integration must be a mapping", 6),
    ],
)
def test_bad_x_integration_is_reported_at_its_line(tmp_path: Path, integration: str, message: str, line: int) -> None:
    write(tmp_path, "h.py", "def f(event, context):\n    return {}\n")
    spec = write(
        tmp_path,
        "api.yaml",
        f"""
        openapi: 3.0.3
        info: {{title: t, version: "1"}}
        paths:
          /a:
            get:
              x-integration: {integration}
              responses: {{default: {{description: any}}}}
        """,
    )
    with pytest.raises(SpecError) as caught:
        gateway_for(spec)
    assert message in caught.value.message
    assert caught.value.line == line
    assert caught.value.file is not None and caught.value.file.name == "api.yaml"


def test_every_response_carries_a_request_id(spec: Path) -> None:
    first = call(gateway_for(spec), "GET", "/root").headers["x-amzn-requestid"]
    second = call(gateway_for(spec), "GET", "/nowhere").headers["x-amzn-requestid"]
    assert first != second and len(first) == 36
