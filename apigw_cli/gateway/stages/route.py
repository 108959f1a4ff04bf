"""Matches the request to an operation: 404 for an unknown path, 405 (with `Allow`) for a known
path with another method; HEAD runs the GET operation and drops the body."""

from __future__ import annotations

from apigw_cli.gateway.exchange import Exchange, GatewayResponse, gateway_error
from apigw_cli.gateway.operation import Operation
from apigw_cli.gateway.router import Match, MethodNotAllowed, Router
from apigw_cli.gateway.stages.stage import Handler


class RouteStage:
    def __init__(self, router: Router[Operation]):
        self._router = router

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        found = self._router.match(request.method, request.path)
        if isinstance(found, Match):
            exchange.operation = found.target
            exchange.path_params = found.params
            response = await call_next(exchange)
            if request.method == "HEAD" and found.target.method == "GET":
                response.set_header("content-length", str(len(response.body)))
                response.body = b""
            return response
        if isinstance(found, MethodNotAllowed):
            exchange.error = f"{request.method} is not declared for {found.template}"
            return gateway_error(
                405,
                "Method Not Allowed",
                [("allow", ", ".join(found.allowed))],
                response_type="MISSING_AUTHENTICATION_TOKEN",
            )
        exchange.error = "no route matches the path"
        return gateway_error(404, "Not Found", response_type="MISSING_AUTHENTICATION_TOKEN")
