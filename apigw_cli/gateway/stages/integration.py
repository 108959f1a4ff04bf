"""The end of the pipeline: calls the route's integration and turns backend failures into the
managed gateway's answers (502 bad response, 504 timeout)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from apigw_cli.errors import IntegrationError, IntegrationTimeout
from apigw_cli.gateway.gateway_errors import gateway_error

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.integrations.base import Integration


class IntegrationStage:
    def __init__(self, integrations: Sequence[Integration]):
        self._integrations = integrations  # by operation index

    async def __call__(self, exchange: Exchange) -> GatewayResponse:
        operation = exchange.operation
        assert operation is not None  # the route stage answers for unmatched requests
        started = time.perf_counter()
        try:
            return await self._integrations[operation.index].invoke(exchange)
        except IntegrationTimeout as exc:
            exchange.error = str(exc)
            return gateway_error("INTEGRATION_TIMEOUT")
        except IntegrationError as exc:
            exchange.error = str(exc)
            return gateway_error("INTEGRATION_FAILURE", exc.public_message or "Internal server error")
        finally:
            exchange.integration_latency = time.perf_counter() - started
