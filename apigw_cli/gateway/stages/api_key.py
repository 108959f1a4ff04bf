"""Requires an API key where the operation's security names an apiKey scheme: 403 without one,
as the managed gateway answers; the key found becomes the request's principal."""

from __future__ import annotations

from apigw_cli.gateway.exchange import Exchange, GatewayResponse, gateway_error
from apigw_cli.gateway.pipeline import Handler
from apigw_cli.gateway.policies import ApiKeys


class ApiKeyStage:
    def __init__(self, keys: ApiKeys):
        self._keys = keys

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        if operation is None or not operation.api_key_required:
            return await call_next(exchange)
        presented = exchange.request.header(self._keys.header)
        key = self._keys.find(presented)
        if key is None:
            exchange.error = "API key missing" if not presented else "API key not recognised"
            return gateway_error(403, "Forbidden", response_type="INVALID_API_KEY")
        exchange.api_key = key
        return await call_next(exchange)
