"""The python integration: Lambda proxy events field by field (formats 1.0 and 2.0), the context
object, response mapping, and failures that answer 502/504 instead of crashing."""

from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from apigw_cli.errors import SpecError
from tests.helpers import call, gateway_for, write

HANDLERS = """
import asyncio
import base64
import json
import os
import pathlib
import time


def echo(event, context):
    seen = {
        "event": event,
        "context": {
            "function_name": context.function_name,
            "aws_request_id": context.aws_request_id,
            "remaining": context.get_remaining_time_in_millis(),
            "arn": context.invoked_function_arn,
        },
        "local": os.environ.get("APIGW_LOCAL"),
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(seen)}


async def async_echo(event, context):
    await asyncio.sleep(0)
    return {"statusCode": 201, "body": json.dumps({"async": True, "path": event["rawPath"]})}


def shortcut(event, context):
    return {"hello": "world"}


def multi(event, context):
    return {
        "statusCode": "202",
        "headers": {"x-one": "1"},
        "multiValueHeaders": {"x-many": ["a", "b"]},
        "body": base64.b64encode(b"\\x00\\x01binary").decode(),
        "isBase64Encoded": True,
    }


def cookies(event, context):
    headers = {"content-type": "text/plain"}
    return {"statusCode": 200, "cookies": ["a=1", "b=2; Path=/"], "body": "ok", "headers": headers}


def raises(event, context):
    raise RuntimeError("database is down")


def malformed(event, context):
    return {"status": 200}


def dict_body(event, context):
    return {"statusCode": 200, "body": {"not": "a string"}}


def slow(event, context):
    time.sleep(5)
    pathlib.Path(__file__).with_name("slow-finished").touch()
    return {"statusCode": 200, "body": "late"}
"""


def spec_text(payload: str) -> str:
    return f"""
    openapi: 3.0.3
    info: {{title: t, version: "1"}}
    x-integration: {{type: python, handler: "handlers.py:echo", payload: "{payload}", timeout: 0.5}}
    paths:
      /users/{{id}}:
        post:
          parameters:
            - {{name: id, in: path, required: true, schema: {{type: string}}}}
          responses:
            default: {{description: any}}
      /async:
        get:
          x-integration: {{handler: "handlers.py:async_echo"}}
          responses: {{default: {{description: any}}}}
      /shortcut:
        get:
          x-integration: {{handler: "handlers.py:shortcut"}}
          responses: {{default: {{description: any}}}}
      /multi:
        get:
          x-integration: {{handler: "handlers.py:multi"}}
          responses: {{default: {{description: any}}}}
      /cookies:
        get:
          x-integration: {{handler: "handlers.py:cookies"}}
          responses: {{default: {{description: any}}}}
      /raises:
        get:
          x-integration: {{handler: "handlers.py:raises"}}
          responses: {{default: {{description: any}}}}
      /malformed:
        get:
          x-integration: {{handler: "handlers.py:malformed"}}
          responses: {{default: {{description: any}}}}
      /dict-body:
        get:
          x-integration: {{handler: "handlers.py:dict_body"}}
          responses: {{default: {{description: any}}}}
      /slow:
        get:
          x-integration: {{handler: "handlers.py:slow"}}
          responses: {{default: {{description: any}}}}
    """


def make_spec(tmp_path: Path, payload: str) -> Path:
    write(tmp_path, "handlers.py", HANDLERS)
    return write(tmp_path, "api.yaml", spec_text(payload))


def echo_request(tmp_path: Path, payload: str, **kwargs: Any) -> tuple[dict[str, Any], httpx.Response]:
    before = int(time.time() * 1000)
    response = call(
        gateway_for(make_spec(tmp_path, payload)),
        "POST",
        "/users/42?tag=a&tag=b&q=x",
        headers=[("x-multi", "1"), ("x-multi", "2"), ("user-agent", "tests/1.0"), ("cookie", "s=1; t=2")],
        json={"name": "Ada"},
        **kwargs,
    )
    assert response.status_code == 200, response.text
    seen = response.json()
    context = seen["event"]["requestContext"]
    assert before <= context.get("requestTimeEpoch", context.get("timeEpoch")) <= before + 5000
    return seen, response


def test_event_format_10_field_by_field(tmp_path: Path) -> None:
    seen, response = echo_request(tmp_path, "1.0")
    event = seen["event"]
    assert set(event) == {
        "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
        "isBase64Encoded",
    }  # fmt: skip
    assert event["resource"] == "/users/{id}"
    assert event["path"] == "/users/42"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["x-multi"] == "2"
    assert event["multiValueHeaders"]["x-multi"] == ["1", "2"]
    assert event["headers"]["user-agent"] == "tests/1.0"
    assert event["queryStringParameters"] == {"tag": "b", "q": "x"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "q": ["x"]}
    assert event["pathParameters"] == {"id": "42"}
    assert event["stageVariables"] is None
    assert json.loads(event["body"]) == {"name": "Ada"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["resourcePath"] == "/users/{id}"
    assert context["httpMethod"] == "POST"
    assert context["path"] == "/users/42"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "tests/1.0"
    assert context["requestId"] == response.headers["x-amzn-requestid"]
    assert context["protocol"] == "HTTP/1.1"
    assert context["stage"] == "$default"
    assert context["accountId"] == "123456789012"
    time.strptime(context["requestTime"], "%d/%b/%Y:%H:%M:%S +0000")


def test_event_format_20_field_by_field(tmp_path: Path) -> None:
    seen, response = echo_request(tmp_path, "2.0")
    event = seen["event"]
    assert list(event) == [
        "version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers", "queryStringParameters",
        "requestContext", "body", "pathParameters", "isBase64Encoded",
    ]  # fmt: skip
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /users/{id}"
    assert event["rawPath"] == "/users/42"
    assert event["rawQueryString"] == "tag=a&tag=b&q=x"
    assert event["cookies"] == ["s=1", "t=2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "1,2"
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "x"}
    assert event["pathParameters"] == {"id": "42"}
    assert json.loads(event["body"]) == {"name": "Ada"}
    http = event["requestContext"]["http"]
    assert http == {
        "method": "POST", "path": "/users/42", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "tests/1.0"
    }  # fmt: skip
    context = event["requestContext"]
    assert context["routeKey"] == "POST /users/{id}"
    assert context["requestId"] == response.headers["x-amzn-requestid"]
    assert context["stage"] == "$default"
    time.strptime(context["time"], "%d/%b/%Y:%H:%M:%S +0000")


def test_format_20_leaves_out_empty_fields(tmp_path: Path) -> None:
    gateway = gateway_for(make_spec(tmp_path, "2.0"))
    event = call(gateway, "POST", "/users/1").json()["event"]
    for absent in ("cookies", "queryStringParameters", "body", "stageVariables"):
        assert absent not in event


def test_binary_body_arrives_base64_encoded(tmp_path: Path) -> None:
    gateway = gateway_for(make_spec(tmp_path, "1.0"))
    raw = bytes(range(256))
    event = call(gateway, "POST", "/users/1", content=raw, headers={"content-type": "image/png"}).json()["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_context_object_and_local_marker(tmp_path: Path) -> None:
    seen, response = echo_request(tmp_path, "1.0")
    context = seen["context"]
    assert context["function_name"] == "echo"
    assert context["aws_request_id"] == response.headers["x-amzn-requestid"]
    assert 0 < context["remaining"] <= 500
    assert context["arn"].endswith(":function:echo")
    assert seen["local"] == "1"


def test_async_handler_is_awaited(tmp_path: Path) -> None:
    response = call(gateway_for(make_spec(tmp_path, "2.0")), "GET", "/async")
    assert response.status_code == 201
    assert response.json() == {"async": True, "path": "/async"}
    assert response.headers["content-type"] == "application/json"


def test_format_20_shortcut_makes_a_200_json_response(tmp_path: Path) -> None:
    response = call(gateway_for(make_spec(tmp_path, "2.0")), "GET", "/shortcut")
    assert (response.status_code, response.json()) == (200, {"hello": "world"})


def test_format_10_has_no_shortcut(tmp_path: Path) -> None:
    response = call(gateway_for(make_spec(tmp_path, "1.0")), "GET", "/shortcut")
    assert response.status_code == 502


def test_multi_value_headers_and_base64_body(tmp_path: Path) -> None:
    response = call(gateway_for(make_spec(tmp_path, "1.0")), "GET", "/multi")
    assert response.status_code == 202
    assert response.headers["x-one"] == "1"
    assert response.headers.get_list("x-many") == ["a", "b"]
    assert response.content == b"\x00\x01binary"


def test_format_20_cookies_become_set_cookie_headers(tmp_path: Path) -> None:
    response = call(gateway_for(make_spec(tmp_path, "2.0")), "GET", "/cookies")
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2; Path=/"]
    assert response.text == "ok"


@pytest.mark.parametrize("path", ["/raises", "/malformed", "/dict-body"])
def test_failing_handlers_answer_502_and_log_why(tmp_path: Path, path: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="apigw"):
        response = call(gateway_for(make_spec(tmp_path, "1.0")), "GET", path)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    assert caplog.records, "the reason must reach the log"


def test_raising_handler_logs_its_traceback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="apigw"):
        call(gateway_for(make_spec(tmp_path, "1.0")), "GET", "/raises")
    record = next(r for r in caplog.records if r.exc_info)
    assert "database is down" in caplog.text
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_handler_past_its_timeout_answers_504(tmp_path: Path) -> None:
    response = call(gateway_for(make_spec(tmp_path, "1.0")), "GET", "/slow")
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}
    assert not (tmp_path / "slow-finished").exists()  # answered at its 0.5 s timeout, not when it ended


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        ("missing.py:echo", "handler file missing.py not found"),
        ("handlers.py:nope", "has no function 'nope' (it defines: "),
        ("broken.py:f", "handler file broken.py failed to import: ZeroDivisionError: division by zero (line 2)"),
        ("no_colon", "must be 'path/to/file.py:function'"),
        ("not_a_module_anywhere:f", "handler module not_a_module_anywhere not found"),
    ],
)
def test_bad_handler_reference_is_a_spec_error_at_its_line(tmp_path: Path, handler: str, message: str) -> None:
    write(tmp_path, "handlers.py", HANDLERS)
    write(tmp_path, "broken.py", "x = 1\ny = 1 / 0\n")
    spec = write(
        tmp_path,
        "api.yaml",
        f"""
        openapi: 3.0.3
        info: {{title: t, version: "1"}}
        paths:
          /a:
            get:
              x-integration:
                type: python
                handler: "{handler}"
              responses: {{default: {{description: any}}}}
        """,
    )
    with pytest.raises(SpecError) as caught:
        gateway_for(spec)
    assert message in str(caught.value)
    assert caught.value.line == 8


def test_module_function_reference_imports_from_the_spec_folder(tmp_path: Path) -> None:
    write(tmp_path, "pkg_for_test_handlers/__init__.py", "")
    write(tmp_path, "pkg_for_test_handlers/api.py", "def hello(event, context):\n    return {'hi': 1}\n")
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /hi:
            get:
              x-integration: {type: python, handler: "pkg_for_test_handlers.api:hello", payload: "2.0"}
              responses: {default: {description: any}}
        """,
    )
    assert call(gateway_for(spec), "GET", "/hi").json() == {"hi": 1}
