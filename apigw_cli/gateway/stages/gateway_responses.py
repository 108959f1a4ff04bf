"""Restyles the gateway's own error answers as `x-amazon-apigateway-gateway-responses` says."""

from __future__ import annotations

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_responses import GatewayResponses
from apigw_cli.gateway.pipeline import Handler


class GatewayResponsesStage:
    def __init__(self, responses: GatewayResponses):
        self._responses = responses

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        return self._responses.restyle(exchange, await call_next(exchange))
