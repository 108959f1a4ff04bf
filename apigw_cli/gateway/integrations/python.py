"""The `python` integration: calls a local handler with a Lambda proxy event, and turns what it
returns into the response (the proxy result format: statusCode, headers, body...).

Sync handlers run in a thread pool of the snapshot, async ones on the event loop; both are
bounded by the integration's timeout. A handler that runs past it cannot be stopped (Python
threads cannot be killed): its answer is dropped and the client gets 504.

A streaming integration (`stream: true`, `responseTransferMode: STREAM`) takes a generator or an
async generator (returned, or a dict whose `body` is one): a first item with `statusCode` is the
prelude (status, headers, cookies), each later `str` or `bytes` item is sent as it is yielded;
without a prelude the answer is 200 `application/octet-stream`. A sync generator steps in the
thread pool. A client that goes away closes the generator (GeneratorExit at its yield).
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import IntegrationError, IntegrationTimeout
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.lambda_runtime import Overrun, call_handler, event_v1, event_v2
from apigw_cli.gateway.streaming import ResponseStream, StreamLimits

if TYPE_CHECKING:
    import concurrent.futures
    from collections.abc import AsyncIterator, Callable
    from concurrent.futures import ThreadPoolExecutor

    from apigw_cli.gateway.deployment import Deployment

logger = logging.getLogger("apigw")
DEFAULT_TIMEOUT = 29.0  # seconds, the managed gateway's integration limit
_END: Any = object()  # what a generator's step gives once it is exhausted
STREAM_TYPE = "application/octet-stream"  # a streamed answer whose prelude names no Content-Type


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
        stream: StreamLimits | None = None,
    ):
        self._handler = handler
        self._reference = reference
        self._payload_version = payload_version
        self._timeout = timeout
        self._executor = executor
        self._deployment = deployment
        self.function_name = reference.rpartition(":")[2]
        self.overrun = Overrun(thread_share)  # the threads this route's timed-out calls may hold
        self.stream = stream  # the limits of a streamed response; None: generators are refused

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
            source = _streamed_body(result)
            if source is not None:
                if self.stream is None:
                    raise IntegrationError(
                        "handler returned a generator: set `stream: true` on its x-integration (or "
                        "responseTransferMode: STREAM) to stream it"
                    )
                return await self._streamed(result, source, self.stream)
            return response_from_result(result, self._payload_version)
        except IntegrationError as exc:
            logger.error("handler %s: %s", self._reference, exc)
            raise

    async def _streamed(self, result: Any, source: Any, limits: StreamLimits) -> GatewayResponse:
        """The prelude (read within the integration's timeout when the generator yields it) and a
        stream of the rest of `source`, the generator `result` is or holds."""
        steps = _GeneratorSteps(source, self._executor)
        prelude: Any = {k: v for k, v in result.items() if k != "body"} if isinstance(result, dict) else None
        first: Any = None
        if prelude is None:
            try:
                first = await asyncio.wait_for(steps.next(), self._timeout)
            except TimeoutError:
                await steps.close(False)
                message = f"handler {self._reference} yielded nothing within {self._timeout:g} s"
                raise IntegrationTimeout(message) from None
            except Exception as exc:
                await steps.close(False)
                raise IntegrationError(f"handler {self._reference} raised {type(exc).__name__}: {exc}") from exc
            if isinstance(first, dict) and "statusCode" in first:
                prelude, first = first, None
        if prelude is None:
            response = GatewayResponse(200, [("content-type", STREAM_TYPE)])
        else:
            response = response_from_result({**prelude, "body": None}, self._payload_version, STREAM_TYPE)

        async def chunks() -> AsyncIterator[bytes]:
            if first is _END:
                return
            if first is not None:
                yield _chunk_bytes(first)
            for _ in range(1 << 62):  # bounded by the stream's limits
                item = await steps.next()
                if item is _END:
                    return
                yield _chunk_bytes(item)

        response.stream = ResponseStream(chunks(), steps.close, limits, grace=1.0)
        return response


def response_from_result(result: Any, payload_version: str, default_type: str = "application/json") -> GatewayResponse:
    """Map a handler's return value to a response (`default_type` when it names no Content-Type);
    IntegrationError when it is malformed."""
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
        headers.append(("content-type", default_type))
    return GatewayResponse(status, headers, raw)


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _streamed_body(result: Any) -> Any:
    """The generator a handler's result streams (itself, or its `body`), or None."""
    body = result.get("body") if isinstance(result, dict) and "statusCode" in result else result
    if inspect.isgenerator(body) or inspect.isasyncgen(body):
        return body
    return None


def _chunk_bytes(item: Any) -> bytes:
    if isinstance(item, bytes | bytearray | memoryview):
        return bytes(item)
    if isinstance(item, str):
        return item.encode("utf-8")
    raise IntegrationError(f"a streamed chunk must be str or bytes, got {type(item).__name__}")


class _GeneratorSteps:
    """Steps a handler's generator: an async one on the loop, a sync one in the thread pool (one
    step at a time); `close` ends it with GeneratorExit at its yield, after a step in progress."""

    def __init__(self, generator: Any, executor: ThreadPoolExecutor):
        self._generator = generator
        self._executor = executor
        self._running: concurrent.futures.Future[Any] | None = None

    async def next(self) -> Any:
        generator = self._generator
        if inspect.isasyncgen(generator):
            try:
                return await generator.__anext__()
            except StopAsyncIteration:
                return _END
        self._running = self._executor.submit(next, generator, _END)
        return await asyncio.wrap_future(self._running)

    async def close(self, complete: bool) -> None:
        generator = self._generator
        if inspect.isasyncgen(generator):
            try:
                await generator.aclose()
            except Exception as exc:
                logger.error("closing a streaming handler's generator: %s: %s", type(exc).__name__, exc)
            return
        running = self._running
        if running is not None and not running.done():
            running.add_done_callback(lambda _future: _close_quietly(generator))  # after the step, in its thread
            return
        await asyncio.wrap_future(self._executor.submit(_close_quietly, generator))


def _close_quietly(generator: Any) -> None:
    try:
        generator.close()
    except Exception as exc:
        logger.error("closing a streaming handler's generator: %s: %s", type(exc).__name__, exc)
