"""A WebSocket API as a snapshot holds it (compiled from `x-gateway.websocket`): where clients
connect, how a message picks its route, each route's integration, and the connection limits.
Nothing here reads the spec; compiling/websocket.py does, once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from apigw_cli.gateway.stages.jwt import JwtAuthorizer
from apigw_cli.gateway.stages.lambda_authorizer import LambdaAuthorizer, UnavailableAuthorizer

if TYPE_CHECKING:
    from collections.abc import Mapping

    from apigw_cli.gateway.clock import Clock
    from apigw_cli.gateway.deployment import Deployment
    from apigw_cli.gateway.websocket.connections import ConnectionDirectory
    from apigw_cli.gateway.websocket.observe import WsObserver

CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"
RESERVED_ROUTES = (CONNECT, DISCONNECT, DEFAULT)
MAX_MESSAGE_BYTES = 128 * 1024  # the managed gateway's message payload quota
DEFAULT_IDLE_TIMEOUT = 600.0  # its 10 minutes
DEFAULT_MAX_AGE = 7200.0  # its 2 hours
DEFAULT_SELECTION = "$request.body.action"


@dataclass(frozen=True, slots=True)
class WsAnswer:
    """What an integration answered: a status (the handshake's, for $connect) and a body, sent
    back on the socket where the route asks for route responses."""

    status: int
    body: bytes | None
    binary: bool = False


class WsIntegration(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def target(self) -> str: ...

    async def invoke(self, event: dict[str, Any], request_id: str) -> WsAnswer:
        """Answer the event; IntegrationError or IntegrationTimeout when the backend fails."""
        ...


Authorizer = LambdaAuthorizer | JwtAuthorizer | UnavailableAuthorizer


@dataclass(frozen=True, slots=True)
class WsRoute:
    key: str
    integration: WsIntegration
    route_response: bool = False  # send what the integration answers back to the caller


@dataclass(frozen=True)
class RouteSelection:
    """`$request.body.a.b`: the value at that place of a JSON message picks the route."""

    expression: str
    path: tuple[str, ...]

    @classmethod
    def parse(cls, expression: str) -> RouteSelection:
        prefix = "$request.body."
        text = expression.strip()
        if text.startswith("${") and text.endswith("}"):
            text = "$" + text[2:-1]
        if not text.startswith(prefix) or not all(part.strip() for part in text[len(prefix) :].split(".")):
            raise ValueError(f"routeSelectionExpression {expression!r} must be $request.body.NAME (dots for nesting)")
        return cls(expression, tuple(text[len(prefix) :].split(".")))

    def route_key(self, message: str | bytes) -> str | None:
        """The key the message selects, or None (not JSON, no such field, not a scalar)."""
        if isinstance(message, bytes):
            return None
        try:
            value: Any = json.loads(message)
        except ValueError:
            return None
        for part in self.path:
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        return None


@dataclass(frozen=True)
class WebSocketApi:
    path: str  # where clients connect, with the stage prefix when one is served
    connections_prefixes: tuple[str, ...]  # "/{stage}/@connections", and "/@connections" without --stage-prefix
    selection: RouteSelection
    routes: Mapping[str, WsRoute]
    idle_timeout: float
    max_age: float
    deployment: Deployment
    directory: ConnectionDirectory  # the gateway state's: outlives this snapshot
    observer: WsObserver
    clock: Clock
    authorizer: Authorizer | None = None  # on $connect

    def select(self, message: str | bytes) -> WsRoute | None:
        """The route a message goes to: the one its selection value names, else $default, else None."""
        key = self.selection.route_key(message)
        if key is not None and key not in RESERVED_ROUTES and key in self.routes:
            return self.routes[key]
        return self.routes.get(DEFAULT)
