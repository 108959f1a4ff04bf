"""An HTTP API's first-class AWS service integrations (`integrationSubtype`: SQS-SendMessage,
EventBridge-PutEvents, StepFunctions-StartExecution, ...), run by a local handler mapped to the
subtype as Lambdas are mapped: it receives the integration's mapped `requestParameters` as its
event (`{"QueueUrl": ..., "MessageBody": ...}`) and what it returns is the JSON answer, as the
service's answer would be."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import IntegrationError
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.lambda_runtime import call_handler

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import ThreadPoolExecutor

    from apigw_cli.gateway.deployment import Deployment
    from apigw_cli.gateway.integrations.http_api_values import MappedValue

logger = logging.getLogger("apigw")


class ServiceIntegration:
    kind = "python"

    def __init__(
        self,
        subtype: str,
        parameters: tuple[tuple[str, MappedValue], ...],
        handler: Callable[..., Any],
        reference: str,
        timeout: float,
        executor: ThreadPoolExecutor,
        deployment: Deployment,
    ):
        self._subtype = subtype
        self._parameters = parameters
        self._handler = handler
        self._reference = reference
        self._timeout = timeout
        self._executor = executor
        self._deployment = deployment

    @property
    def target(self) -> str:
        return f"{self._reference} (as {self._subtype})"

    async def aclose(self) -> None:
        return None

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        await exchange.request.read_body()
        event: dict[str, str] = {}
        for name, value in self._parameters:
            rendered = value.render(exchange, self._deployment)
            if rendered is not None:
                event[name] = rendered
        result = await call_handler(
            self._handler, self._reference, event, exchange.request_id, self._executor, self._timeout
        )
        try:
            body = json.dumps(result)
        except (TypeError, ValueError) as exc:
            raise IntegrationError(f"handler {self._reference} returned a value that is not JSON: {exc}") from None
        return GatewayResponse(200, [("content-type", "application/json")], body.encode())
