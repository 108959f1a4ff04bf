"""The route table as rows: what `apigw routes` prints and the console page lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.gateway.routes import Route
    from apigw_cli.gateway.websocket.api import WebSocketApi


def route_table(routes: Sequence[Route], websocket: WebSocketApi | None) -> list[dict[str, Any]]:
    """One row a route (and a WebSocket route): what `apigw routes --json` prints and the console lists."""
    return [
        {
            "method": route.operation.method,
            "path": route.operation.path,
            "operationId": route.operation.operation_id,
            "integration": route.integration.kind,
            "target": route.integration.target,
            "mapping": route.mapping,
            "runsLocally": route.runs_locally,
            "auth": route.auth,
            "throttle": str(route.throttle) if route.throttle else None,
            "cache": str(route.cache) if route.cache else None,
            "summary": route.operation.summary,
        }
        for route in routes
    ] + websocket_rows(websocket)


def websocket_rows(api: WebSocketApi | None) -> list[dict[str, Any]]:
    """The WebSocket API's routes: method WS, the path clients connect to and the route key."""
    if api is None:
        return []
    authorizer = api.authorizer.name if api.authorizer is not None else None
    return [
        {
            "method": "WS",
            "path": f"{api.path} {key}",
            "routeKey": key,
            "operationId": None,
            "integration": route.integration.kind,
            "target": route.integration.target,
            "mapping": "route response" if route.route_response else None,
            "runsLocally": True,
            "auth": f"authorizer {authorizer}" if key == "$connect" and authorizer else "none",
            "throttle": None,
            "cache": None,
            "summary": "",
        }
        for key, route in api.routes.items()
    ]
