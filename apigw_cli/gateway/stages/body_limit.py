"""Refuses request bodies over the size limit (10 MB by default, as the managed gateway) with 413:
at once when Content-Length says so or an earlier stage's read ran past it (the recorder reads
bodies whole), or when a later stage reading the body runs past it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.errors import RequestTooLarge
from apigw_cli.gateway.gateway_errors import gateway_error

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler


class BodyLimitStage:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        declared = request.header("content-length")
        if (
            request.too_large
            or len(request.body) > self.max_bytes
            or (declared is not None and declared.isdigit() and int(declared) > self.max_bytes)
        ):
            return self._refuse(exchange)
        try:
            return await call_next(exchange)
        except RequestTooLarge:
            return self._refuse(exchange)

    def _refuse(self, exchange: Exchange) -> GatewayResponse:
        exchange.error = f"request body over the {self.max_bytes}-byte limit"
        return gateway_error("REQUEST_TOO_LARGE")
