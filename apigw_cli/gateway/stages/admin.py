"""The gateway's own endpoints under an admin prefix (`/_apigw` by default): `/health` for
readiness probes, `POST /mock/reset` to empty stateful mocks (each collection is seeded from the
examples again at its next request), and `/metrics`, its own stage. They never reach the spec's routes (start-up
refuses a prefix a path uses). With an admin token set (`--admin-token`, `APIGW_ADMIN_TOKEN`),
everything under the prefix needs it (`Authorization: Bearer TOKEN`, or the console page's cookie):
401 without it."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import gateway_error, json_response

if TYPE_CHECKING:
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
    """Everything under the admin prefix needs the admin token (before health and metrics answer):
    `Authorization: Bearer TOKEN`, or the console page's cookie, which opening the page once as
    `{prefix}/?token=TOKEN` sets (HttpOnly, SameSite=Strict, for the prefix only)."""

    def __init__(self, prefix: str, token: str):
        self._prefix = prefix.rstrip("/")
        self._token = token.encode()

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        path = request.path
        if path == self._prefix or path.startswith(self._prefix + "/"):
            if path in (self._prefix, self._prefix + "/") and request.query.get("token"):
                return self._sign_in(request.query["token"][0], exchange)
            scheme, _, sent = (request.header("authorization") or "").partition(" ")
            if not (scheme.lower() == "bearer" and self._matches(sent.strip())) and not self._matches(
                _cookie(request.header("cookie"), COOKIE)
            ):
                exchange.error = "the admin token is missing or wrong"
                return gateway_error(
                    "UNAUTHORIZED",
                    "Unauthorized: the admin token is needed",
                    [("www-authenticate", 'Bearer realm="apigw-admin"')],
                )
        return await call_next(exchange)

    def _matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest((sent or "").encode(), self._token)

    def _sign_in(self, sent: str, exchange: Exchange) -> GatewayResponse:
        if not self._matches(sent):
            exchange.error = "the admin token is wrong"
            return gateway_error("UNAUTHORIZED", "Unauthorized: the admin token is wrong")
        cookie = f"{COOKIE}={sent}; Path={self._prefix}/; HttpOnly; SameSite=Strict"
        return GatewayResponse(303, [("location", self._prefix + "/"), ("set-cookie", cookie)])


COOKIE = "apigw_admin"


def _cookie(header: str | None, name: str) -> str | None:
    for part in (header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
