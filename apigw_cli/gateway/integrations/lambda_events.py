"""Lambda proxy integration formats: the event a handler receives (payload format 1.0 of REST
APIs, 2.0 of HTTP APIs), its context object, and how its result becomes an HTTP response."""

from __future__ import annotations

import base64
import fnmatch
import json
import time
from dataclasses import dataclass, field
from typing import Any

from apigw_cli.errors import IntegrationError
from apigw_cli.gateway.exchange import Exchange, GatewayResponse

ACCOUNT_ID = "123456789012"
API_ID = "apigwlocal"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "+json", "+xml")


@dataclass(frozen=True, slots=True)
class LambdaSettings:
    """What the event carries that is not in the request: the stage and its variables."""

    stage: str = "$default"
    stage_variables: dict[str, str] | None = None
    binary_media_types: tuple[str, ...] = ()  # x-amazon-apigateway-binary-media-types, lower-case


def _time_fields(epoch: float) -> tuple[str, int]:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch)), int(epoch * 1000)


def _body_field(exchange: Exchange, binary_types: tuple[str, ...]) -> tuple[str | None, bool]:
    body = exchange.request.body
    if not body:
        return None, False
    content_type = exchange.request.header("content-type") or ""
    if binary_types:
        # as on the managed gateway: declared binary types arrive base64-encoded, everything else as text
        media_type = content_type.split(";", 1)[0].strip().lower()
        textual = not any(fnmatch.fnmatchcase(media_type, pattern) for pattern in binary_types)
    else:
        textual = not content_type or any(marker in content_type for marker in _TEXT_TYPES) or "form" in content_type
    if textual:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _domain(exchange: Exchange) -> tuple[str, str]:
    host = exchange.request.header("host") or "localhost"
    return host, host.split(".", 1)[0].split(":", 1)[0]


def event_v1(exchange: Exchange, settings: LambdaSettings) -> dict[str, Any]:
    """Payload format 1.0 (REST API proxy integration)."""
    request = exchange.request
    operation = exchange.operation
    assert operation is not None
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        multi_headers.setdefault(name, []).append(value)
    query = request.query
    body, is_base64 = _body_field(exchange, settings.binary_media_types)
    request_time, epoch_ms = _time_fields(exchange.received_at)
    domain, prefix = _domain(exchange)
    return {
        "resource": operation.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": {name: list(values) for name, values in query.items()} or None,
        "pathParameters": dict(exchange.path_params) or None,
        "stageVariables": settings.stage_variables or None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain,
            "domainPrefix": prefix,
            "extendedRequestId": exchange.request_id,
            "httpMethod": request.method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "apiKey": exchange.api_key.value if exchange.api_key else None,
                "apiKeyId": exchange.api_key.name if exchange.api_key else None,
                "caller": None,
                "clientCert": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": request.client_ip,
                "user": None,
                "userAgent": request.header("user-agent"),
                "userArn": None,
            },
            "path": request.path,
            "protocol": f"HTTP/{request.http_version}",
            "requestId": exchange.request_id,
            "requestTime": request_time,
            "requestTimeEpoch": epoch_ms,
            "resourceId": f"{abs(hash(operation.path)) % 36**6:06x}"[:6],
            "resourcePath": operation.path,
            "stage": settings.stage,
            **({"authorizer": {"claims": exchange.claims}} if exchange.claims is not None else {}),
            **({"authorizer": exchange.authorizer_context} if exchange.authorizer_context is not None else {}),
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def event_v2(exchange: Exchange, settings: LambdaSettings) -> dict[str, Any]:
    """Payload format 2.0 (HTTP API): headers and query values joined with commas, cookies apart."""
    request = exchange.request
    operation = exchange.operation
    assert operation is not None
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        if name == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    body, is_base64 = _body_field(exchange, settings.binary_media_types)
    request_time, epoch_ms = _time_fields(exchange.received_at)
    domain, prefix = _domain(exchange)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": operation.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query_string,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if request.query:
        event["queryStringParameters"] = {name: ",".join(values) for name, values in request.query.items()}
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": domain,
        "domainPrefix": prefix,
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": f"HTTP/{request.http_version}",
            "sourceIp": request.client_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": exchange.request_id,
        "routeKey": operation.route_key,
        "stage": settings.stage,
        "time": request_time,
        "timeEpoch": epoch_ms,
    }
    if exchange.claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": exchange.claims, "scopes": list(exchange.scopes)}}
    elif exchange.authorizer_context is not None:
        event["requestContext"]["authorizer"] = {"lambda": exchange.authorizer_context}
    if body is not None:
        event["body"] = body
    if exchange.path_params:
        event["pathParameters"] = dict(exchange.path_params)
    event["isBase64Encoded"] = is_base64
    if settings.stage_variables:
        event["stageVariables"] = dict(settings.stage_variables)
    return event


@dataclass
class LambdaContext:
    """The context object a handler receives as its second argument."""

    function_name: str
    aws_request_id: str
    deadline: float  # time.monotonic() by which the handler must answer
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = "128"
    identity: Any = None
    client_context: Any = None
    invoked_function_arn: str = field(init=False)
    log_group_name: str = field(init=False)
    log_stream_name: str = field(init=False)

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]apigw", time.gmtime())

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def response_from_result(result: Any, payload_version: str) -> GatewayResponse:
    """Map a handler's return value to a response; IntegrationError when it is malformed."""
    if payload_version == "2.0" and not (isinstance(result, dict) and "statusCode" in result):
        # format 2.0's shortcut: any JSON value without statusCode is a 200 JSON body
        try:
            shortcut = json.dumps(result)
        except (TypeError, ValueError) as exc:
            raise IntegrationError(f"handler returned a value that is not JSON: {exc}") from None
        return GatewayResponse(200, [("content-type", "application/json")], shortcut.encode())
    if not isinstance(result, dict):
        raise IntegrationError(f"malformed Lambda proxy response: expected an object, got {type(result).__name__}")
    status: Any = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise IntegrationError(f"malformed Lambda proxy response: statusCode {status!r} is not an HTTP status")
    headers: list[tuple[str, str]] = []
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise IntegrationError("malformed Lambda proxy response: headers must be an object")
    for name, value in single.items():
        if name not in multi:
            headers.append((str(name), _header_text(value)))
    for name, values in multi.items():
        if not isinstance(values, list):
            raise IntegrationError(f"malformed Lambda proxy response: multiValueHeaders[{name!r}] is not a list")
        headers.extend((str(name), _header_text(value)) for value in values)
    if payload_version == "2.0":
        cookies = result.get("cookies") or []
        if not isinstance(cookies, list):
            raise IntegrationError("malformed Lambda proxy response: cookies must be a list")
        headers.extend(("set-cookie", str(cookie)) for cookie in cookies)
    extra = set(result) - {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
    if extra and payload_version == "1.0":
        raise IntegrationError(f"malformed Lambda proxy response: unexpected field(s) {', '.join(sorted(extra))}")
    body = result.get("body")
    if body is None:
        raw = b""
    elif isinstance(body, str):
        if result.get("isBase64Encoded"):
            try:
                raw = base64.b64decode(body, validate=True)
            except ValueError:
                raise IntegrationError("malformed Lambda proxy response: isBase64Encoded body is not base64") from None
        else:
            raw = body.encode("utf-8")
    else:
        raise IntegrationError(
            f"malformed Lambda proxy response: body must be a string, got {type(body).__name__} "
            "(serialise it with json.dumps)"
        )
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("content-type", "application/json"))
    return GatewayResponse(status, headers, raw)


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
