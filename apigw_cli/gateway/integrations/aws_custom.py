"""Non-proxy integrations of AWS specs: `mock` answering from its request template's statusCode,
and `http`/`aws` (Lambda) integrations whose outcome selects an integration response.

Mapping templates (VTL) are not executed here: a static template is used as it is, and the
start-up notice names the operations whose templates are skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from apigw_cli.errors import IntegrationError, IntegrationTimeout
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.integrations.base import Integration
from apigw_cli.gateway.integrations.integration_responses import IntegrationResponse, select_response
from apigw_cli.gateway.lambda_runtime import run_handler
from apigw_cli.gateway.validation.body import media_type_of

logger = logging.getLogger("apigw")


@dataclass(frozen=True, slots=True)
class TemplateMockIntegration:
    """AWS `type: mock`: the status its request template names selects the integration response."""

    status: int
    responses: tuple[IntegrationResponse, ...]
    kind: str = "mock"

    @property
    def target(self) -> str:
        return f"statusCode {self.status} from requestTemplates"

    async def aclose(self) -> None:
        return None

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        response = GatewayResponse(self.status, [("content-type", "application/json")], b"")
        selected = select_response(self.responses, str(self.status))
        return selected.apply(response) if selected else response


class WrappedIntegration:
    """An integration in front of another: the same kind and target, closed with it."""

    def __init__(self, inner: Integration):
        self._inner = inner
        self.kind = inner.kind

    @property
    def target(self) -> str:
        return self._inner.target

    async def aclose(self) -> None:
        await self._inner.aclose()


class SelectingIntegration(WrappedIntegration):
    """An http integration whose backend status selects the integration response."""

    def __init__(self, inner: Integration, responses: tuple[IntegrationResponse, ...]):
        super().__init__(inner)
        self._responses = responses

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        response = await self._inner.invoke(exchange)
        selected = select_response(self._responses, str(response.status))
        return selected.apply(response) if selected else response


class LambdaCustomIntegration:
    """AWS `type: aws` to Lambda: the handler gets the JSON body as its event (passthrough);
    its result is the 200 body, and an exception's message selects the integration response."""

    kind = "python"

    def __init__(
        self,
        handler: Callable[..., Any],
        reference: str,
        timeout: float,
        executor: ThreadPoolExecutor,
        responses: tuple[IntegrationResponse, ...],
    ):
        self._handler = handler
        self._reference = reference
        self._timeout = timeout
        self._executor = executor
        self._responses = responses

    @property
    def target(self) -> str:
        return f"{self._reference} (Lambda custom integration)"

    async def aclose(self) -> None:
        return None

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        body = await exchange.request.read_body()
        try:
            event = json.loads(body) if body else {}
        except ValueError:
            event = body.decode("utf-8", errors="replace")
        name = self._reference.rpartition(":")[2]
        try:
            result = await run_handler(self._handler, event, name, exchange.request_id, self._executor, self._timeout)
        except TimeoutError:
            raise IntegrationTimeout(f"handler {self._reference} did not answer within {self._timeout:g} s") from None
        except Exception as exc:
            selected = select_response(tuple(r for r in self._responses if r.pattern is not None), str(exc))
            if selected is None:
                logger.error("handler %s raised %s: %s", self._reference, type(exc).__name__, exc, exc_info=exc)
                raise IntegrationError(f"handler {self._reference} raised {type(exc).__name__}: {exc}") from exc
            error = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return selected.apply(
                GatewayResponse(200, [("content-type", "application/json")], json.dumps(error).encode())
            )
        response = GatewayResponse(200, [("content-type", "application/json")], json.dumps(result).encode())
        selected = next((entry for entry in self._responses if entry.pattern is None), None)
        return selected.apply(response) if selected else response


class PassthroughGate(WrappedIntegration):
    """`passthroughBehavior` of non-proxy integrations: with `never`, or with `when_no_templates`
    and templates declared, a Content-Type no request template covers answers 415."""

    def __init__(self, inner: Integration, template_types: frozenset[str]):
        super().__init__(inner)
        self._template_types = template_types

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        content_type = media_type_of(exchange.request.header("content-type") or "application/json")
        if content_type not in self._template_types:
            exchange.error = f"no request template for Content-Type {content_type!r} and passthrough is off"
            return gateway_error("UNSUPPORTED_MEDIA_TYPE")
        return await self._inner.invoke(exchange)
