"""The gateway's own endpoints under an admin prefix (`/_apigw` by default): `/health` for
readiness probes. They never reach the spec's routes (start-up refuses a prefix a path uses)."""

from __future__ import annotations

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import json_response
from apigw_cli.gateway.stages.stage import Handler


class AdminStage:
    def __init__(self, prefix: str, operations: int, deployment: str | None):
        self._health = prefix.rstrip("/") + "/health"
        self._operations = operations
        self._deployment = deployment

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        if exchange.request.path == self._health and exchange.request.method in ("GET", "HEAD"):
            return json_response(200, {"status": "ok", "operations": self._operations, "stage": self._deployment})
        return await call_next(exchange)
