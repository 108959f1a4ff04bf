"""Compile a loaded spec into a `Gateway` snapshot: the one place that walks the document.

Everything a request needs is resolved here (routes, validators, handlers, mock bodies), so
serving does no parsing and no walking of the raw spec.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from apigw_cli.config import Settings
from apigw_cli.errors import ConfigError
from apigw_cli.gateway.integrations.backend_client import BackendClient
from apigw_cli.gateway.integrations.base import Integration
from apigw_cli.gateway.integrations.handlers import HandlerLoader
from apigw_cli.gateway.integrations.http import DEFAULT_MAX_RESPONSE_BYTES, HttpIntegration, UrlTemplate
from apigw_cli.gateway.integrations.mock import MockIntegration
from apigw_cli.gateway.integrations.mock_data import generate
from apigw_cli.gateway.integrations.python import DEFAULT_TIMEOUT, LambdaSettings, PythonIntegration
from apigw_cli.gateway.operation import Example, Operation, RequestBodySpec, ResponseMedia, ResponseSpec
from apigw_cli.gateway.pipeline import Handler, Stage, fold
from apigw_cli.gateway.router import Router
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.stages.access_log import AccessLogSink, AccessLogStage
from apigw_cli.gateway.stages.body_limit import BodyLimitStage
from apigw_cli.gateway.stages.errors import ErrorBoundaryStage
from apigw_cli.gateway.stages.integration import call_integration
from apigw_cli.gateway.stages.route import RouteStage
from apigw_cli.gateway.stages.validate_request import RequestValidationStage
from apigw_cli.gateway.stages.validate_response import ResponseValidationStage
from apigw_cli.gateway.validation.body import MediaSpec, body_kind, media_type_of
from apigw_cli.gateway.validation.params import ParameterSpec, shape_of
from apigw_cli.gateway.validation.schema import SchemaCompiler
from apigw_cli.spec.document import Location, SpecDocument

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
INTEGRATION_TYPES = ("python", "mock", "http")
_SERVER_VARIABLE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class GatewayOptions:
    """Gateway-wide settings from the root `x-gateway`."""

    proxy_from_environment: bool = False
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES


def compile_gateway(document: SpecDocument, settings: Settings, access_log: AccessLogSink | None = None) -> Gateway:
    return _Compiler(document, settings).build(access_log)


def build_pipeline(router: Router[Operation], settings: Settings, access_log: AccessLogSink | None) -> Handler:
    """The stages every request passes, outermost first."""
    stages: list[Stage] = []
    if access_log is not None:
        stages.append(AccessLogStage(access_log))
    stages += [ErrorBoundaryStage(), BodyLimitStage(settings.max_body_bytes), RouteStage(router)]
    stages.append(RequestValidationStage())
    if settings.validate_responses != "off":
        stages.append(ResponseValidationStage(settings.validate_responses))
    return fold(stages, call_integration)


class _Compiler:
    def __init__(self, document: SpecDocument, settings: Settings):
        self.document = document
        self.settings = settings
        self.schemas = SchemaCompiler(document)
        self.handlers = HandlerLoader(document.root_path.parent)
        self.executor = ThreadPoolExecutor(settings.handler_threads, thread_name_prefix="apigw-handler")
        self.lambda_settings = LambdaSettings()
        self.gateway_options = self._gateway_options()
        self.backend = BackendClient(trust_env=self.gateway_options.proxy_from_environment)
        self.without_integration = 0

    def build(self, access_log: AccessLogSink | None) -> Gateway:
        document = self.document
        if document.dialect == "2.0":
            raise document.error(
                "Swagger 2.0 specs are not served yet: convert to OpenAPI 3 first", _at(document, "swagger")
            )
        root = document.root
        info: dict[str, Any] = root["info"] if isinstance(root.get("info"), dict) else {}
        base_paths = self._base_paths()
        router: Router[Operation] = Router(base_paths)
        operations: list[Operation] = []
        paths_location = document.root_location.child("paths")
        paths = root.get("paths") or {}
        if not isinstance(paths, dict):
            raise document.error("'paths' must be a mapping of path templates to path items", paths_location)
        root_integration = self._located(root, document.root_location, "x-integration")
        for template, raw_item in paths.items():
            item_location = paths_location.child(template)
            if not str(template).startswith("/"):
                raise document.error(f"path {template!r} must start with '/'", item_location)
            item, item_location = document.resolve(raw_item, item_location)
            if not isinstance(item, dict):
                raise document.error(f"path item {template!r} must be a mapping", item_location)
            item_integration = _inherit(self._located(item, item_location, "x-integration"), root_integration)
            shared_params = self._raw_parameters(item, item_location)
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                op_location = item_location.child(method)
                raw_op = item[method]
                if not isinstance(raw_op, dict):
                    raise document.error(f"operation {method.upper()} {template} must be a mapping", op_location)
                integration_config = _inherit(self._located(raw_op, op_location, "x-integration"), item_integration)
                operation = self._operation(template, method, raw_op, op_location, shared_params, integration_config)
                try:
                    router.add(template, operation.method, operation)
                except ValueError as exc:
                    raise document.error(str(exc), item_location) from None
                operations.append(operation)
        notices = []
        if self.without_integration:
            notices.append(
                f"{self.without_integration} of {len(operations)} operations have no x-integration: served as mocks"
            )
        files = (*document.files, *self.handlers.files)
        return Gateway(
            title=str(info.get("title", "")),
            api_version=str(info.get("version", "")),
            spec_path=document.root_path,
            openapi_version=document.version,
            base_paths=base_paths,
            operations=tuple(operations),
            router=router,
            pipeline=build_pipeline(router, self.settings, access_log),
            files=tuple(files),
            notices=tuple(notices),
            executor=self.executor,
            backend=self.backend,
        )

    def _http_integration(self, raw: dict[str, Any], at: Location, template: str, timeout: float) -> Integration:
        url = raw.get("url")
        if not isinstance(url, str):
            raise self.document.error("an http integration needs 'url: http://host:port/path'", at)
        try:
            parsed = UrlTemplate.parse(url)
        except ValueError as exc:
            raise self.document.error(str(exc), at.child("url")) from None
        declared = {name.rstrip("+") for name in re.findall(r"\{([^{}]+)\}", template)}
        unknown = [name for name in parsed.names if name not in declared]
        if unknown:
            raise self.document.error(
                f"url uses {{{unknown[0]}}} but the path {template} has no such parameter", at.child("url")
            )
        return HttpIntegration(
            parsed, _http_method(raw), timeout, self.backend, self.gateway_options.max_response_bytes, url
        )

    def _gateway_options(self) -> GatewayOptions:
        at = self.document.root_location.child("x-gateway")
        raw = self.document.root.get("x-gateway") or {}
        if not isinstance(raw, dict):
            raise self.document.error("x-gateway must be a mapping", at)
        http = raw.get("http") or {}
        if not isinstance(http, dict):
            raise self.document.error("x-gateway.http must be a mapping", at.child("http"))
        trust_env = http.get("proxyFromEnvironment", False)
        if not isinstance(trust_env, bool):
            raise self.document.error(
                "proxyFromEnvironment must be true or false", at.child("http", "proxyFromEnvironment")
            )
        limit = http.get("maxResponseBytes", DEFAULT_MAX_RESPONSE_BYTES)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
            raise self.document.error(
                "maxResponseBytes must be a positive integer", at.child("http", "maxResponseBytes")
            )
        return GatewayOptions(proxy_from_environment=trust_env, max_response_bytes=limit)

    def _base_paths(self) -> tuple[str, ...]:
        servers = self.document.root.get("servers")
        if not isinstance(servers, list) or not servers:
            return ("",)
        found: list[str] = []
        for server in servers:
            if not isinstance(server, dict) or not isinstance(server.get("url"), str):
                continue
            url = server["url"]
            variables = server.get("variables") or {}

            def default(match: re.Match[str], variables: Any = variables) -> str:
                variable = variables.get(match.group(1)) if isinstance(variables, dict) else None
                return str(variable.get("default", "")) if isinstance(variable, dict) else ""

            url = _SERVER_VARIABLE.sub(default, url)
            path = urlsplit(url).path if "://" in url else url
            found.append(path.rstrip("/"))
        return tuple(dict.fromkeys(found)) or ("",)

    @staticmethod
    def _located(container: dict[str, Any], at: Location, key: str) -> tuple[Any, Location] | None:
        if key not in container:
            return None
        return container[key], at.child(key)

    def _raw_parameters(self, container: dict[str, Any], at: Location) -> dict[tuple[str, str], tuple[Any, Location]]:
        raw = container.get("parameters")
        if raw is None:
            return {}
        if not isinstance(raw, list):
            raise self.document.error("'parameters' must be a list", at.child("parameters"))
        found: dict[tuple[str, str], tuple[Any, Location]] = {}
        for index, entry in enumerate(raw):
            parameter, location = self.document.resolve(entry, at.child("parameters", index))
            if not isinstance(parameter, dict) or "name" not in parameter or "in" not in parameter:
                raise self.document.error("a parameter needs 'name' and 'in'", location)
            found[(str(parameter["name"]), str(parameter["in"]))] = (parameter, location)
        return found

    def _operation(
        self,
        template: str,
        method: str,
        raw: dict[str, Any],
        at: Location,
        shared_params: dict[tuple[str, str], tuple[Any, Location]],
        integration_config: tuple[Any, Location] | None,
    ) -> Operation:
        merged = {**shared_params, **self._raw_parameters(raw, at)}
        parameters = tuple(
            self._parameter(parameter, location)
            for (_, where), (parameter, location) in merged.items()
            if where in ("path", "query", "header", "cookie")
        )
        body = None
        if "requestBody" in raw:
            body = self._request_body(*self.document.resolve(raw["requestBody"], at.child("requestBody")))
        integration = self._integration(integration_config, template, method, at)
        responses = self._responses(raw.get("responses") or {}, at.child("responses"), integration.kind == "mock")
        summary = raw.get("summary") or raw.get("description") or ""
        return Operation(
            method=method.upper(),
            path=template,
            operation_id=raw.get("operationId"),
            summary=str(summary).strip().splitlines()[0] if summary else "",
            parameters=parameters,
            request_body=body,
            responses=responses,
            integration=integration,
            source=str(at),
        )

    def _parameter(self, raw: dict[str, Any], at: Location) -> ParameterSpec:
        location = raw["in"]
        name = str(raw["name"])
        style = raw.get("style") or ("form" if location in ("query", "cookie") else "simple")
        explode = raw.get("explode")
        if explode is None:
            explode = style == "form"
        schema: Any = raw.get("schema")
        schema_at = at.child("schema")
        json_content = False
        content = raw.get("content")
        if schema is None and isinstance(content, dict) and content:
            media_type = next(iter(content))
            schema = (content[media_type] or {}).get("schema")
            schema_at = at.child("content", media_type, "schema")
            json_content = body_kind(media_type_of(media_type)) == "json"
        validator = self.schemas.compile(schema, schema_at, "request") if schema is not None else None
        return ParameterSpec(
            name=name,
            location=location,
            required=bool(raw.get("required")) or location == "path",
            style=str(style),
            explode=bool(explode),
            shape=shape_of(validator.schema if validator else None),
            validator=validator,
            json_content=json_content,
        )

    def _media(self, media_type: str, raw: Any, at: Location, direction: str) -> MediaSpec:
        kind = body_kind(media_type)
        schema = raw.get("schema") if isinstance(raw, dict) else None
        validator = None
        if schema is not None and kind != "other":
            validator = self.schemas.compile(
                schema, at.child("schema"), "request" if direction == "request" else "response"
            )
        form_types = None
        if kind == "form" and validator is not None:
            form_types = shape_of(validator.schema).properties
        return MediaSpec(media_type, kind, validator, form_types)

    def _request_body(self, raw: Any, at: Location) -> RequestBodySpec:
        if not isinstance(raw, dict):
            raise self.document.error("requestBody must be a mapping", at)
        content = raw.get("content") or {}
        media = {
            media_type_of(key): self._media(media_type_of(key), value, at.child("content", key), "request")
            for key, value in content.items()
        }
        return RequestBodySpec(required=bool(raw.get("required")), media=media)

    def _responses(self, raw: Any, at: Location, for_mock: bool) -> Mapping[str, ResponseSpec]:
        if not isinstance(raw, dict):
            raise self.document.error("'responses' must be a mapping of status codes", at)
        responses: dict[str, ResponseSpec] = {}
        for code, entry in raw.items():
            code = str(code).upper() if str(code).lower() != "default" else "default"
            if code.startswith("X-"):
                continue
            response, location = self.document.resolve(entry, at.child(code))
            content = response.get("content") if isinstance(response, dict) else None
            media: dict[str, ResponseMedia] = {}
            for key, value in (content or {}).items():
                media_type = media_type_of(key)
                spec = self._media(media_type, value, location.child("content", key), "response")
                examples = self._examples(value, location.child("content", key))
                generated = None
                if for_mock and not examples and spec.validator is not None:
                    generated = generate(spec.validator.schema)
                media[media_type] = ResponseMedia(spec, examples, generated)
            responses[code] = ResponseSpec(code, media, {key: value.spec for key, value in media.items()})
        return responses

    def _examples(self, raw: Any, at: Location) -> tuple[Example, ...]:
        if not isinstance(raw, dict):
            return ()
        found: list[Example] = []
        if "example" in raw:
            found.append(Example("example", raw["example"]))
        examples = raw.get("examples")
        if isinstance(examples, dict):
            for name, entry in examples.items():
                example, _ = self.document.resolve(entry, at.child("examples", name))
                if isinstance(example, dict) and "value" in example:
                    found.append(Example(str(name), example["value"]))
        return tuple(found)

    def _integration(
        self, config: tuple[Any, Location] | None, template: str, method: str, operation_at: Location
    ) -> Integration:
        if config is None:
            if self.settings.require_integrations:
                raise self.document.error(
                    f"{method.upper()} {template} has no x-integration (--require-integrations is on)", operation_at
                )
            self.without_integration += 1
            return MockIntegration()
        raw, at = config
        if not isinstance(raw, dict):
            raise self.document.error("x-integration must be a mapping with a 'type'", at)
        kind = raw.get("type")
        if kind not in INTEGRATION_TYPES:
            raise self.document.error(
                f"x-integration type {kind!r} is not one of: {', '.join(INTEGRATION_TYPES)}", at.child("type")
            )
        timeout = raw.get("timeout", DEFAULT_TIMEOUT)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise self.document.error(f"timeout {timeout!r} must be a positive number of seconds", at.child("timeout"))
        if kind == "http":
            return self._http_integration(raw, at, template, float(timeout))
        if kind == "mock":
            status = raw.get("status")
            if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
                raise self.document.error(f"mock status {status!r} is not an HTTP status code", at.child("status"))
            return MockIntegration(status)
        handler = raw.get("handler")
        if not isinstance(handler, str):
            raise self.document.error("a python integration needs 'handler: file.py:function'", at)
        payload = str(raw.get("payload", "1.0"))
        if payload not in ("1.0", "2.0"):
            raise self.document.error(f'payload {payload!r} must be "1.0" or "2.0"', at.child("payload"))
        try:
            function = self.handlers.load(handler)
        except ConfigError as exc:
            raise self.document.error(str(exc), at.child("handler")) from None
        return PythonIntegration(function, handler, payload, float(timeout), self.executor, self.lambda_settings)


def _http_method(raw: Any) -> str | None:
    method = raw.get("method")
    return str(method).upper() if method else None


def _inherit(own: tuple[Any, Location] | None, inherited: tuple[Any, Location] | None) -> tuple[Any, Location] | None:
    """An operation's x-integration over its path item's over the root's: keys of the nearer one win,
    and a nearer one of another `type` replaces the inherited one whole."""
    if own is None or inherited is None:
        return own or inherited
    mine, at = own
    base = inherited[0]
    if not isinstance(mine, dict) or not isinstance(base, dict):
        return own
    if "type" in mine and mine["type"] != base.get("type"):
        return own
    return {**base, **mine}, at


def _at(document: SpecDocument, key: str) -> Location:
    return document.root_location.child(key)
