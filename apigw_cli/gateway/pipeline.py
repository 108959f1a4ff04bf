"""The pipeline: one ordered list of stages, built from one typed value (`PipelineParts`) and folded
once per snapshot into a single handler. Adding a policy is adding its stage to the list.

The error boundary is the outermost stage inside the access log, so whatever any stage raises
answers the managed gateway's 500 JSON (and is logged) instead of dropping the connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from apigw_cli.gateway.deployment import Deployment
from apigw_cli.gateway.framing import FramingStage
from apigw_cli.gateway.route_table import route_table
from apigw_cli.gateway.routes import Route, column
from apigw_cli.gateway.stages.access_log import AccessLogSink, AccessLogStage
from apigw_cli.gateway.stages.admin import AdminGuardStage, AdminStage
from apigw_cli.gateway.stages.api_key import ApiKeys, ApiKeyStage
from apigw_cli.gateway.stages.body_limit import BodyLimitStage
from apigw_cli.gateway.stages.cache import CacheStage
from apigw_cli.gateway.stages.cors import CorsPolicy, CorsStage
from apigw_cli.gateway.stages.credentials import CredentialsStage
from apigw_cli.gateway.stages.errors import ErrorBoundaryStage
from apigw_cli.gateway.stages.gateway_responses import GatewayResponses, GatewayResponsesStage
from apigw_cli.gateway.stages.http_api_errors import HttpApiErrorsStage
from apigw_cli.gateway.stages.iam import IamGate, IamStage
from apigw_cli.gateway.stages.integration import IntegrationStage
from apigw_cli.gateway.stages.jwt import JwtStage
from apigw_cli.gateway.stages.lambda_authorizer import LambdaAuthorizer, LambdaAuthorizerStage, UnavailableAuthorizer
from apigw_cli.gateway.stages.metrics import MetricsStage
from apigw_cli.gateway.stages.record import RecordStage, secret_headers
from apigw_cli.gateway.stages.route import RouteStage
from apigw_cli.gateway.stages.throttle import ThrottleStage
from apigw_cli.gateway.stages.validate_request import RequestValidationStage
from apigw_cli.gateway.stages.validate_response import ResponseValidationStage
from apigw_cli.gateway.websocket.management import ConnectionsApiStage

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from apigw_cli.config import Settings
    from apigw_cli.gateway.iam.credentials import IamConfig
    from apigw_cli.gateway.limits import Throttle
    from apigw_cli.gateway.operation import Operation
    from apigw_cli.gateway.router import Router
    from apigw_cli.gateway.stages.stage import Handler, Stage
    from apigw_cli.gateway.state import GatewayState
    from apigw_cli.gateway.websocket.api import WebSocketApi
    from apigw_cli.spec.flavour import Flavour


@dataclass(frozen=True)
class PipelineParts:
    """Everything the stages are built from: the routes and what is gateway-wide."""

    routes: Sequence[Route]
    router: Router[Operation]
    settings: Settings
    state: GatewayState
    access_log: AccessLogSink | None
    api_throttle: Throttle  # the API's bucket (x-gateway.throttle, or the deployment stage's)
    api_keys: ApiKeys
    cors: CorsPolicy | None
    gateway_responses: GatewayResponses | None
    api_name: str  # the metrics' `api` label
    deployment: str | None
    namespace: str  # keeps two specs served from one store apart
    flavour: Flavour = "plain"  # what a request no route matches is answered
    websocket: WebSocketApi | None = None  # its @connections API is served beside the routes
    iam: IamConfig | None = None  # credentials, region and resource policy of IAM routes
    error_examples: bool = False  # x-gateway.mock.errorExamples
    deployment_config: Deployment = field(default_factory=lambda: Deployment(None))  # the stage ARNs name
    spec_path: Path | None = None  # the console page's reference is this spec, bundled
    base_path: str = ""  # where the API is served (a stage prefix, a basePath): the reference's server


def build_pipeline(parts: PipelineParts) -> Handler:
    """The stages every request passes, outermost first, folded around the integration."""
    routes, settings, state = parts.routes, parts.settings, parts.state
    jwt = column(routes, lambda route: route.jwt)
    authorizers: tuple[LambdaAuthorizer | UnavailableAuthorizer | None, ...] | None = column(
        routes, lambda route: route.authorizer
    )
    keys_required = tuple(route.api_key_required for route in routes)
    throttles = tuple(route.throttle for route in routes)
    caches = column(routes, lambda route: route.cache)
    credentials = column(routes, lambda route: route.credentials)
    iam_routes = tuple(route.iam for route in routes)
    iam_gate = (
        IamGate(settings.iam, parts.iam, parts.deployment_config)
        if parts.iam is not None and settings.iam != "off" and not settings.no_auth
        else None
    )
    stages = [
        stage
        for stage in (
            AccessLogStage(parts.access_log) if parts.access_log is not None else None,
            FramingStage(),
            ErrorBoundaryStage(),
            AdminGuardStage(settings.admin_prefix, settings.admin_token) if settings.admin_token else None,
            AdminStage(settings.admin_prefix, len(routes), parts.deployment, state.mock_state),
            _console(parts) if state.console is not None and parts.spec_path is not None else None,
            # @connections calls are signed by the IAM credentials once some are declared
            ConnectionsApiStage(
                parts.websocket.connections_prefixes,
                parts.websocket.directory,
                iam_gate if iam_gate is not None and parts.iam is not None and parts.iam.credentials else None,
            )
            if parts.websocket is not None
            else None,
            MetricsStage(state.metrics, settings.admin_prefix, parts.api_name, parts.deployment)
            if state.metrics is not None
            else None,
            RecordStage(state.recorder, secret_headers(settings), settings.record_max_body)
            if state.recorder is not None
            else None,
            CorsStage(parts.cors) if parts.cors is not None else None,
            GatewayResponsesStage(parts.gateway_responses)
            if parts.gateway_responses is not None and parts.flavour != "http"
            else None,
            HttpApiErrorsStage() if parts.flavour == "http" else None,
            BodyLimitStage(settings.max_body_bytes),
            RouteStage(parts.router, parts.flavour),
            IamStage(iam_gate, iam_routes) if iam_gate is not None and any(iam_routes) else None,
            JwtStage(jwt) if jwt is not None else None,
            LambdaAuthorizerStage(state.clock, authorizers) if authorizers is not None else None,
            ApiKeyStage(parts.api_keys, keys_required) if any(keys_required) else None,
            CredentialsStage(credentials) if credentials is not None else None,
            ThrottleStage(state.store, state.clock, parts.api_throttle, throttles, parts.namespace)
            if settings.throttle
            else None,
            RequestValidationStage(
                refuse_undeclared_body=parts.flavour == "plain", error_examples=parts.error_examples
            ),
            CacheStage(state.store, state.clock, caches, parts.namespace) if caches is not None else None,
            ResponseValidationStage(settings.validate_responses) if settings.validate_responses != "off" else None,
        )
        if stage is not None
    ]
    return fold(stages, IntegrationStage(tuple(route.integration for route in routes)))


def _console(parts: PipelineParts) -> Stage:
    """The console page's stage (webconsole/), with the route table of this snapshot."""
    from apigw_cli.webconsole.stage import ConsoleStage, Usage

    assert parts.state.console is not None and parts.spec_path is not None
    routes, websocket = parts.routes, parts.websocket
    return ConsoleStage(
        parts.settings.admin_prefix,
        parts.state.console,
        partial(route_table, routes, websocket),
        parts.spec_path,
        parts.base_path,
        parts.deployment_config,
        parts.state.metrics,
        secret_headers(parts.settings),
        parts.settings.record_max_body,
        Usage(parts.api_keys, parts.state.store, parts.state.clock, parts.namespace),
    )


def fold(stages: Sequence[Stage], terminal: Handler) -> Handler:
    """`fold([a, b], t)` answers a request as a(b(t))."""
    handler = terminal
    for stage in reversed(stages):
        # a partial, not a wrapping coroutine: one frame per stage on the hot path instead of two
        handler = partial(stage.__call__, call_next=handler)
    return handler
