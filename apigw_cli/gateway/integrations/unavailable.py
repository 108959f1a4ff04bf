"""Integrations that cannot run here, answering with the reason instead of refusing to start:
a Lambda with no local handler mapped (502) and AWS service integrations (501)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from apigw_cli.gateway.gateway_errors import ResponseType, gateway_error

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse


@dataclass(frozen=True, slots=True)
class UnavailableIntegration:
    kind: str  # "unmapped-lambda" or "unsupported"
    reason: str
    status: int
    response_type: ResponseType

    @property
    def target(self) -> str:
        return self.reason

    async def aclose(self) -> None:
        return None

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        operation = exchange.operation
        route = operation.route_key if operation else exchange.request.path
        exchange.error = self.reason
        return gateway_error(self.response_type, f"{route}: {self.reason}", status=self.status)


def unmapped_lambda(function: str) -> UnavailableIntegration:
    return UnavailableIntegration(
        "unmapped-lambda",
        f"Lambda function {function} has no local handler: map it under x-gateway.lambdas or in --lambda-map",
        502,
        "INTEGRATION_FAILURE",
    )


def unsupported(reason: str) -> UnavailableIntegration:
    return UnavailableIntegration("unsupported", reason, 501, "API_CONFIGURATION_ERROR")
