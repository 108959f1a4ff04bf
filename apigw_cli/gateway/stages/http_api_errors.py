"""HTTP-API-flavoured specs answer the gateway's own errors as HTTP APIs do (gateway_errors.py,
HTTP_API_ANSWERS): their statuses and messages, no x-amzn-ErrorType, an `apigw-requestid`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.gateway.gateway_errors import as_http_api

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler


class HttpApiErrorsStage:
    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        return as_http_api(await call_next(exchange), exchange.request_id)
