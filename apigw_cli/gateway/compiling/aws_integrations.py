"""`x-amazon-apigateway-integration` -> the same Integration objects as `x-integration`, so a spec
exported from the managed gateway runs unchanged. Each integration type is one entry of
`AWS_INTEGRATIONS`: `aws_proxy` (a Lambda, mapped to a local handler), `http_proxy` and `http` (the
http integration, with `requestParameters`), `mock` (status from its request template), `aws`
(Lambda custom integrations; other AWS services answer 501). Also the request validators an
operation names. Lambdas named in `uri`s are resolved by cloudformation.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from apigw_cli.gateway.compiling.cloudformation import handler_for, lambda_ref, service_of
from apigw_cli.gateway.compiling.integrations import (
    PAYLOAD_VERSIONS,
    http_integration,
    python_integration,
    stream_limits,
)
from apigw_cli.gateway.integrations.base import Integration
from apigw_cli.gateway.integrations.http import HttpIntegration
from apigw_cli.gateway.integrations.http_api_values import MappedValue
from apigw_cli.gateway.integrations.mapped import HttpBackend, LambdaBackend, MappedIntegration, MockBackend
from apigw_cli.gateway.integrations.python import DEFAULT_TIMEOUT
from apigw_cli.gateway.integrations.service import ServiceIntegration
from apigw_cli.gateway.integrations.unavailable import unmapped_lambda, unsupported
from apigw_cli.gateway.mapping.content import CONTENT_HANDLINGS, ContentHandling
from apigw_cli.gateway.mapping.http_api import (
    HttpApiMappingError,
    HttpApiRequestParameters,
    HttpApiResponseParameters,
    parse_http_api_request,
    parse_http_api_responses,
)
from apigw_cli.gateway.mapping.parameters import (
    MappingSource,
    MappingSyntaxError,
    RequestParameters,
    parse_request_parameters,
    response_source,
)
from apigw_cli.gateway.mapping.request import RequestMapping
from apigw_cli.gateway.mapping.responses import IntegrationResponse, IntegrationResponses
from apigw_cli.gateway.mapping.templates import PASSTHROUGH_BEHAVIORS, compile_templates
from apigw_cli.spec.walk import greedy_parameters, template_parameters

if TYPE_CHECKING:
    from apigw_cli.gateway.compiling.context import CompileContext
    from apigw_cli.gateway.streaming import StreamLimits
    from apigw_cli.spec.document import Location

INTEGRATION_KEY = "x-amazon-apigateway-integration"


@dataclass(frozen=True)
class AwsIntegrationSite:
    """One `x-amazon-apigateway-integration` with what every type reads of it worked out."""

    raw: dict[str, Any]
    at: Location
    template: str  # the operation's path template
    route: str  # "GET /pets", for messages
    timeout: float
    stream: StreamLimits | None = None  # responseTransferMode: STREAM


AwsBuilder = Callable[["AwsIntegrations", AwsIntegrationSite], Integration]


@dataclass(frozen=True)
class AwsType:
    build: AwsBuilder


class AwsIntegrations:
    """Builds the AWS integrations of one spec, and keeps what start-up should say about them."""

    def __init__(self, context: CompileContext):
        self.context = context
        self.unmapped: dict[str, list[str]] = {}
        self.unmapped_services: dict[str, list[str]] = {}  # integrationSubtype -> routes

    def notices(self) -> list[str]:
        found = []
        if self.unmapped:
            listed = "; ".join(f"{name} ({', '.join(routes)})" for name, routes in self.unmapped.items())
            found.append(
                f"Lambda functions with no local handler, answering 502: {listed}. "
                "Map them under x-gateway.lambdas or in a --lambda-map file (name or ARN pattern: file.py:function)"
            )
        if self.unmapped_services:
            listed = "; ".join(f"{name} ({', '.join(routes)})" for name, routes in self.unmapped_services.items())
            found.append(
                f"AWS service integrations with no local handler, answering 501: {listed}. Map a subtype "
                "to a handler under x-gateway.lambdas or in --lambda-map (SQS-SendMessage: file.py:function)"
            )
        return found

    def integration(self, raw: Any, at: Location, template: str, route: str) -> Integration:
        context = self.context
        if not isinstance(raw, dict):
            raise context.error(f"{INTEGRATION_KEY} must be a mapping", at)
        kind = str(raw.get("type", "")).lower()
        chosen = AWS_INTEGRATIONS.get(kind)
        if chosen is None:
            raise context.error(
                f"integration type {raw.get('type')!r} is not one of: {', '.join(AWS_INTEGRATIONS)}", at.child("type")
            )
        timeout_ms = raw.get("timeoutInMillis", DEFAULT_TIMEOUT * 1000)
        if not isinstance(timeout_ms, int | float) or isinstance(timeout_ms, bool) or timeout_ms <= 0:
            raise context.error(
                f"timeoutInMillis {timeout_ms!r} must be a positive number", at.child("timeoutInMillis")
            )
        mode = str(raw.get("responseTransferMode", "BUFFERED")).upper()
        if mode not in ("BUFFERED", "STREAM"):
            raise context.error(
                f"responseTransferMode {raw.get('responseTransferMode')!r} is not BUFFERED or STREAM",
                at.child("responseTransferMode"),
            )
        if mode == "STREAM" and kind not in ("http_proxy", "aws_proxy"):
            raise context.error(
                f"responseTransferMode STREAM needs an HTTP_PROXY or AWS_PROXY integration, not {raw.get('type')}",
                at.child("responseTransferMode"),
            )
        stream = stream_limits(context, True, at) if mode == "STREAM" else None  # the serve flags' limits
        site = AwsIntegrationSite(raw, at, template, route, float(timeout_ms) / 1000, stream)
        if "integrationSubtype" in raw:
            return self.service(site)
        return chosen.build(self, site)

    def uri(self, site: AwsIntegrationSite) -> Any:
        """The integration's `uri`, stage variables substituted where it is text."""
        uri = site.raw.get("uri")
        if uri is None:
            raise self.context.error(f"a {site.raw.get('type')} integration needs a 'uri'", site.at)
        if isinstance(uri, str):
            uri = self.context.deployment.substitute(uri, self.context.document, site.at.child("uri"))
        return uri

    def lambda_handler(self, site: AwsIntegrationSite) -> str | Integration:
        """The local handler of the Lambda the `uri` names, or the integration that says why there
        is none (another AWS service: 501; a Lambda nobody mapped: 502, and named at start-up)."""
        uri = self.uri(site)
        function = lambda_ref(uri)
        if function is None:
            kind = str(site.raw.get("type", "")).lower()
            return unsupported(f"integration type {kind} to {service_of(uri) or 'an AWS service'} cannot run locally")
        reference = handler_for(function, self.context.options.lambdas)
        if reference is None:
            self.unmapped.setdefault(str(function), []).append(site.route)
            return unmapped_lambda(str(function))
        return reference

    def service(self, site: AwsIntegrationSite) -> Integration:
        """An HTTP API's AWS service integration: a local handler mapped to its subtype, else 501."""
        subtype = str(site.raw["integrationSubtype"])
        parameters = site.raw.get("requestParameters") or {}
        if not isinstance(parameters, dict):
            raise self.context.error("requestParameters must be a mapping", site.at.child("requestParameters"))
        reference = next((handler for key, handler in self.context.options.lambdas if key == subtype), None)
        if reference is None:
            self.unmapped_services.setdefault(subtype, []).append(site.route)
            return unsupported(
                f"the {subtype} service integration cannot run locally: map it to a handler "
                f"({subtype!r}: file.py:function under x-gateway.lambdas or in --lambda-map)"
            )
        handler = self.context.load_handler(reference, site.at.child("integrationSubtype"))
        mapped = tuple((str(name), MappedValue.parse(str(value))) for name, value in parameters.items())
        context = self.context
        return ServiceIntegration(
            subtype, mapped, handler, reference, site.timeout, context.executor, context.deployment
        )

    def http(self, site: AwsIntegrationSite) -> HttpIntegration | Integration:
        uri = self.uri(site)
        if not isinstance(uri, str):
            return unsupported("an http integration whose uri is computed by CloudFormation cannot be resolved locally")
        http_api = self.http_api_parameters(site)
        mapping = self.request_parameters(site) if http_api is None else RequestParameters()
        method = str(site.raw.get("httpMethod", "ANY")).upper()
        known = template_parameters(site.template) | mapping.path_targets
        integration = http_integration(
            self.context,
            uri,
            site.at.child("uri"),
            site.template,
            None if method == "ANY" else method,
            site.timeout,
            known,
            mapping,
            http_api,
            site.stream,
        )
        if str(site.raw.get("connectionType", "INTERNET")).upper() == "VPC_LINK":
            self.context.notices.append(f"{uri}: connectionType VPC_LINK is served as a direct connection to the uri")
        return integration

    def http_api_parameters(
        self, site: AwsIntegrationSite
    ) -> tuple[HttpApiRequestParameters, HttpApiResponseParameters] | None:
        """An HTTP API's `requestParameters` (`overwrite:header.x`, ...) and `responseParameters` (per
        status code), or None for a REST API's integration."""
        raw, at = site.raw, site.at
        request = raw.get("requestParameters") or {}
        response = raw.get("responseParameters") or {}
        if self.context.flavour != "http" and not any(":" in str(key) for key in request):
            return None
        if not request and not response:
            return None
        for key, declared in (("requestParameters", request), ("responseParameters", response)):
            if not isinstance(declared, dict):
                raise self.context.error(f"{key} must be a mapping", at.child(key))
        try:
            parsed_request = parse_http_api_request(request)
        except HttpApiMappingError as exc:
            raise self.context.error(f"requestParameters: {exc}", at.child("requestParameters")) from None
        try:
            parsed_response = parse_http_api_responses(response)
        except HttpApiMappingError as exc:
            raise self.context.error(f"responseParameters: {exc}", at.child("responseParameters")) from None
        return parsed_request, parsed_response

    def request_parameters(self, site: AwsIntegrationSite) -> RequestParameters:
        """`requestParameters`: a mapping the managed gateway would refuse is a SpecError there."""
        declared = site.raw.get("requestParameters") or {}
        at = site.at.child("requestParameters")
        if not isinstance(declared, dict):
            raise self.context.error("requestParameters must be a mapping", at)
        greedy = greedy_parameters(site.template)
        parameters, problems = parse_request_parameters(declared, greedy)
        if problems:
            key, reason = problems[0]
            raise self.context.error(f"requestParameters {key}: {reason}", at.child(key))
        return parameters

    def request_mapping(self, site: AwsIntegrationSite) -> RequestMapping:
        """What a non-proxy integration makes of the method request: templates, parameters, content handling."""
        raw, at = site.raw, site.at
        behavior = str(raw.get("passthroughBehavior", "when_no_match")).lower()
        if behavior not in PASSTHROUGH_BEHAVIORS:
            raise self.context.error(
                f"passthroughBehavior {raw.get('passthroughBehavior')!r} is not one of: "
                + ", ".join(PASSTHROUGH_BEHAVIORS),
                at.child("passthroughBehavior"),
            )
        templates = compile_templates(
            self.context.document,
            raw.get("requestTemplates"),
            at.child("requestTemplates"),
            self.context.notices,
            behavior,
        )
        return RequestMapping(templates, self.request_parameters(site), self._content_handling(raw, at))

    def responses(self, site: AwsIntegrationSite) -> IntegrationResponses:
        """The integration responses: selection pattern (the key, or `selectionPattern`), status,
        response parameters and templates of each; `default` last."""
        raw, at = site.raw, site.at
        declared = raw.get("responses") or {}
        if not isinstance(declared, dict):
            raise self.context.error("integration responses must be a mapping", at.child("responses"))
        found = []
        for key, entry in declared.items():
            where = at.child("responses", key)
            if not isinstance(entry, dict):
                raise self.context.error("an integration response must be a mapping", where)
            pattern_text = entry.get("selectionPattern")
            if pattern_text is None and str(key) != "default":
                pattern_text = str(key)
            try:
                pattern = re.compile(str(pattern_text), re.DOTALL) if pattern_text not in (None, "") else None
            except re.error as exc:
                raise self.context.error(
                    f"selectionPattern {pattern_text!r} is not a regular expression: {exc}", where
                ) from None
            status = entry.get("statusCode", 200)
            if not str(status).isdigit():
                raise self.context.error(f"statusCode {status!r} is not an HTTP status", where.child("statusCode"))
            headers = self._response_parameters(entry.get("responseParameters"), where.child("responseParameters"))
            templates = compile_templates(
                self.context.document,
                entry.get("responseTemplates"),
                where.child("responseTemplates"),
                self.context.notices,
            )
            handling = self._content_handling(entry, where)
            found.append(IntegrationResponse(pattern, int(status), headers, templates, handling))
        # entries with a pattern are tried first, in declared order; the default catches the rest
        return IntegrationResponses(tuple(sorted(found, key=lambda entry: entry.pattern is None)))

    def _response_parameters(self, declared: Any, at: Location) -> tuple[tuple[str, MappingSource], ...]:
        if declared is None:
            return ()
        if not isinstance(declared, dict):
            raise self.context.error("responseParameters must be a mapping", at)
        found = []
        prefix = "method.response.header."
        for target, source in declared.items():
            if not str(target).startswith(prefix) or len(str(target)) == len(prefix):
                raise self.context.error(
                    f"responseParameters key {target!r} must look like method.response.header.NAME", at.child(target)
                )
            try:
                found.append((str(target)[len(prefix) :], response_source(str(source))))
            except MappingSyntaxError as exc:
                raise self.context.error(f"responseParameters {target}: {exc}", at.child(target)) from None
        return tuple(found)

    def _content_handling(self, raw: dict[str, Any], at: Location) -> ContentHandling | None:
        value = raw.get("contentHandling")
        if value is None:
            return None
        if value not in CONTENT_HANDLINGS:
            raise self.context.error(
                f"contentHandling {value!r} is not one of: {', '.join(CONTENT_HANDLINGS)}", at.child("contentHandling")
            )
        return cast("ContentHandling", value)


def _aws_proxy(integrations: AwsIntegrations, site: AwsIntegrationSite) -> Integration:
    found = integrations.lambda_handler(site)
    if not isinstance(found, str):
        return found
    # an HTTP API's Lambda integrations default to the 2.0 event, a REST API has only 1.0
    default = "2.0" if integrations.context.flavour == "http" else "1.0"
    payload = str(site.raw.get("payloadFormatVersion", default))
    if payload not in PAYLOAD_VERSIONS:
        raise integrations.context.error(
            f'payloadFormatVersion {payload!r} must be "1.0" or "2.0"', site.at.child("payloadFormatVersion")
        )
    return python_integration(integrations.context, found, payload, site.timeout, site.at.child("uri"), site.stream)


def _aws(integrations: AwsIntegrations, site: AwsIntegrationSite) -> Integration:
    found = integrations.lambda_handler(site)
    if not isinstance(found, str):
        return found
    context = integrations.context
    handler = context.load_handler(found, site.at.child("uri"))
    backend = LambdaBackend(handler, found, site.timeout, context.executor)
    return _mapped(integrations, site, backend)


def _http_proxy(integrations: AwsIntegrations, site: AwsIntegrationSite) -> Integration:
    return integrations.http(site)


def _http(integrations: AwsIntegrations, site: AwsIntegrationSite) -> Integration:
    http = integrations.http(site)
    if not isinstance(http, HttpIntegration):
        return http
    greedy = greedy_parameters(site.template)
    return _mapped(integrations, site, HttpBackend(http, greedy))


def _mock(integrations: AwsIntegrations, site: AwsIntegrationSite) -> Integration:
    return _mapped(integrations, site, MockBackend())


def _mapped(integrations: AwsIntegrations, site: AwsIntegrationSite, backend: Any) -> Integration:
    request = integrations.request_mapping(site)
    return MappedIntegration(backend, request, integrations.responses(site), integrations.context.deployment)


AWS_INTEGRATIONS: Mapping[str, AwsType] = {
    "aws_proxy": AwsType(_aws_proxy),
    "http_proxy": AwsType(_http_proxy),
    "http": AwsType(_http),
    "mock": AwsType(_mock),
    "aws": AwsType(_aws),
}
AWS_TYPES = tuple(AWS_INTEGRATIONS)


def request_validation(context: CompileContext, operation: dict[str, Any], at: Location) -> tuple[bool, bool, bool]:
    """(validate parameters, validate body, the managed gateway's way) for an operation. Specs that
    declare the managed gateway's request validators get its semantics: no validator named, nothing
    validated; a validator checks that required parameters are there and a JSON body against its
    model. A name that no validator has is what the managed gateway's import warns of and then
    ignores: a start-up note, and no validation."""
    root = context.document.root
    validators = root.get("x-amazon-apigateway-request-validators")
    key = "x-amazon-apigateway-request-validator"
    name = operation.get(key, root.get(key))
    if validators is None and name is None:
        return True, True, False
    if name is None:
        return False, False, True
    if not isinstance(validators, dict) or name not in validators:
        defined = ", ".join(validators) if isinstance(validators, dict) else "none"
        where = at.child(key) if key in operation else context.document.root_location.child(key)
        context.notices.append(
            f"{where}: request validator {name!r} is not defined in x-amazon-apigateway-request-validators "
            f"(defined: {defined}): requests there are not validated, as the managed gateway's import does"
        )
        return False, False, True
    chosen = validators[name] or {}
    return bool(chosen.get("validateRequestParameters")), bool(chosen.get("validateRequestBody")), True
