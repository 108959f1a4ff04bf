"""Catches what no other stage expected, so a bug answers 500 and logs, never drops the connection."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apigw_cli.errors import StoreUnavailable
from apigw_cli.gateway.gateway_errors import gateway_error

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler

logger = logging.getLogger("apigw")


class ErrorBoundaryStage:
    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        try:
            return await call_next(exchange)
        except StoreUnavailable as exc:  # the shared store is down and its policy is fail-closed
            exchange.error = str(exc)
            return gateway_error(
                "DEFAULT_5XX", "Service Unavailable", status=503, error_type="ServiceUnavailableException"
            )
        except Exception as exc:
            logger.exception("unexpected error on %s %s", exchange.request.method, exchange.request.path)
            exchange.error = f"{type(exc).__name__}: {exc}"
            return gateway_error("DEFAULT_5XX")
