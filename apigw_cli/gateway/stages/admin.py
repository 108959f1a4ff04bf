"""The gateway's own endpoints under an admin prefix (`/_apigw` by default): `/health` for
readiness probes, `POST /mock/reset` to empty stateful mocks (each collection is seeded from the
examples again at its next request), and `/metrics`, its own stage. They never reach the spec's routes (start-up
refuses a prefix a path uses). With an admin token set (`--admin-token`, `APIGW_ADMIN_TOKEN`),
everything under the prefix needs it (`Authorization: Bearer TOKEN`): 401 without it."""

from __future__ import annotations

import hmac

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import gateway_error, json_response
from apigw_cli.gateway.stages.stage import Handler
from apigw_cli.gateway.stores.mock_state import MockState


class AdminStage:
    def __init__(self, prefix: str, operations: int, deployment: str | None, mock_state: MockState):
        self._health = prefix.rstrip("/") + "/health"
        self._mock_reset = prefix.rstrip("/") + "/mock/reset"
        self._operations = operations
        self._deployment = deployment
        self._mock_state = mock_state

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        path, method = exchange.request.path, exchange.request.method
        if path == self._health and method in ("GET", "HEAD"):
            return json_response(200, {"status": "ok", "operations": self._operations, "stage": self._deployment})
        if path == self._mock_reset:
            if method != "POST":
                return gateway_error(
                    "DEFAULT_4XX", "Use POST to reset the mocks", status=405, error_type="MethodNotAllowed"
                )
            return json_response(200, {"reset": True, "collections": self._mock_state.reset()})
        return await call_next(exchange)


class AdminGuardStage:
    """Everything under the admin prefix needs the admin token (before health and metrics answer)."""

    def __init__(self, prefix: str, token: str):
        self._prefix = prefix.rstrip("/")
        self._token = token.encode()

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        path = exchange.request.path
        if path == self._prefix or path.startswith(self._prefix + "/"):
            scheme, _, sent = (exchange.request.header("authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), self._token):
                exchange.error = "the admin token is missing or wrong"
                return gateway_error(
                    "UNAUTHORIZED",
                    "Unauthorized: the admin token is needed",
                    [("www-authenticate", 'Bearer realm="apigw-admin"')],
                )
        return await call_next(exchange)
