"""Compile a loaded spec into a `Gateway` snapshot: walk the paths once, compile each operation's
contract and integration, build the route table and fold the pipeline."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from apigw_cli.config import Settings
from apigw_cli.gateway.compiling.aws import (
    INTEGRATION_KEY,
    AwsIntegrations,
    cors_policy,
    gateway_responses,
    lambda_authorizers,
    request_validation,
)
from apigw_cli.gateway.compiling.context import CompileContext
from apigw_cli.gateway.compiling.contracts import OpenAPI3Contracts
from apigw_cli.gateway.compiling.integrations import Located, inherit, x_integration
from apigw_cli.gateway.compiling.policies import (
    api_keys,
    api_throttle,
    jwt_authorizers,
    read_cache,
    read_throttle,
    requires_api_key,
    security_requirement,
)
from apigw_cli.gateway.compiling.swagger2 import Swagger2Contracts
from apigw_cli.gateway.cors import CorsPolicy
from apigw_cli.gateway.digest import content_digest
from apigw_cli.gateway.gateway_responses import GatewayResponses
from apigw_cli.gateway.integrations.base import Integration
from apigw_cli.gateway.integrations.mock import MockIntegration
from apigw_cli.gateway.operation import Operation
from apigw_cli.gateway.pipeline import Handler, Stage, fold
from apigw_cli.gateway.policies import ApiKeys
from apigw_cli.gateway.router import ANY, Router
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.stages.access_log import AccessLogSink, AccessLogStage
from apigw_cli.gateway.stages.admin import AdminStage
from apigw_cli.gateway.stages.api_key import ApiKeyStage
from apigw_cli.gateway.stages.body_limit import BodyLimitStage
from apigw_cli.gateway.stages.cache import CacheStage
from apigw_cli.gateway.stages.cors import CorsStage
from apigw_cli.gateway.stages.errors import ErrorBoundaryStage
from apigw_cli.gateway.stages.gateway_responses import GatewayResponsesStage
from apigw_cli.gateway.stages.integration import call_integration
from apigw_cli.gateway.stages.jwt import JwtStage
from apigw_cli.gateway.stages.lambda_authorizer import LambdaAuthorizerStage
from apigw_cli.gateway.stages.metrics import MetricsStage
from apigw_cli.gateway.stages.record import RecordStage
from apigw_cli.gateway.stages.route import RouteStage
from apigw_cli.gateway.stages.throttle import ThrottleStage
from apigw_cli.gateway.stages.validate_request import RequestValidationStage
from apigw_cli.gateway.stages.validate_response import ResponseValidationStage
from apigw_cli.gateway.state import GatewayState
from apigw_cli.record.format import DEFAULT_SECRET_HEADERS
from apigw_cli.spec.document import Location, SpecDocument
from apigw_cli.spec.extensions import extension_errors

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANY_METHOD_KEY = "x-amazon-apigateway-any-method"
_SERVER_VARIABLE = re.compile(r"\{([^{}]+)\}")


def compile_gateway(
    document: SpecDocument,
    settings: Settings,
    access_log: AccessLogSink | None = None,
    lambda_map: tuple[tuple[str, str], ...] = (),
    static_handlers: bool = False,
    state: GatewayState | None = None,
) -> Gateway:
    """`static_handlers` (lint): check handler files by reading them, import nothing. `state`: the
    store and clock that outlive this snapshot (a fresh in-memory one when not given)."""
    context = CompileContext.create(document, settings, lambda_map, static_handlers, state)
    return _GatewayCompiler(context).build(access_log)


def build_pipeline(
    router: Router[Operation],
    settings: Settings,
    access_log: AccessLogSink | None,
    responses: GatewayResponses | None = None,
    cors: CorsPolicy | None = None,
    keys: ApiKeys | None = None,
    throttle: ThrottleStage | None = None,
    cache: CacheStage | None = None,
    jwt: bool = False,
    custom_authorizers: LambdaAuthorizerStage | None = None,
    record: RecordStage | None = None,
    admin: AdminStage | None = None,
    metrics: MetricsStage | None = None,
) -> Handler:
    """The stages every request passes, outermost first."""
    stages: list[Stage] = []
    if access_log is not None:
        stages.append(AccessLogStage(access_log))
    if admin is not None:
        stages.append(admin)
    if metrics is not None:
        stages.append(metrics)
    if record is not None:
        stages.append(record)
    if cors is not None:
        stages.append(CorsStage(cors))
    if responses is not None:
        stages.append(GatewayResponsesStage(responses))
    stages += [ErrorBoundaryStage(), BodyLimitStage(settings.max_body_bytes), RouteStage(router)]
    if jwt:
        stages.append(JwtStage())
    if custom_authorizers is not None:
        stages.append(custom_authorizers)
    if keys is not None:
        stages.append(ApiKeyStage(keys))
    if throttle is not None:
        stages.append(throttle)
    stages.append(RequestValidationStage())
    if cache is not None:
        stages.append(cache)
    if settings.validate_responses != "off":
        stages.append(ResponseValidationStage(settings.validate_responses))
    return fold(stages, call_integration)


class _GatewayCompiler:
    def __init__(self, context: CompileContext):
        self.context = context
        self.document = context.document
        swagger = self.document.dialect == "2.0"
        self.contracts = Swagger2Contracts(context) if swagger else OpenAPI3Contracts(context)
        self.aws = AwsIntegrations(context)
        self.without_integration = 0
        self.keys = api_keys(self.document, context.settings.api_keys, context.static)
        self.jwt_authorizers = jwt_authorizers(self.document)
        self.lambda_authorizers = lambda_authorizers(context, self.aws)
        self.unenforced: dict[str, list[str]] = {}

    def _check_extensions(self, container: dict[str, Any], at: Location, keys: tuple[str, ...]) -> None:
        """After the specific checks of reading them: whatever else departs from the published
        schema (a misspelt key, for one, which would otherwise be ignored without a word)."""
        for key in keys:
            if key in container:
                for path, message in extension_errors(key, container[key]):
                    raise self.document.error(message, at.child(key, *path))

    def build(self, access_log: AccessLogSink | None) -> Gateway:
        document = self.document
        context = self.context
        root = document.root
        info: dict[str, Any] = root["info"] if isinstance(root.get("info"), dict) else {}
        base_paths = self._base_paths()
        router: Router[Operation] = Router(base_paths)
        operations: list[Operation] = []
        paths_location = document.root_location.child("paths")
        paths = root.get("paths") or {}
        if not isinstance(paths, dict):
            raise document.error("'paths' must be a mapping of path templates to path items", paths_location)
        root_integration = _located(root, document.root_location, "x-integration")
        for template, raw_item in paths.items():
            item_location = paths_location.child(template)
            if not str(template).startswith("/"):
                raise document.error(f"path {template!r} must start with '/'", item_location)
            item, item_location = document.resolve(raw_item, item_location)
            if not isinstance(item, dict):
                raise document.error(f"path item {template!r} must be a mapping", item_location)
            item_integration = inherit(_located(item, item_location, "x-integration"), root_integration)
            shared_params = self.contracts.raw_parameters(item, item_location)
            for key in (*HTTP_METHODS, ANY_METHOD_KEY):
                if key not in item:
                    continue
                method = ANY if key == ANY_METHOD_KEY else key.upper()
                op_location = item_location.child(key)
                raw_op = item[key]
                if not isinstance(raw_op, dict):
                    raise document.error(f"operation {method} {template} must be a mapping", op_location)
                integration_config = inherit(_located(raw_op, op_location, "x-integration"), item_integration)
                operation = self._operation(template, method, raw_op, op_location, shared_params, integration_config)
                try:
                    router.add(template, operation.method, operation)
                except ValueError as exc:
                    raise document.error(str(exc), item_location) from None
                operations.append(operation)
            self._check_extensions(item, item_location, ("x-integration",))
            prefix = context.settings.admin_prefix.rstrip("/")
            if prefix and (template == prefix or str(template).startswith(prefix + "/")):
                raise document.error(
                    f"path {template} is under the gateway's own prefix {prefix}: choose another with --admin-prefix",
                    item_location,
                )
        pipeline = self._pipeline(router, operations, access_log)
        self._check_extensions(root, document.root_location, ("x-integration", "x-gateway"))
        return Gateway(
            title=str(info.get("title", "")),
            api_version=str(info.get("version", "")),
            spec_path=document.root_path,
            openapi_version=document.version,
            base_paths=base_paths,
            operations=tuple(operations),
            router=router,
            pipeline=pipeline,
            files=tuple(dict.fromkeys((*document.files, *context.handlers.files))),
            notices=self._notices(operations),
            executor=context.executor,
            backend=context.backend,
            handler_modules=context.handlers.module_names,
            stage=context.stage.name,
        )

    def _notices(self, operations: list[Operation]) -> tuple[str, ...]:
        """Start-up lines: what the gateway will not do as the spec might expect."""
        notices = list(self.context.notices) + self.aws.notices()
        if self.context.settings.no_auth:
            notices.append(
                "auth is OFF (--no-auth): no API key, JWT or authorizer is checked; never expose this server"
            )
        if any(op.api_key_required for op in operations) and not self.keys.keys:
            notices.append("operations require an API key but none is declared: add x-gateway.apiKeys or --api-keys")
        for scheme, routes in self.unenforced.items():
            notices.append(f"security scheme {scheme} is not enforced by this gateway yet ({', '.join(routes[:5])})")
        if self.without_integration:
            notices.append(
                f"{self.without_integration} of {len(operations)} operations have no x-integration: served as mocks"
            )
        return tuple(dict.fromkeys(notices))

    def _pipeline(
        self, router: Router[Operation], operations: list[Operation], access_log: AccessLogSink | None
    ) -> Handler:
        """The pipeline with the policy stages the operations use (an unused stage costs a call a request)."""
        context, document = self.context, self.document
        state, stage = context.state, context.stage
        limits = api_throttle(document)
        if stage.throttle is not None and stage.throttle_at is not None:
            limits = read_throttle(document, stage.throttle, stage.throttle_at)
        namespace = str(document.root_path)  # keeps two specs served from one store apart
        return build_pipeline(
            router,
            context.settings,
            access_log,
            gateway_responses(context),
            cors_policy(context),
            self.keys if any(op.api_key_required for op in operations) else None,
            ThrottleStage(state.store, state.clock, limits, namespace) if context.settings.throttle else None,
            CacheStage(state.store, state.clock, namespace) if any(op.cache for op in operations) else None,
            any(op.jwt for op in operations),
            LambdaAuthorizerStage(state.clock) if any(op.lambda_authorizer for op in operations) else None,
            self._record_stage(),
            AdminStage(context.settings.admin_prefix, len(operations), stage.name),
            self._metrics_stage(),
        )

    def _metrics_stage(self) -> MetricsStage | None:
        metrics = self.context.state.metrics
        if metrics is None:
            return None
        title = (
            self.document.root.get("info", {}).get("title")
            if isinstance(self.document.root.get("info"), dict)
            else None
        )
        api = str(title or self.document.root_path.name)
        return MetricsStage(metrics, self.context.settings.admin_prefix, api, self.context.stage.name)

    def _record_stage(self) -> RecordStage | None:
        settings = self.context.settings
        if self.context.state.recorder is None:
            return None
        secrets = None if settings.record_secrets else DEFAULT_SECRET_HEADERS | frozenset(settings.record_redact)
        return RecordStage(self.context.state.recorder, secrets, settings.record_max_body)

    def _base_paths(self) -> tuple[str, ...]:
        stage = self.context.stage.name
        prefix = f"/{stage}" if stage and self.context.settings.deployment_prefix else ""
        return tuple(prefix + base for base in self._spec_base_paths())

    def _spec_base_paths(self) -> tuple[str, ...]:
        root = self.document.root
        if self.document.dialect == "2.0":
            return (str(root.get("basePath") or "").rstrip("/"),)
        servers = root.get("servers")
        if not isinstance(servers, list) or not servers:
            return ("",)
        found: list[str] = []
        for server in servers:
            if not isinstance(server, dict) or not isinstance(server.get("url"), str):
                continue
            variables = server.get("variables") or {}

            def default(match: re.Match[str], variables: Any = variables) -> str:
                variable = variables.get(match.group(1)) if isinstance(variables, dict) else None
                return str(variable.get("default", "")) if isinstance(variable, dict) else ""

            url = _SERVER_VARIABLE.sub(default, server["url"])
            path = urlsplit(url).path if "://" in url else url
            found.append(path.rstrip("/"))
        return tuple(dict.fromkeys(found)) or ("",)

    def _operation(
        self,
        template: str,
        method: str,
        raw: dict[str, Any],
        at: Location,
        shared_params: dict[tuple[str, str], tuple[Any, Location]],
        integration_config: Located | None,
    ) -> Operation:
        merged = {**shared_params, **self.contracts.raw_parameters(raw, at)}
        integration = self._integration(raw, at, integration_config, template, method)
        validate_parameters, validate_body = request_validation(self.context, raw, at)
        enforced = frozenset(self.jwt_authorizers) | frozenset(self.lambda_authorizers)
        key_required, other_schemes = requires_api_key(self.document, raw, enforced)
        key_required = key_required and not self.context.settings.no_auth
        jwt = custom = None
        if not self.context.settings.no_auth:
            jwt = security_requirement(self.document, raw, self.jwt_authorizers)
            found = security_requirement(self.document, raw, self.lambda_authorizers)
            custom = found[0] if found else None
        for scheme in other_schemes:
            self.unenforced.setdefault(scheme, []).append(f"{method} {template}")
        throttle = None
        if "x-throttle" in raw:
            throttle = read_throttle(self.document, raw["x-throttle"], at.child("x-throttle"))
        cache = None
        if "x-cache" in raw and self.context.stage.cache:
            cache = read_cache(self.document, raw["x-cache"], at.child("x-cache"))
        summary = raw.get("summary") or raw.get("description") or ""
        self._check_extensions(raw, at, ("x-integration", "x-throttle", "x-cache"))
        return Operation(
            method=method,
            path=template,
            operation_id=raw.get("operationId"),
            summary=str(summary).strip().splitlines()[0] if summary else "",
            parameters=self.contracts.parameters(merged),
            request_body=self.contracts.request_body(raw, at, merged),
            responses=self.contracts.responses(raw, at, integration.kind == "mock"),
            integration=integration,
            source=str(at),
            validate_parameters=validate_parameters,
            validate_body=validate_body,
            fingerprint=_fingerprint(raw, integration_config),
            api_key_required=key_required,
            throttle=throttle,
            cache=cache,
            jwt=jwt,
            lambda_authorizer=custom,
        )

    def _integration(
        self, raw: dict[str, Any], at: Location, config: Located | None, template: str, method: str
    ) -> Integration:
        route = f"{method} {template}"
        if config is not None:
            return x_integration(self.context, config, template)
        if INTEGRATION_KEY in raw:
            return self.aws.integration(raw[INTEGRATION_KEY], at.child(INTEGRATION_KEY), template, route)
        if self.context.settings.require_integrations:
            raise self.document.error(f"{route} has no x-integration (--require-integrations is on)", at)
        self.without_integration += 1
        return MockIntegration()


def _fingerprint(raw: dict[str, Any], integration: Located | None) -> str:
    """A digest of an operation and the integration it inherits ($refs are compared as written)."""
    return content_digest([raw, integration[0] if integration else None], size=12).hex()


def _located(container: dict[str, Any], at: Location, key: str) -> Located | None:
    if key not in container:
        return None
    return container[key], at.child(key)
