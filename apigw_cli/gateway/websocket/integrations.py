"""What a WebSocket route calls: a local Python handler with the route's Lambda event, a mock, or an
HTTP backend that gets each message as a POST body. Each answers a `WsAnswer`: the status (the
handshake's, on $connect) and the body a route response sends back."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import IntegrationError, IntegrationTimeout
from apigw_cli.gateway.lambda_runtime import Overrun, call_handler
from apigw_cli.gateway.websocket.api import WsAnswer

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import ThreadPoolExecutor

    from apigw_cli.gateway.integrations.backend_client import BackendClient


class PythonWsIntegration:
    kind = "python"

    def __init__(
        self,
        handler: Callable[..., Any],
        reference: str,
        timeout: float,
        executor: ThreadPoolExecutor,
        thread_share: int,
    ):
        self._handler = handler
        self._reference = reference
        self._timeout = timeout
        self._executor = executor
        self.overrun = Overrun(thread_share)

    @property
    def target(self) -> str:
        return self._reference

    async def invoke(self, event: dict[str, Any], request_id: str) -> WsAnswer:
        result = await call_handler(
            self._handler, self._reference, event, request_id, self._executor, self._timeout, self.overrun
        )
        return answer_from_result(result, self._reference)


def answer_from_result(result: Any, reference: str) -> WsAnswer:
    """A handler's return value: `{statusCode, body, isBase64Encoded}` as a proxy integration answers
    (the body is what a route response sends), None for 200 and nothing to send, any other JSON
    value for 200 with that JSON as the body."""
    if result is None:
        return WsAnswer(200, None)
    if not isinstance(result, dict) or "statusCode" not in result:
        try:
            return WsAnswer(200, json.dumps(result).encode())
        except (TypeError, ValueError) as exc:
            raise IntegrationError(f"handler {reference} returned a value that is not JSON: {exc}") from None
    status: Any = result.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise IntegrationError(f"handler {reference}: statusCode {status!r} is not an HTTP status")
    body = result.get("body")
    if body is None:
        return WsAnswer(status, None)
    if not isinstance(body, str):
        raise IntegrationError(
            f"handler {reference}: body must be a string, got {type(body).__name__} (serialise it with json.dumps)"
        )
    if result.get("isBase64Encoded"):
        try:
            return WsAnswer(status, base64.b64decode(body, validate=True), binary=True)
        except ValueError:
            raise IntegrationError(f"handler {reference}: isBase64Encoded body is not base64") from None
    return WsAnswer(status, body.encode("utf-8"))


class MockWsIntegration:
    kind = "mock"
    target = "mock"

    def __init__(self, status: int = 200, body: bytes | None = None):
        self._answer = WsAnswer(status, body)

    async def invoke(self, event: dict[str, Any], request_id: str) -> WsAnswer:
        return self._answer


class HttpWsIntegration:
    """POSTs a message to the backend (empty for $connect and $disconnect) with the connection's id,
    route key and event type in `X-Connection-Id`, `X-Route-Key` and `X-Event-Type`; what the
    backend answers is the route's answer."""

    kind = "http"

    def __init__(self, url: str, timeout: float, client: BackendClient, max_response_bytes: int):
        self._url = url
        self._timeout = timeout
        self._client = client
        self._max = max_response_bytes
        client.wanted = True

    @property
    def target(self) -> str:
        return self._url

    async def invoke(self, event: dict[str, Any], request_id: str) -> WsAnswer:
        import aiohttp

        context = event["requestContext"]
        body = event.get("body")
        data = b"" if body is None else base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
        headers = {
            "x-connection-id": context["connectionId"],
            "x-route-key": context["routeKey"],
            "x-event-type": context["eventType"],
            "x-amzn-requestid": request_id,
            "content-type": "application/octet-stream" if event.get("isBase64Encoded") else "application/json",
        }
        session = await self._client.session()
        try:
            async with session.post(
                self._url, data=data, headers=headers, timeout=aiohttp.ClientTimeout(total=self._timeout)
            ) as response:
                payload = await response.content.read(self._max + 1)
                if len(payload) > self._max:
                    raise IntegrationError(f"backend {self._url} answered over {self._max} bytes")
                binary = not response.content_type.startswith(("text/", "application/json"))
                return WsAnswer(response.status, payload or None, binary=binary and bool(payload))
        except TimeoutError:
            raise IntegrationTimeout(f"backend {self._url} did not answer within {self._timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise IntegrationError(f"backend {self._url} failed: {exc}") from None
