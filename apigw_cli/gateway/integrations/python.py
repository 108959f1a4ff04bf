"""The `python` integration: calls a local handler with a Lambda proxy event, and turns what it
returns into the response (the proxy result format: statusCode, headers, body...).

Sync handlers run in a thread pool of the snapshot, async ones on the event loop; both are
bounded by the integration's timeout. A handler that runs past it cannot be stopped (Python
threads cannot be killed): its answer is dropped and the client gets 504.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from apigw_cli.errors import IntegrationError
from apigw_cli.gateway.deployment import Deployment
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.lambda_runtime import Overrun, call_handler, event_v1, event_v2

logger = logging.getLogger("apigw")
DEFAULT_TIMEOUT = 29.0  # seconds, the managed gateway's integration limit


class PythonIntegration:
    kind = "python"

    def __init__(
        self,
        handler: Callable[..., Any],
        reference: str,
        payload_version: str,
        timeout: float,
        executor: ThreadPoolExecutor,
        deployment: Deployment,
        thread_share: int = 16,
    ):
        self._handler = handler
        self._reference = reference
        self._payload_version = payload_version
        self._timeout = timeout
        self._executor = executor
        self._deployment = deployment
        self.function_name = reference.rpartition(":")[2]
        self.overrun = Overrun(thread_share)  # the threads this route's timed-out calls may hold

    @property
    def target(self) -> str:
        return f"{self._reference} (payload {self._payload_version})"

    async def aclose(self) -> None:
        return None  # the executor belongs to the snapshot

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        await exchange.request.read_body()
        event = (
            event_v2(exchange, self._deployment)
            if self._payload_version == "2.0"
            else event_v1(exchange, self._deployment)
        )
        result = await call_handler(
            self._handler, self._reference, event, exchange.request_id, self._executor, self._timeout, self.overrun
        )
        try:
            return response_from_result(result, self._payload_version)
        except IntegrationError as exc:
            logger.error("handler %s: %s", self._reference, exc)
            raise


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
