"""Answers CORS preflight requests and adds the CORS headers to responses for allowed origins."""

from __future__ import annotations

from apigw_cli.gateway.cors import CorsPolicy
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.pipeline import Handler


class CorsStage:
    def __init__(self, policy: CorsPolicy):
        self._policy = policy

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        origin = request.header("origin")
        if origin is None:
            return await call_next(exchange)
        requested_method = request.header("access-control-request-method")
        if request.method == "OPTIONS" and requested_method is not None:
            headers = self._policy.preflight_headers(
                origin, requested_method, request.header("access-control-request-headers")
            )
            if not headers:
                exchange.error = f"CORS preflight from {origin} for {requested_method} is not allowed"
            return GatewayResponse(204, headers)
        response = await call_next(exchange)
        for name, value in self._policy.response_headers(origin):
            response.set_header(name, value)
        return response
