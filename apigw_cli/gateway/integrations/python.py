"""The `python` integration: calls a local handler with a Lambda proxy event.

Sync handlers run in a thread pool of the snapshot, async ones on the event loop; both are
bounded by the integration's timeout. A handler that runs past it cannot be stopped (Python
threads cannot be killed): its answer is dropped and the client gets 504.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from apigw_cli.errors import IntegrationError, IntegrationTimeout
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.integrations.lambda_events import (
    LambdaContext,
    LambdaSettings,
    event_v1,
    event_v2,
    response_from_result,
)

logger = logging.getLogger("apigw")
DEFAULT_TIMEOUT = 29.0  # seconds, the managed gateway's integration limit


async def run_handler(
    handler: Callable[..., Any],
    event: Any,
    function_name: str,
    request_id: str,
    executor: ThreadPoolExecutor,
    timeout: float,
) -> Any:
    """Call a Lambda-style handler with its context: a sync one on the snapshot's thread pool, an
    async one on the loop, both bounded by `timeout` (TimeoutError past it)."""
    context = LambdaContext(function_name, request_id, time.monotonic() + timeout)
    if inspect.iscoroutinefunction(handler):
        return await asyncio.wait_for(handler(event, context), timeout)
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(executor, handler, event, context), timeout)


class PythonIntegration:
    kind = "python"

    def __init__(
        self,
        handler: Callable[..., Any],
        reference: str,
        payload_version: str,
        timeout: float,
        executor: ThreadPoolExecutor,
        settings: LambdaSettings,
    ):
        self._handler = handler
        self._reference = reference
        self._payload_version = payload_version
        self._timeout = timeout
        self._executor = executor
        self._settings = settings
        self._build_event = event_v2 if payload_version == "2.0" else event_v1
        self.function_name = reference.rpartition(":")[2]

    @property
    def target(self) -> str:
        return f"{self._reference} (payload {self._payload_version})"

    async def aclose(self) -> None:
        return None  # the executor belongs to the snapshot

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        await exchange.request.read_body()
        event = self._build_event(exchange, self._settings)
        try:
            result = await run_handler(
                self._handler, event, self.function_name, exchange.request_id, self._executor, self._timeout
            )
        except TimeoutError:
            raise IntegrationTimeout(f"handler {self._reference} did not answer within {self._timeout:g} s") from None
        except Exception as exc:
            logger.error("handler %s raised %s: %s", self._reference, type(exc).__name__, exc, exc_info=exc)
            raise IntegrationError(f"handler {self._reference} raised {type(exc).__name__}: {exc}") from exc
        try:
            return response_from_result(result, self._payload_version)
        except IntegrationError as exc:
            logger.error("handler %s: %s", self._reference, exc)
            raise
