"""`x-gateway.websocket` -> a `WebSocketApi`: the path (under the stage prefix when one is served),
the route selection expression, each route's integration (python, mock, http, as x-integration
declares them), route responses, the $connect authorizer and the timeouts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.compiling.integrations import positive_seconds
from apigw_cli.gateway.integrations.python import DEFAULT_TIMEOUT
from apigw_cli.gateway.stages.record import secret_headers
from apigw_cli.gateway.websocket.api import (
    CONNECT,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_AGE,
    DEFAULT_SELECTION,
    Authorizer,
    RouteSelection,
    WebSocketApi,
    WsIntegration,
    WsRoute,
)
from apigw_cli.gateway.websocket.integrations import HttpWsIntegration, MockWsIntegration, PythonWsIntegration
from apigw_cli.gateway.websocket.observe import WsObserver

if TYPE_CHECKING:
    from apigw_cli.gateway.compiling.context import CompileContext
    from apigw_cli.gateway.stages.access_log import AccessLogSink
    from apigw_cli.spec.document import Location

ROUTE_KEYS = ("type", "handler", "timeout", "status", "body", "url", "routeResponse", "authorizer")


def read_websocket(
    context: CompileContext, authorizers: dict[str, Any], access_log: AccessLogSink | None, api_name: str
) -> WebSocketApi | None:
    """The spec's WebSocket API, or None when it declares none. `authorizers`: the JWT and Lambda
    authorizers by security scheme name, which $connect may name."""
    document = context.document
    gateway = document.root.get("x-gateway")
    raw = gateway.get("websocket") if isinstance(gateway, dict) else None
    if raw is None:
        return None
    at = document.root_location.child("x-gateway", "websocket")
    if not isinstance(raw, dict):
        raise context.error("x-gateway.websocket must be a mapping with path and routes", at)
    path = raw.get("path", "/ws")
    if not isinstance(path, str) or not path.startswith("/") or "{" in path:
        raise context.error(f"websocket path {path!r} must be a literal path starting with /", at.child("path"))
    expression = raw.get("routeSelectionExpression", DEFAULT_SELECTION)
    try:
        selection = RouteSelection.parse(str(expression))
    except ValueError as exc:
        raise context.error(str(exc), at.child("routeSelectionExpression")) from None
    routes_raw = raw.get("routes")
    if not isinstance(routes_raw, dict) or not routes_raw:
        raise context.error("websocket routes must map route keys ($connect, $default, ...) to integrations", at)
    routes: dict[str, WsRoute] = {}
    authorizer: Authorizer | None = None
    for key, config in routes_raw.items():
        route_at = at.child("routes", str(key))
        if not isinstance(config, dict):
            raise context.error(f"websocket route {key} must be an integration mapping with a type", route_at)
        unknown = sorted(set(config) - set(ROUTE_KEYS))
        if unknown:
            raise context.error(f"websocket route {key}: unknown key {unknown[0]!r}", route_at.child(unknown[0]))
        if "authorizer" in config:
            if key != CONNECT:
                raise context.error("only $connect takes an authorizer, as in the managed gateway", route_at)
            name = config["authorizer"]
            if name not in authorizers:
                known = ", ".join(sorted(authorizers)) or "none declared"
                raise context.error(f"authorizer {name!r} is not a declared authorizer ({known})", route_at)
            authorizer = None if context.settings.no_auth else authorizers[name]
        route_response = config.get("routeResponse", False)
        if not isinstance(route_response, bool):
            raise context.error("routeResponse must be true or false", route_at.child("routeResponse"))
        routes[str(key)] = WsRoute(str(key), _integration(context, config, route_at), route_response)
    deployment = context.deployment
    prefix = f"/{deployment.name}" if deployment.name and context.settings.deployment_prefix else ""
    state, settings = context.state, context.settings
    observer = WsObserver(
        access_log=access_log,
        metrics=state.metrics,
        recorder=state.recorder,
        secret_headers=secret_headers(settings),
        record_max_body=settings.record_max_body,
        api=api_name,
        stage=deployment.stage,
    )
    return WebSocketApi(
        path=prefix + path.rstrip("/") if path != "/" else prefix + "/",
        # boto3's endpoint_url is the API's URL with its stage: /{stage}/@connections always answers
        connections_prefixes=tuple(dict.fromkeys((f"/{deployment.stage}/@connections", f"{prefix}/@connections"))),
        selection=selection,
        routes=routes,
        idle_timeout=_seconds(context, raw, "idleTimeout", DEFAULT_IDLE_TIMEOUT, at),
        max_age=_seconds(context, raw, "maxConnectionAge", DEFAULT_MAX_AGE, at),
        deployment=deployment,
        directory=state.connections,
        observer=observer,
        clock=state.clock,
        authorizer=authorizer,
    )


def _seconds(context: CompileContext, raw: dict[str, Any], key: str, default: float, at: Location) -> float:
    return positive_seconds(context, raw.get(key, default), at.child(key)) if key in raw else default


def _integration(context: CompileContext, config: dict[str, Any], at: Location) -> WsIntegration:
    kind = config.get("type")
    timeout = positive_seconds(context, config.get("timeout", DEFAULT_TIMEOUT), at.child("timeout"))
    if kind == "python":
        reference = config.get("handler")
        if not isinstance(reference, str):
            raise context.error("a python route needs 'handler: file.py:function'", at)
        function = context.load_handler(reference, at.child("handler"))
        share = context.settings.handler_threads // 2
        return PythonWsIntegration(function, reference, timeout, context.executor, share)
    if kind == "mock":
        status = config.get("status", 200)
        if not (isinstance(status, int) and 100 <= status <= 599):
            raise context.error(f"mock status {status!r} is not an HTTP status code", at.child("status"))
        body = config.get("body")
        data = None if body is None else body.encode() if isinstance(body, str) else _json(body)
        return MockWsIntegration(status, data)
    if kind == "http":
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise context.error("an http route needs 'url: http://host:port/path'", at)
        url = context.deployment.substitute(url, context.document, at.child("url"))
        return HttpWsIntegration(url, timeout, context.backend, context.options.max_response_bytes)
    raise context.error(f"websocket route type {kind!r} is not one of: python, mock, http", at.child("type"))


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()
