"""Compile a loaded spec into a `Gateway` snapshot: walk the operations once, compile each one's
contract, integration and policies into a `Route`, build the route table and the pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from apigw_cli.coverage import coverage_summary, operation_coverage
from apigw_cli.gateway.compiling.authorizers import (
    cognito_schemes,
    jwt_authorizers,
    lambda_authorizers,
    security_requirement,
)
from apigw_cli.gateway.compiling.aws_integrations import INTEGRATION_KEY, AwsIntegrations, request_validation
from apigw_cli.gateway.compiling.context import CompileContext
from apigw_cli.gateway.compiling.contracts import OpenAPI3Contracts
from apigw_cli.gateway.compiling.integrations import Located, inherit, located, mock_integration, x_integration
from apigw_cli.gateway.compiling.swagger2 import Swagger2Contracts
from apigw_cli.gateway.compiling.websocket import read_websocket
from apigw_cli.gateway.digest import content_digest
from apigw_cli.gateway.iam.credentials import read_iam, sigv4_schemes, uses_iam
from apigw_cli.gateway.integrations.mock import MockIntegration
from apigw_cli.gateway.integrations.stateful_mock import StatefulMockIntegration
from apigw_cli.gateway.operation import Operation
from apigw_cli.gateway.pipeline import PipelineParts, build_pipeline
from apigw_cli.gateway.router import Router
from apigw_cli.gateway.routes import Route
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.stages.api_key import read_api_keys, requires_api_key
from apigw_cli.gateway.stages.cache import read_cache
from apigw_cli.gateway.stages.cors import read_cors
from apigw_cli.gateway.stages.credentials import credential_requirement
from apigw_cli.gateway.stages.gateway_responses import read_gateway_responses
from apigw_cli.gateway.stages.jwt import JwtRequirement
from apigw_cli.gateway.stages.lambda_authorizer import UnavailableAuthorizer
from apigw_cli.gateway.stages.throttle import api_throttle, read_throttle
from apigw_cli.spec.extensions import extension_errors
from apigw_cli.spec.walk import (
    TEMPLATE_PARAMETER,
    OperationSite,
    operation_parameters,
    operations_of,
    path_items,
    security_of,
)
from apigw_cli.spec.walk import raise_problem as raising

if TYPE_CHECKING:
    import re

    from apigw_cli.config import Settings
    from apigw_cli.gateway.integrations.base import Integration
    from apigw_cli.gateway.stages.access_log import AccessLogSink
    from apigw_cli.gateway.state import GatewayState
    from apigw_cli.spec.document import Location, SpecDocument


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


class _GatewayCompiler:
    def __init__(self, context: CompileContext):
        self.context = context
        self.document = context.document
        swagger = self.document.dialect == "2.0"
        self.contracts = Swagger2Contracts(context) if swagger else OpenAPI3Contracts(context)
        self.aws = AwsIntegrations(context)
        self.without_integration = 0
        self.keys = read_api_keys(self.document, context.settings.api_keys, context.static)
        self.jwt_authorizers = jwt_authorizers(self.document)
        self.lambda_authorizers = lambda_authorizers(context)
        self.unenforced: dict[str, list[str]] = {}
        self.iam = read_iam(self.document, context.settings.iam_credentials)
        self.sigv4_schemes = sigv4_schemes(self.document)
        self.iam_routes: list[str] = []
        self.cognito_authorizers = cognito_schemes(self.document)
        self.unavailable_authorizers: dict[str, tuple[str, list[str]]] = {}  # name -> (why, routes)

    def _check_extensions(self, container: dict[str, Any], at: Location, keys: tuple[str, ...]) -> None:
        """After the specific checks of reading them: whatever else departs from the published
        schema (a misspelt key, for one, which would otherwise be ignored without a word)."""
        for key in keys:
            if key in container:
                for path, message in extension_errors(key, container[key]):
                    raise self.document.error(message, at.child(key, *path))

    def build(self, access_log: AccessLogSink | None) -> Gateway:
        document, context = self.document, self.context
        root = document.root
        info: dict[str, Any] = root["info"] if isinstance(root.get("info"), dict) else {}
        base_paths = self._base_paths()
        router: Router[Operation] = Router(base_paths)
        routes: list[Route] = []
        problem = raising(document)
        root_integration = located(root, document.root_location, "x-integration")
        prefix = context.settings.admin_prefix.rstrip("/")
        for template, item, item_at in path_items(document, problem):
            item_integration = inherit(located(item, item_at, "x-integration"), root_integration)
            for site in operations_of(template, item, item_at, problem):
                integration_config = inherit(located(site.operation, site.at, "x-integration"), item_integration)
                route = self._route(len(routes), site, integration_config)
                try:
                    router.add(template, route.operation.method, route.operation)
                except ValueError as exc:
                    raise document.error(str(exc), item_at) from None
                routes.append(route)
            self._check_extensions(item, item_at, ("x-integration",))
            if prefix and (template == prefix or template.startswith(prefix + "/")):
                raise document.error(
                    f"path {template} is under the gateway's own prefix {prefix}: choose another with --admin-prefix",
                    item_at,
                )
        self._check_extensions(root, document.root_location, ("x-integration", "x-gateway"))
        deployment = context.deployment
        title = info.get("title")
        api_name = str(title or document.root_path.name)
        websocket = read_websocket(context, {**self.jwt_authorizers, **self.lambda_authorizers}, access_log, api_name)
        pipeline = build_pipeline(
            PipelineParts(
                routes=tuple(routes),
                router=router,
                settings=context.settings,
                state=context.state,
                access_log=access_log,
                api_throttle=deployment.throttle or api_throttle(document),
                api_keys=self.keys,
                cors=read_cors(document),
                gateway_responses=read_gateway_responses(document, deployment, context.notices),
                api_name=api_name,
                deployment=deployment.name,
                namespace=str(document.root_path),  # keeps two specs served from one store apart
                flavour=context.flavour,
                websocket=websocket,
                iam=self.iam,
                deployment_config=deployment,
                error_examples=_error_examples(document),
                spec_path=document.root_path,
                base_path=base_paths[0] if base_paths else "",
            )
        )
        return Gateway(
            title=str(info.get("title", "")),
            api_version=str(info.get("version", "")),
            spec_path=document.root_path,
            openapi_version=document.version,
            base_paths=base_paths,
            routes=tuple(routes),
            router=router,
            pipeline=pipeline,
            sources={**document.stamps, **context.handlers.sources()},
            notices=self._notices(routes),
            executor=context.executor,
            backend=context.backend,
            handler_modules=context.handlers.module_names,
            deployment=deployment.name,
            websocket=websocket,
        )

    def _notices(self, routes: list[Route]) -> tuple[str, ...]:
        """Start-up lines: what the gateway will not do as the spec might expect."""
        notices = list(self.context.notices) + self.aws.notices()
        if self.document.built_in_models:
            models = " and ".join(self.document.built_in_models)
            notices.append(f"{models}: the managed gateway's built-in models, used without being declared here")
        if self.context.settings.no_auth:
            notices.append(
                "auth is OFF (--no-auth): no API key, JWT or authorizer is checked; never expose this server"
            )
        if any(route.api_key_required for route in routes) and not self.keys.keys:
            notices.append("operations require an API key but none is declared: add x-gateway.apiKeys or --api-keys")
        for name, (reason, protected) in self.unavailable_authorizers.items():
            notices.append(
                f"authorizer {name} cannot run here, its routes answer 500 (AuthorizerConfigurationException): "
                f"{reason} ({', '.join(protected[:5])})"
            )
        if self.iam_routes:
            mode = "off (--no-auth)" if self.context.settings.no_auth else self.context.settings.iam
            if mode != "enforce":
                notices.append(f"IAM is {mode}: {len(self.iam_routes)} operations use IAM (SigV4) auth")
            if not self.iam.credentials:
                notices.append(
                    f"{len(self.iam_routes)} operations use IAM (SigV4) auth but no credentials are declared: "
                    "add x-gateway.iam.credentials or --iam-credentials FILE"
                )
        for scheme, names in self.unenforced.items():
            notices.append(
                f"security scheme {scheme}: requests must carry its credentials, which are not verified "
                f"({', '.join(names[:5])})"
            )
        covered = [operation_coverage(route) for route in routes]
        if routes and (self.context.flavour != "plain" or any(c.status == "unavailable" for c in covered)):
            notices.append(coverage_summary(covered))
        if self.without_integration:
            notices.append(
                f"{self.without_integration} of {len(routes)} operations have no x-integration: served as mocks"
            )
        return tuple(dict.fromkeys(notices))

    def _base_paths(self) -> tuple[str, ...]:
        name = self.context.deployment.name
        prefix = f"/{name}" if name and self.context.settings.deployment_prefix else ""
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

            url = TEMPLATE_PARAMETER.sub(default, server["url"])
            path = urlsplit(url).path if "://" in url else url
            found.append(path.rstrip("/"))
        return tuple(dict.fromkeys(found)) or ("",)

    def _route(self, index: int, site: OperationSite, integration_config: Located | None) -> Route:
        context, document = self.context, self.document
        raw, at = site.operation, site.at
        merged = operation_parameters(document, site, raising(document))
        before = self.without_integration
        integration = self._integration(site, integration_config)
        approximations: list[str] = []
        if self.without_integration > before:
            approximations.append("no integration declared: served as a mock from its responses")
        validate_parameters, validate_body, aws_validators = request_validation(context, raw, at)
        no_auth = context.settings.no_auth
        enforced = frozenset(self.jwt_authorizers) | frozenset(self.lambda_authorizers) | self.sigv4_schemes
        key_required, other_schemes = requires_api_key(document, raw, enforced)
        iam = uses_iam(document, raw, self.sigv4_schemes)
        if iam:
            self.iam_routes.append(site.route)
        jwt = authorizer = None
        if not no_auth:
            named = security_requirement(document, raw, self.jwt_authorizers)
            jwt = JwtRequirement(*named) if named else None
            found = security_requirement(document, raw, self.lambda_authorizers)
            authorizer = found[0] if found else None
            if isinstance(authorizer, UnavailableAuthorizer):
                self.unavailable_authorizers.setdefault(authorizer.name, (authorizer.reason, []))[1].append(site.route)
        credentials = None if no_auth else credential_requirement(document, raw, enforced)
        if credentials is not None:
            schemes = sorted({c.scheme for alternative in credentials.alternatives for c in alternative})
            approximations.append(f"{', '.join(schemes)}: credentials checked for presence, not verified")
        if no_auth and (security_of(document, raw) or iam):
            approximations.append("--no-auth: its security is not checked")
        elif iam and context.settings.iam != "enforce":
            approximations.append(
                f"IAM {context.settings.iam}: "
                + ("signatures checked, permissions not" if context.settings.iam == "verify" else "not checked")
            )
        if jwt is not None and jwt.authorizer.name in self.cognito_authorizers:
            approximations.append(f"Cognito user pool {jwt.authorizer.name}: tokens checked as JWTs against local keys")
        for scheme in other_schemes:
            self.unenforced.setdefault(scheme, []).append(site.route)
        throttle = read_throttle(document, raw["x-throttle"], at.child("x-throttle")) if "x-throttle" in raw else None
        cache = None
        if "x-cache" in raw and context.deployment.cache:
            cache = read_cache(document, raw["x-cache"], at.child("x-cache"))
        summary = raw.get("summary") or raw.get("description") or ""
        self._check_extensions(raw, at, ("x-integration", "x-throttle", "x-cache"))
        operation = Operation(
            index=index,
            method=site.method,
            path=site.template,
            operation_id=raw.get("operationId"),
            summary=str(summary).strip().splitlines()[0] if summary else "",
            parameters=self.contracts.parameters(merged),
            request_body=self.contracts.request_body(raw, at, merged),
            # the mock answers from the declared responses: generate bodies for those with no example
            responses=self.contracts.responses(
                raw, at, isinstance(integration, MockIntegration | StatefulMockIntegration)
            ),
            integration=integration.kind,
            source=str(at),
            validate_parameters=validate_parameters,
            validate_body=validate_body,
            validation_style="aws" if aws_validators else "openapi",
            fingerprint=_fingerprint(raw, integration_config),
        )
        return Route(
            operation=operation,
            integration=integration,
            api_key_required=key_required and not no_auth,
            jwt=jwt,
            authorizer=authorizer,
            throttle=throttle,
            cache=cache,
            credentials=credentials,
            iam=iam and not no_auth and context.settings.iam != "off",
            approximations=tuple(approximations),
        )

    def _integration(self, site: OperationSite, config: Located | None) -> Integration:
        if config is not None:
            return x_integration(self.context, config, site.template)
        if INTEGRATION_KEY in site.operation:
            # a `$ref` to #/components/x-amazon-apigateway-integrations/NAME: the managed gateway's reusable form
            raw, at = self.document.resolve(site.operation[INTEGRATION_KEY], site.at.child(INTEGRATION_KEY))
            return self.aws.integration(raw, at, site.template, site.route)
        if self.context.settings.require_integrations:
            raise self.document.error(f"{site.route} has no x-integration (--require-integrations is on)", site.at)
        self.without_integration += 1
        return mock_integration(self.context, site.template)


MOCKS = (MockIntegration, StatefulMockIntegration)


def _fingerprint(raw: dict[str, Any], integration: Located | None) -> str:
    """A digest of an operation and the integration it inherits ($refs are compared as written)."""
    return content_digest([raw, integration[0] if integration else None], size=12).hex()


def _error_examples(document: SpecDocument) -> bool:
    gateway = document.root.get("x-gateway")
    mock = gateway.get("mock") if isinstance(gateway, dict) else None
    return isinstance(mock, dict) and mock.get("errorExamples") is True
