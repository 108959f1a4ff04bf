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
from typing import Any

from apigw_cli.gateway.compiling.cloudformation import handler_for, lambda_ref, service_of
from apigw_cli.gateway.compiling.context import CompileContext
from apigw_cli.gateway.compiling.integrations import PAYLOAD_VERSIONS, http_integration, python_integration
from apigw_cli.gateway.integrations.aws_custom import (
    LambdaCustomIntegration,
    PassthroughGate,
    SelectingIntegration,
    TemplateMockIntegration,
)
from apigw_cli.gateway.integrations.base import Integration
from apigw_cli.gateway.integrations.http_api_values import MappedValue
from apigw_cli.gateway.integrations.integration_responses import IntegrationResponse
from apigw_cli.gateway.integrations.python import DEFAULT_TIMEOUT
from apigw_cli.gateway.integrations.request_mapping import ParameterSource, RequestMapping
from apigw_cli.gateway.integrations.service import ServiceIntegration
from apigw_cli.gateway.integrations.unavailable import unmapped_lambda, unsupported
from apigw_cli.spec.document import Location
from apigw_cli.spec.walk import template_parameters

INTEGRATION_KEY = "x-amazon-apigateway-integration"
_STATUS_IN_TEMPLATE = re.compile(r'"?statusCode"?\s*:\s*"?(\d{3})')


@dataclass(frozen=True)
class AwsIntegrationSite:
    """One `x-amazon-apigateway-integration` with what every type reads of it worked out."""

    raw: dict[str, Any]
    at: Location
    template: str  # the operation's path template
    route: str  # "GET /pets", for messages
    timeout: float
    responses: tuple[IntegrationResponse, ...]


AwsBuilder = Callable[["AwsIntegrations", AwsIntegrationSite], Integration]


@dataclass(frozen=True)
class AwsType:
    build: AwsBuilder
    proxy: bool  # a proxy integration passes the request through; others have templates and passthroughBehavior


class AwsIntegrations:
    """Builds the AWS integrations of one spec, and keeps what start-up should say about them."""

    def __init__(self, context: CompileContext):
        self.context = context
        self.unmapped: dict[str, list[str]] = {}
        self.unmapped_services: dict[str, list[str]] = {}  # integrationSubtype -> routes
        self.templates_skipped: list[str] = []

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
        if self.templates_skipped:
            found.append("VTL mapping templates are not applied yet: " + ", ".join(self.templates_skipped))
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
        site = AwsIntegrationSite(raw, at, template, route, float(timeout_ms) / 1000, self._responses(raw, at))
        if "integrationSubtype" in raw:
            return self.service(site)
        self._note_templates(raw, kind, route)
        integration = chosen.build(self, site)
        behavior = str(raw.get("passthroughBehavior", "when_no_match")).lower()
        templates = raw.get("requestTemplates") or {}
        if not chosen.proxy and (behavior == "never" or (behavior == "when_no_templates" and templates)):
            return PassthroughGate(integration, frozenset(str(key).lower() for key in templates))
        return integration

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

    def http(self, site: AwsIntegrationSite) -> Integration:
        uri = self.uri(site)
        if not isinstance(uri, str):
            return unsupported("an http integration whose uri is computed by CloudFormation cannot be resolved locally")
        mapping = self._request_mapping(site.raw, site.at)
        method = str(site.raw.get("httpMethod", "ANY")).upper()
        known = template_parameters(site.template) | {target for target, _ in mapping.path}
        integration = http_integration(
            self.context,
            uri,
            site.at.child("uri"),
            site.template,
            None if method == "ANY" else method,
            site.timeout,
            known,
            mapping,
        )
        if str(site.raw.get("connectionType", "INTERNET")).upper() == "VPC_LINK":
            self.context.notices.append(f"{uri}: connectionType VPC_LINK is served as a direct connection to the uri")
        return integration

    def _request_mapping(self, raw: dict[str, Any], at: Location) -> RequestMapping:
        parameters = raw.get("requestParameters") or {}
        if not isinstance(parameters, dict):
            raise self.context.error("requestParameters must be a mapping", at.child("requestParameters"))
        found: dict[str, list[tuple[str, ParameterSource]]] = {"path": [], "querystring": [], "header": []}
        for target, source_text in parameters.items():
            parts = str(target).split(".", 3)
            if len(parts) != 4 or parts[:2] != ["integration", "request"] or parts[2] not in found:
                raise self.context.error(
                    f"requestParameters key {target!r} must look like integration.request.header.NAME",
                    at.child("requestParameters", target),
                )
            source = ParameterSource.parse(str(source_text))
            if source is None:
                self.context.notices.append(
                    f"requestParameters {target}: source {source_text!r} is not supported locally"
                )
                continue
            found[parts[2]].append((parts[3], source))
        return RequestMapping(tuple(found["path"]), tuple(found["querystring"]), tuple(found["header"]))

    def _responses(self, raw: dict[str, Any], at: Location) -> tuple[IntegrationResponse, ...]:
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
            headers = tuple(
                (str(name).split(".", 3)[-1], str(value)[1:-1])
                for name, value in (entry.get("responseParameters") or {}).items()
                if str(name).startswith("method.response.header.")
                and str(value).startswith("'")
                and str(value).endswith("'")
            )
            body, content_type = _static_template(entry.get("responseTemplates"))
            found.append(IntegrationResponse(pattern, int(status), headers, body, content_type))
        # entries with a pattern are tried first; the default catches the rest
        return tuple(sorted(found, key=lambda entry: entry.pattern is None))

    def _note_templates(self, raw: dict[str, Any], kind: str, route: str) -> None:
        dynamic = []
        for key in ("requestTemplates", "responseTemplates"):
            templates = raw.get(key)
            if kind == "mock" and key == "requestTemplates":
                templates = {
                    k: v
                    for k, v in (templates or {}).items()
                    if not _STATUS_IN_TEMPLATE.fullmatch(str(v).strip("{} \n"))
                }
            if isinstance(templates, dict) and any(is_vtl(t) for t in templates.values()):
                dynamic.append(key)
        for entry in (raw.get("responses") or {}).values():
            if isinstance(entry, dict) and any(is_vtl(t) for t in (entry.get("responseTemplates") or {}).values()):
                dynamic.append("responses.responseTemplates")
                break
        if dynamic:
            self.templates_skipped.append(f"{route} ({', '.join(dynamic)})")


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
    return python_integration(integrations.context, found, payload, site.timeout, site.at.child("uri"))


def _aws(integrations: AwsIntegrations, site: AwsIntegrationSite) -> Integration:
    found = integrations.lambda_handler(site)
    if not isinstance(found, str):
        return found
    context = integrations.context
    handler = context.load_handler(found, site.at.child("uri"))
    return LambdaCustomIntegration(handler, found, site.timeout, context.executor, site.responses)


def _http_proxy(integrations: AwsIntegrations, site: AwsIntegrationSite) -> Integration:
    return integrations.http(site)


def _http(integrations: AwsIntegrations, site: AwsIntegrationSite) -> Integration:
    integration = integrations.http(site)
    return SelectingIntegration(integration, site.responses) if site.responses else integration


def _mock(integrations: AwsIntegrations, site: AwsIntegrationSite) -> Integration:
    templates = site.raw.get("requestTemplates") or {}
    template = templates.get("application/json") if isinstance(templates, dict) else None
    if template is None and isinstance(templates, dict) and templates:
        template = next(iter(templates.values()))
    found = _STATUS_IN_TEMPLATE.search(str(template or ""))
    return TemplateMockIntegration(int(found.group(1)) if found else 200, site.responses)


AWS_INTEGRATIONS: Mapping[str, AwsType] = {
    "aws_proxy": AwsType(_aws_proxy, proxy=True),
    "http_proxy": AwsType(_http_proxy, proxy=True),
    "http": AwsType(_http, proxy=False),
    "mock": AwsType(_mock, proxy=False),
    "aws": AwsType(_aws, proxy=False),
}
AWS_TYPES = tuple(AWS_INTEGRATIONS)


def is_vtl(template: Any) -> bool:
    """Whether a mapping template has VTL in it (a variable or a directive), not static text."""
    text = str(template or "")
    return "$" in text or "#" in text


def _static_template(templates: Any) -> tuple[bytes | None, str | None]:
    if not isinstance(templates, dict) or not templates:
        return None, None
    content_type, template = next(iter(templates.items()))
    if "application/json" in templates:
        content_type, template = "application/json", templates["application/json"]
    if template is None or is_vtl(template):
        return None, None
    return str(template).encode(), str(content_type)


def request_validation(context: CompileContext, operation: dict[str, Any], at: Location) -> tuple[bool, bool]:
    """(validate parameters, validate body) for an operation. Specs that declare the managed
    gateway's request validators get its semantics: no validator named, nothing validated. A name
    that no validator has is what the managed gateway's import warns of and then ignores: a
    start-up note, and no validation."""
    root = context.document.root
    validators = root.get("x-amazon-apigateway-request-validators")
    key = "x-amazon-apigateway-request-validator"
    name = operation.get(key, root.get(key))
    if validators is None and name is None:
        return True, True
    if name is None:
        return False, False
    if not isinstance(validators, dict) or name not in validators:
        defined = ", ".join(validators) if isinstance(validators, dict) else "none"
        where = at.child(key) if key in operation else context.document.root_location.child(key)
        context.notices.append(
            f"{where}: request validator {name!r} is not defined in x-amazon-apigateway-request-validators "
            f"(defined: {defined}): requests there are not validated, as the managed gateway's import does"
        )
        return False, False
    chosen = validators[name] or {}
    return bool(chosen.get("validateRequestParameters")), bool(chosen.get("validateRequestBody"))
