"""`x-amazon-apigateway-*` extensions, mapped onto the same model as `x-integration`, so a spec
exported from the managed gateway runs unchanged.

Integration types: `aws_proxy` (a Lambda, mapped to a local handler by function name, ARN
pattern or CloudFormation logical id), `http_proxy` and `http` (the http integration, with
`requestParameters`), `mock` (status from its request template), `aws` (Lambda custom
integrations; other AWS services answer 501). Also: request validators, gateway responses.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

from apigw_cli.gateway.compiling.context import CompileContext
from apigw_cli.gateway.compiling.integrations import (
    http_integration,
    load_handler,
    path_parameters,
    python_integration,
)
from apigw_cli.gateway.cors import CorsPolicy
from apigw_cli.gateway.gateway_responses import GatewayResponses, GatewayResponseStyle
from apigw_cli.gateway.integrations.aws_custom import (
    LambdaCustomIntegration,
    PassthroughGate,
    SelectingIntegration,
    TemplateMockIntegration,
)
from apigw_cli.gateway.integrations.base import Integration
from apigw_cli.gateway.integrations.integration_responses import IntegrationResponse
from apigw_cli.gateway.integrations.python import DEFAULT_TIMEOUT
from apigw_cli.gateway.integrations.request_mapping import ParameterSource, RequestMapping
from apigw_cli.gateway.integrations.unavailable import unmapped_lambda, unsupported
from apigw_cli.gateway.lambda_auth import LambdaAuthorizer
from apigw_cli.spec.document import Location

INTEGRATION_KEY = "x-amazon-apigateway-integration"
AWS_TYPES = ("aws_proxy", "http_proxy", "http", "mock", "aws")
_LAMBDA_ARN = re.compile(r"arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^/:$]+)")
_SERVICE = re.compile(r"arn:aws[\w-]*:apigateway:[^:]*:([^:]+):")
_SUB_REFERENCE = re.compile(r"\$\{([^}]+)\}")
_STATUS_IN_TEMPLATE = re.compile(r'"?statusCode"?\s*:\s*"?(\d{3})')


@dataclass(frozen=True)
class LambdaRef:
    """A Lambda function as a spec names it: by ARN, or by a CloudFormation resource."""

    name: str | None = None
    logical_id: str | None = None
    arn: str | None = None

    def __str__(self) -> str:
        return self.name or self.logical_id or self.arn or "?"

    def matches(self, key: str) -> bool:
        if key in (self.name, self.logical_id, self.arn):
            return True
        return any(value is not None and fnmatch.fnmatchcase(value, key) for value in (self.arn, self.name))


def flatten_uri(value: Any) -> tuple[str, dict[str, Any]]:
    """A `uri` as text with `${...}` references kept, and the variables an `Fn::Sub` list defines."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict):
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            if isinstance(sub, list) and sub and isinstance(sub[0], str):
                return sub[0], sub[1] if len(sub) > 1 and isinstance(sub[1], dict) else {}
            if isinstance(sub, str):
                return sub, {}
        if "Fn::Join" in value:
            join = value["Fn::Join"]
            if isinstance(join, list) and len(join) == 2 and isinstance(join[1], list):
                parts = [flatten_uri(part)[0] for part in join[1]]
                return str(join[0]).join(parts), {}
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            logical = target[0] if isinstance(target, list) and target else str(target).split(".")[0]
            return f"${{{logical}.Arn}}", {}
        if "Ref" in value:
            return f"${{{value['Ref']}}}", {}
    return "", {}


def lambda_ref(uri: Any, inside_lambda_uri: bool = False) -> LambdaRef | None:
    """The function a Lambda integration `uri` names; None when it is not a Lambda uri."""
    text, variables = flatten_uri(uri)
    found = _LAMBDA_ARN.search(text)
    if found:
        return LambdaRef(name=found.group(1), arn=found.group(0))
    if not inside_lambda_uri and ":lambda:path/" not in text:
        return None
    for reference in _SUB_REFERENCE.findall(text):
        if reference in variables:
            inner = lambda_ref(variables[reference], inside_lambda_uri=True)
            if inner is not None:
                return inner
        logical = reference.split(".")[0]
        if not logical.startswith("AWS::") and not logical.startswith("stageVariables"):
            return LambdaRef(logical_id=logical)
    return None


def service_of(uri: Any) -> str | None:
    text, _ = flatten_uri(uri)
    found = _SERVICE.search(text)
    return found.group(1) if found else None


class AwsIntegrations:
    def __init__(self, context: CompileContext):
        self.context = context
        self.unmapped: dict[str, list[str]] = {}
        self.templates_skipped: list[str] = []

    def notices(self) -> list[str]:
        found = []
        if self.unmapped:
            listed = "; ".join(f"{name} ({', '.join(routes)})" for name, routes in self.unmapped.items())
            found.append(
                f"Lambda functions with no local handler, answering 502: {listed}. "
                "Map them under x-gateway.lambdas or in a --lambda-map file (name or ARN pattern: file.py:function)"
            )
        if self.templates_skipped:
            found.append("VTL mapping templates are not applied yet: " + ", ".join(self.templates_skipped))
        return found

    def integration(self, raw: Any, at: Location, template: str, route: str) -> Integration:
        integration = self._integration(raw, at, template, route)
        kind = str(raw.get("type", "")).lower()
        behavior = str(raw.get("passthroughBehavior", "when_no_match")).lower()
        templates = raw.get("requestTemplates") or {}
        if kind in ("http", "aws", "mock") and (behavior == "never" or (behavior == "when_no_templates" and templates)):
            return PassthroughGate(integration, frozenset(str(key).lower() for key in templates))
        return integration

    def _integration(self, raw: Any, at: Location, template: str, route: str) -> Integration:
        context = self.context
        if not isinstance(raw, dict):
            raise context.error(f"{INTEGRATION_KEY} must be a mapping", at)
        kind = str(raw.get("type", "")).lower()
        if kind not in AWS_TYPES:
            raise context.error(
                f"integration type {raw.get('type')!r} is not one of: {', '.join(AWS_TYPES)}", at.child("type")
            )
        timeout_ms = raw.get("timeoutInMillis", DEFAULT_TIMEOUT * 1000)
        if not isinstance(timeout_ms, int | float) or isinstance(timeout_ms, bool) or timeout_ms <= 0:
            raise context.error(
                f"timeoutInMillis {timeout_ms!r} must be a positive number", at.child("timeoutInMillis")
            )
        timeout = float(timeout_ms) / 1000
        responses = self._responses(raw, at)
        self._note_templates(raw, kind, route)
        if kind == "mock":
            return TemplateMockIntegration(self._mock_status(raw), responses)
        uri = raw.get("uri")
        if uri is None:
            raise context.error(f"a {kind} integration needs a 'uri'", at)
        if isinstance(uri, str):
            uri = context.stage.substitute(uri, context.document, at.child("uri"))
        if kind in ("http", "http_proxy"):
            integration = self._http(raw, at, template, uri, timeout)
            return SelectingIntegration(integration, responses) if kind == "http" and responses else integration
        function = lambda_ref(uri)
        if function is None:
            service = service_of(uri) or "an AWS service"
            return unsupported(f"integration type {kind} to {service} cannot run locally")
        reference = self.handler_for(function)
        if reference is None:
            self.unmapped.setdefault(str(function), []).append(route)
            return unmapped_lambda(str(function))
        if kind == "aws_proxy":
            payload = str(raw.get("payloadFormatVersion", "1.0"))
            if payload not in ("1.0", "2.0"):
                raise context.error(
                    f'payloadFormatVersion {payload!r} must be "1.0" or "2.0"', at.child("payloadFormatVersion")
                )
            return python_integration(context, reference, payload, timeout, at.child("uri"))
        handler = load_handler(context, reference, at.child("uri"))
        return LambdaCustomIntegration(handler, reference, timeout, context.executor, responses)

    def handler_for(self, function: LambdaRef) -> str | None:
        for key, reference in self.context.options.lambdas:
            if function.matches(key):
                return reference
        return None

    def _http(self, raw: dict[str, Any], at: Location, template: str, uri: Any, timeout: float) -> Integration:
        if not isinstance(uri, str):
            return unsupported("an http integration whose uri is computed by CloudFormation cannot be resolved locally")
        mapping = self._request_mapping(raw, at)
        method = str(raw.get("httpMethod", "ANY")).upper()
        known = path_parameters(template) | {target for target, _ in mapping.path}
        integration = http_integration(
            self.context, uri, at.child("uri"), template, None if method == "ANY" else method, timeout, known, mapping
        )
        if str(raw.get("connectionType", "INTERNET")).upper() == "VPC_LINK":
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

    def _mock_status(self, raw: dict[str, Any]) -> int:
        templates = raw.get("requestTemplates") or {}
        template = templates.get("application/json") if isinstance(templates, dict) else None
        if template is None and isinstance(templates, dict) and templates:
            template = next(iter(templates.values()))
        found = _STATUS_IN_TEMPLATE.search(str(template or ""))
        return int(found.group(1)) if found else 200

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
    gateway's request validators get its semantics: no validator named, nothing validated."""
    root = context.document.root
    validators = root.get("x-amazon-apigateway-request-validators")
    key = "x-amazon-apigateway-request-validator"
    name = operation.get(key, root.get(key))
    if validators is None and name is None:
        return True, True
    if name is None:
        return False, False
    where = at.child(key) if key in operation else context.document.root_location.child(key)
    if not isinstance(validators, dict) or name not in validators:
        defined = ", ".join(validators) if isinstance(validators, dict) else "none"
        raise context.error(
            f"request validator {name!r} is not defined in x-amazon-apigateway-request-validators (defined: {defined})",
            where,
        )
    chosen = validators[name] or {}
    return bool(chosen.get("validateRequestParameters")), bool(chosen.get("validateRequestBody"))


def gateway_responses(context: CompileContext) -> GatewayResponses | None:
    key = "x-amazon-apigateway-gateway-responses"
    declared = context.document.root.get(key)
    if declared is None:
        return None
    at = context.document.root_location.child(key)
    if not isinstance(declared, dict):
        raise context.error(f"{key} must map response types to responses", at)
    styles: dict[str, GatewayResponseStyle] = {}
    for kind, entry in declared.items():
        where = at.child(kind)
        if not isinstance(entry, dict):
            raise context.error(f"gateway response {kind} must be a mapping", where)
        status = entry.get("statusCode")
        if status is not None and not str(status).isdigit():
            raise context.error(f"statusCode {status!r} is not an HTTP status", where.child("statusCode"))
        headers = tuple(
            (str(name)[len("gatewayresponse.header.") :], str(value))
            for name, value in (entry.get("responseParameters") or {}).items()
            if str(name).startswith("gatewayresponse.header.")
        )
        templates = entry.get("responseTemplates") or {}
        content_type, template = "application/json", None
        if isinstance(templates, dict) and templates:
            content_type = "application/json" if "application/json" in templates else str(next(iter(templates)))
            template = str(templates[content_type])
        styles[str(kind)] = GatewayResponseStyle(
            int(status) if status is not None else None, headers, template, content_type
        )
    return GatewayResponses(styles)


def cors_policy(context: CompileContext) -> CorsPolicy | None:
    """From `x-gateway.cors` or, in AWS specs, `x-amazon-apigateway-cors` (the same shape)."""
    gateway = context.document.root.get("x-gateway")
    if isinstance(gateway, dict) and "cors" in gateway:
        declared, at = gateway["cors"], context.document.root_location.child("x-gateway", "cors")
        key = "x-gateway.cors"
    else:
        key = "x-amazon-apigateway-cors"
        declared, at = context.document.root.get(key), context.document.root_location.child(key)
    if declared is None:
        return None
    if not isinstance(declared, dict):
        raise context.error(f"{key} must be a mapping (allowOrigins, allowMethods, ...)", at)

    def names(field: str, upper: bool = False) -> tuple[str, ...]:
        value = declared.get(field) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise context.error(f"{field} must be a list of strings", at.child(field))
        return tuple(item.upper() if upper and item != "*" else item for item in value)

    max_age = declared.get("maxAge")
    if max_age is not None and (not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0):
        raise context.error("maxAge must be a number of seconds", at.child("maxAge"))
    return CorsPolicy(
        origins=names("allowOrigins"),
        methods=names("allowMethods", upper=True) or ("*",),
        headers=tuple(h.lower() for h in names("allowHeaders")),
        expose_headers=names("exposeHeaders"),
        max_age=max_age,
        allow_credentials=bool(declared.get("allowCredentials")),
    )


def lambda_authorizers(context: CompileContext, integrations: AwsIntegrations) -> dict[str, LambdaAuthorizer]:
    """TOKEN and REQUEST authorizers by security scheme name: the managed gateway's
    `x-amazon-apigateway-authorizer` (its Lambda mapped like any other), or
    `x-gateway.authorizers.NAME: {type: token|request, handler: file.py:function, ...}`."""
    from apigw_cli.gateway.compiling.policies import security_schemes

    document = context.document
    gateway = document.root.get("x-gateway")
    local = gateway.get("authorizers") or {} if isinstance(gateway, dict) else {}
    found: dict[str, LambdaAuthorizer] = {}
    for name, scheme in security_schemes(document).items():
        raw = scheme.get("x-amazon-apigateway-authorizer") if isinstance(scheme, dict) else None
        mine = local.get(name) if isinstance(local.get(name), dict) else None
        config = {**(raw if isinstance(raw, dict) else {}), **(mine or {})}
        kind = str(config.get("type", "")).lower()
        if kind not in ("token", "request"):
            continue
        at = document.root_location.child("x-gateway", "authorizers", name) if mine else document.root_location
        reference = config.get("handler")
        if reference is None:
            function = lambda_ref(config.get("authorizerUri"))
            reference = integrations.handler_for(function) if function is not None else None
            if reference is None:
                raise context.error(
                    f"authorizer {name}: its Lambda ({function or 'no authorizerUri'}) has no local handler: "
                    "map it under x-gateway.lambdas or in --lambda-map",
                    at,
                )
        handler = load_handler(context, str(reference), at)
        default_source = "method.request.header.Authorization" if kind == "token" else ""
        sources = tuple(
            _identity_source(part.strip())
            for part in str(config.get("identitySource", default_source)).split(",")
            if part.strip()
        )
        if not sources or any(source is None for source in sources):
            raise context.error(f"authorizer {name}: identitySource must name headers or query parameters", at)
        expression = config.get("identityValidationExpression")
        found[name] = LambdaAuthorizer(
            name=name,
            kind=kind,
            handler=handler,
            reference=str(reference),
            identity_sources=tuple(s for s in sources if s),
            validation=re.compile(str(expression)) if expression else None,
            ttl=float(config.get("authorizerResultTtlInSeconds", 300)),
            simple=bool(config.get("enableSimpleResponses")),
            executor=context.executor,
            settings=context.lambda_settings,
            store=context.state.store,
            namespace=str(document.root_path),
        )
    return found


def _identity_source(text: str) -> str | None:
    for prefix, kind in (
        ("method.request.header.", "header"),
        ("$request.header.", "header"),
        ("method.request.querystring.", "query"),
        ("$request.querystring.", "query"),
    ):
        if text.startswith(prefix):
            return f"{kind}.{text[len(prefix) :]}"
    return None
