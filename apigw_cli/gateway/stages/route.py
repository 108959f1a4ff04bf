"""Matches the request to an operation; HEAD runs the GET operation. What a request that matches no
route gets depends on the spec's flavour, as on the managed gateway: a REST API answers `403
Missing Authentication Token` (an unknown path and a known path's other method alike), an HTTP API
`404 Not Found`; a plain OpenAPI spec 404, or 405 with `Allow` for a known path with another method.

Before any route is looked up, a path a backend could read as another path is refused with 400
(`path_problem`): dot segments (`/a/../b`, `/a/./b`, also percent-encoded), empty segments
(`/a//b`) and a raw backslash; and on a route with a greedy parameter (`/p/{proxy+}`), an encoded
slash or backslash (`%2F`, `%5C`), which a backend may decode into a separator (in one path
segment, `/users/a%2Fb`, it is data and passed on encoded). So the path a policy decided on (an
API key on `/p/admin`, none on `/p/{proxy+}`) is the path the backend receives: it is passed on as
it came, and no backend can resolve it into another one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote

from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.router import Match, MethodNotAllowed, Router

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.operation import Operation
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.spec.flavour import Flavour


class RouteStage:
    def __init__(self, router: Router[Operation], flavour: Flavour = "plain"):
        self._router = router
        self._flavour = flavour

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        problem = path_problem(request.path)
        if problem is not None:
            exchange.error = f"path refused: {problem}"
            return gateway_error("DEFAULT_4XX", "Invalid request path", status=400, error_type="BadRequestException")
        found = self._router.match(request.method, request.path)
        if isinstance(found, Match) and "+}" in found.template and _ENCODED_SEPARATOR.search(request.path):
            exchange.error = "path refused: an encoded / or \\ on a greedy route"
            return gateway_error("DEFAULT_4XX", "Invalid request path", status=400, error_type="BadRequestException")
        if isinstance(found, Match):
            exchange.operation = found.target
            exchange.path_params = found.params
            exchange.route_path = found.path
            return await call_next(exchange)  # a HEAD's body is dropped by the framing stage
        if isinstance(found, MethodNotAllowed):
            exchange.error = f"{request.method} is not declared for {found.template}"
        else:
            exchange.error = "no route matches the path"
        if self._flavour == "rest":
            return gateway_error("MISSING_AUTHENTICATION_TOKEN")
        if self._flavour == "http" or not isinstance(found, MethodNotAllowed):
            return gateway_error("RESOURCE_NOT_FOUND")
        return gateway_error(
            "DEFAULT_4XX", "Method Not Allowed", [("allow", ", ".join(found.allowed))], status=405,
            error_type="MethodNotAllowedException",
        )  # fmt: skip


_ENCODED_SEPARATOR = re.compile(r"%(2f|5c)", re.IGNORECASE)


def path_problem(raw_path: str) -> str | None:
    """Why a percent-encoded request path could name two resources, or None when it cannot."""
    if "\\" in raw_path:
        return "a backslash"
    segments = raw_path.split("/")[1:]
    for index, segment in enumerate(segments):
        if segment == "" and index != len(segments) - 1:
            return "an empty segment (//)"
        if segment in (".", "..") or ("%" in segment and unquote(segment) in (".", "..")):
            return f"a dot segment ({segment})"
    return None
