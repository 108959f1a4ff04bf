"""Running Lambda-style handlers locally: the proxy events the managed gateway sends them (payload
format 1.0 of REST APIs, 2.0 of HTTP APIs), the context object, and the call itself, bounded by
a timeout. The python integration, the non-proxy Lambda integration and Lambda authorizers all
run their handlers through here."""

from __future__ import annotations

import asyncio
import base64
import fnmatch
import inspect
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

from apigw_cli.errors import IntegrationError, IntegrationTimeout
from apigw_cli.gateway.context_variables import domain, identity, request_time, resource_id
from apigw_cli.gateway.deployment import ACCOUNT_ID, API_ID, REGION, Deployment

if TYPE_CHECKING:
    import concurrent.futures
    from collections.abc import Callable
    from concurrent.futures import ThreadPoolExecutor

    from apigw_cli.gateway.exchange import Exchange

logger = logging.getLogger("apigw")
# a 1.0 event's identity keys, as recorded on AWS (apiKey / apiKeyId join them when a key was presented)
_EVENT_IDENTITY_KEYS = (
    "accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
    "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "sourceIp", "user", "userAgent", "userArn",
)  # fmt: skip
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "+json", "+xml")


class IdentityV1(TypedDict):
    accessKey: str | None
    accountId: str | None
    apiKey: NotRequired[str]  # a request that presented an API key
    apiKeyId: NotRequired[str]
    caller: str | None
    cognitoAuthenticationProvider: str | None
    cognitoAuthenticationType: str | None
    cognitoIdentityId: str | None
    cognitoIdentityPoolId: str | None
    principalOrgId: str | None
    sourceIp: str
    user: str | None
    userAgent: str | None
    userArn: str | None


class RequestContextV1(TypedDict):
    accountId: str
    apiId: str
    authorizer: NotRequired[dict[str, Any]]  # {"claims": ...} for a JWT, a Lambda authorizer's context
    deploymentId: str
    domainName: str
    domainPrefix: str
    extendedRequestId: str
    httpMethod: str
    identity: IdentityV1
    path: str
    protocol: str
    requestId: str
    requestTime: str
    requestTimeEpoch: int
    resourceId: str
    resourcePath: str
    stage: str


class LambdaEventV1(TypedDict):
    """Payload format 1.0, the REST API proxy integration's event."""

    resource: str
    path: str
    httpMethod: str
    headers: dict[str, str] | None
    multiValueHeaders: dict[str, list[str]] | None
    queryStringParameters: dict[str, str] | None
    multiValueQueryStringParameters: dict[str, list[str]] | None
    pathParameters: dict[str, str] | None
    stageVariables: dict[str, str] | None
    requestContext: RequestContextV1
    body: str | None
    isBase64Encoded: bool


class HttpV2(TypedDict):
    method: str
    path: str
    protocol: str
    sourceIp: str
    userAgent: str


class RequestContextV2(TypedDict):
    accountId: str
    apiId: str
    domainName: str
    domainPrefix: str
    http: HttpV2
    requestId: str
    routeKey: str
    stage: str
    time: str
    timeEpoch: int
    authorizer: NotRequired[dict[str, Any]]  # {"jwt": {claims, scopes}} or {"lambda": context}


class LambdaEventV2(TypedDict):
    """Payload format 2.0, the HTTP API's event: headers and query values joined with commas."""

    version: str
    routeKey: str
    rawPath: str
    rawQueryString: str
    cookies: NotRequired[list[str]]
    headers: dict[str, str]
    queryStringParameters: NotRequired[dict[str, str]]
    requestContext: RequestContextV2
    body: NotRequired[str]
    pathParameters: NotRequired[dict[str, str]]
    isBase64Encoded: bool
    stageVariables: NotRequired[dict[str, str]]


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
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]apigw", time.gmtime())

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class Overrun:
    """A route's share of the thread pool. A sync handler cannot be stopped: a call past its
    timeout keeps its thread until it returns. So a route holds at most `cap` threads at once
    (half the pool): a handler that keeps timing out fills its own share, and its next calls wait
    for a slot until their timeout (then 504), while the other routes keep the rest of the pool."""

    def __init__(self, cap: int):
        self.cap = max(1, cap)
        self.timed_out = 0  # calls that ran past their timeout, all told
        self._slots = threading.BoundedSemaphore(self.cap)
        self._lock = threading.Lock()
        self._late = 0

    @property
    def running(self) -> int:
        """Calls past their timeout that still hold a thread."""
        return self._late

    async def acquire(self, deadline: float) -> bool:
        """A slot for one call, waited for until `deadline` (time.monotonic()); False past it."""
        for _ in range(100_000):  # bounded: 20 ms a turn, the deadline ends it first
            if self._slots.acquire(blocking=False):
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(min(0.02, max(0.0, deadline - time.monotonic())))
        return False

    def late(self, future: concurrent.futures.Future[Any]) -> None:
        """A call passed its timeout: not started yet, it is dropped; running, it keeps its slot
        until it returns."""
        if future.cancel():
            return
        with self._lock:
            self._late += 1
            self.timed_out += 1
        future.add_done_callback(self._late_done)

    def _late_done(self, _future: object) -> None:
        with self._lock:
            self._late -= 1

    def release(self, _future: object = None) -> None:
        self._slots.release()


class HandlerSaturated(TimeoutError):
    """No thread of its share came free for a call within its timeout."""


async def run_handler(
    handler: Callable[..., Any],
    event: Any,
    function_name: str,
    request_id: str,
    executor: ThreadPoolExecutor,
    timeout: float,
    overrun: Overrun | None = None,
) -> Any:
    """Call a Lambda-style handler with its context: a sync one on the snapshot's thread pool, an
    async one on the loop, both bounded by `timeout` (TimeoutError past it; HandlerSaturated when
    `overrun` says too many earlier calls are still running)."""
    context = LambdaContext(function_name, request_id, time.monotonic() + timeout)
    try:
        if inspect.iscoroutinefunction(handler):
            return await asyncio.wait_for(handler(event, context), timeout)
        if overrun is not None and not await overrun.acquire(context.deadline):
            raise HandlerSaturated(
                f"its {overrun.cap} threads are all taken ({overrun.running} by calls past their timeout)"
            )
        future = executor.submit(handler, event, context)
        if overrun is not None:
            future.add_done_callback(overrun.release)
        try:
            remaining = max(0.0, context.deadline - time.monotonic())
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), remaining)
        except TimeoutError:
            if overrun is not None:
                overrun.late(future)
            raise
    except (SystemExit, KeyboardInterrupt) as exc:
        # a handler that calls sys.exit() failed like one that raised: it does not stop the gateway
        raise HandlerExited(f"{type(exc).__name__}({exc.args[0] if exc.args else ''})") from None


class HandlerExited(Exception):
    """A handler raised SystemExit or KeyboardInterrupt (sys.exit(), exit(), os._exit aside)."""


async def call_handler(
    handler: Callable[..., Any],
    reference: str,
    event: Any,
    request_id: str,
    executor: ThreadPoolExecutor,
    timeout: float,
    overrun: Overrun | None = None,
) -> Any:
    """run_handler for an integration: IntegrationTimeout past `timeout` (or at once while the
    handler has too many calls still running past theirs), and an exception the handler raised
    logged and raised as IntegrationError (the gateway's 502)."""
    name = reference.rpartition(":")[2]
    try:
        return await run_handler(handler, event, name, request_id, executor, timeout, overrun)
    except HandlerSaturated as exc:
        raise IntegrationTimeout(f"handler {reference} not started: {exc} (each holds a thread)") from None
    except TimeoutError:
        raise IntegrationTimeout(f"handler {reference} did not answer within {timeout:g} s") from None
    except Exception as exc:
        logger.error("handler %s raised %s: %s", reference, type(exc).__name__, exc, exc_info=exc)
        raise IntegrationError(f"handler {reference} raised {type(exc).__name__}: {exc}") from exc


def method_arn(deployment: Deployment, method: str, resource_path: str) -> str:
    """The execute-api ARN of a method, as authorizers and IAM policies name it."""
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{deployment.stage}/{method}/{resource_path.lstrip('/')}"


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


def event_v1(exchange: Exchange, deployment: Deployment) -> LambdaEventV1:
    """Payload format 1.0 (REST API proxy integration)."""
    request = exchange.request
    operation = exchange.operation
    assert operation is not None
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        multi_headers.setdefault(name, []).append(value)
    query = request.query
    body, is_base64 = _body_field(exchange, deployment.binary_media_types)
    host, prefix = domain(exchange)
    key = exchange.api_key
    known = identity(exchange)
    event_identity = cast("IdentityV1", {name: known[name] for name in _EVENT_IDENTITY_KEYS})
    if key is not None:
        event_identity["apiKey"] = key.value
        event_identity["apiKeyId"] = key.name
    # the keys and their order as recorded on AWS (LocalStack's test_lambda_aws_proxy_integration snapshot)
    context: RequestContextV1 = {"accountId": ACCOUNT_ID, "apiId": API_ID}  # type: ignore[typeddict-item]
    if exchange.jwt is not None:
        context["authorizer"] = {"claims": exchange.jwt.claims}
    if exchange.authorizer is not None:
        context["authorizer"] = exchange.authorizer.as_event_field()
    context.update(
        {
            "deploymentId": deployment.deployment_id,
            "domainName": host,
            "domainPrefix": prefix,
            "extendedRequestId": exchange.request_id,
            "httpMethod": request.method,
            "identity": event_identity,
            "path": request.path,
            "protocol": f"HTTP/{request.http_version}",
            "requestId": exchange.request_id,
            "requestTime": request_time(exchange.received_at),
            "requestTimeEpoch": int(exchange.received_at * 1000),
            "resourceId": resource_id(operation.path),
            "resourcePath": operation.path,
            "stage": deployment.stage,
        }
    )
    return {
        "body": body,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "httpMethod": request.method,
        "isBase64Encoded": is_base64,
        "multiValueHeaders": multi_headers or None,
        "multiValueQueryStringParameters": {name: list(values) for name, values in query.items()} or None,
        "path": exchange.route_path or request.path,
        "pathParameters": dict(exchange.path_params) or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "requestContext": context,
        "resource": operation.path,
        "stageVariables": deployment.stage_variables or None,
    }


def event_v2(exchange: Exchange, deployment: Deployment) -> LambdaEventV2:
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
    body, is_base64 = _body_field(exchange, deployment.binary_media_types)
    host, prefix = domain(exchange)
    context: RequestContextV2 = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": host,
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
        "stage": deployment.stage,
        "time": request_time(exchange.received_at),
        "timeEpoch": int(exchange.received_at * 1000),
    }
    if exchange.jwt is not None:
        context["authorizer"] = {"jwt": {"claims": exchange.jwt.claims, "scopes": list(exchange.jwt.scopes)}}
    elif exchange.authorizer is not None:
        context["authorizer"] = {"lambda": exchange.authorizer.as_event_field()}
    elif exchange.iam is not None:  # an HTTP API's IAM authorization, as its events carry it
        signer = exchange.iam
        context["authorizer"] = {
            "iam": {
                "accessKey": signer.access_key_id,
                "accountId": signer.account,
                "callerId": signer.user_id,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": signer.arn,
                "userId": signer.user_id,
            }
        }
    # built in the order the managed gateway writes a 2.0 event's keys (its published sample events)
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
    event["requestContext"] = context
    if body is not None:
        event["body"] = body
    if exchange.path_params:
        event["pathParameters"] = dict(exchange.path_params)
    event["isBase64Encoded"] = is_base64
    if deployment.stage_variables:
        event["stageVariables"] = dict(deployment.stage_variables)
    return cast("LambdaEventV2", event)
