"""Rules about the managed gateway's `x-amazon-apigateway-*` extensions."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.compiling.aws_integrations import AWS_TYPES, INTEGRATION_KEY
from apigw_cli.gateway.compiling.cloudformation import LambdaRef, lambda_ref, service_of
from apigw_cli.lint.context import LintContext, Problem, as_map
from apigw_cli.lint.findings import Severity
from apigw_cli.lint.registry import rule
from apigw_cli.spec.walk import security_schemes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from apigw_cli.spec.document import Location

_AUTHORIZER_TYPES = ("token", "request", "cognito_user_pools", "jwt")


def _integrations(ctx: LintContext) -> Iterator[tuple[str, dict[str, Any], Location]]:
    for op in ctx.operations():
        raw = op.operation.get(INTEGRATION_KEY)
        if isinstance(raw, dict):
            yield op.route, raw, op.at.child(INTEGRATION_KEY)


@rule("aws-integration", Severity.ERROR, "x-amazon-apigateway-integration has a known type and what that type needs.")
def aws_integration(ctx: LintContext) -> Iterator[Problem]:
    for route, raw, at in _integrations(ctx):
        kind = str(raw.get("type", "")).lower()
        if kind not in AWS_TYPES:
            yield Problem(
                f"{route}: integration type {raw.get('type')!r} is not one of {', '.join(AWS_TYPES)}",
                at.child("type") if "type" in raw else at,
            )
            continue
        if kind != "mock" and "uri" not in raw:
            yield Problem(f"{route}: a {kind} integration needs a uri", at)
        method = str(raw.get("httpMethod", "")).upper()
        if kind == "aws_proxy" and method != "POST":
            yield Problem(
                f"{route}: Lambda is invoked with POST: set httpMethod: POST (found {method or 'none'})",
                at.child("httpMethod") if "httpMethod" in raw else at,
            )


@rule("aws-request-validator", Severity.ERROR, "Request validators named by operations or the root are declared.")
def aws_request_validator(ctx: LintContext) -> Iterator[Problem]:
    declared = ctx.root.get("x-amazon-apigateway-request-validators") or {}
    key = "x-amazon-apigateway-request-validator"
    sites = [(ctx.root.get(key), ctx.at(key))] + [(op.operation.get(key), op.at.child(key)) for op in ctx.operations()]
    for name, at in sites:
        if name is not None and (not isinstance(declared, dict) or name not in declared):
            known = ", ".join(declared) if isinstance(declared, dict) and declared else "none"
            yield Problem(
                f"request validator {name!r} is not declared in x-amazon-apigateway-request-validators "
                f"(declared: {known})",
                at,
            )


@rule(
    "aws-authorizer",
    Severity.ERROR,
    "Authorizers declared with x-amazon-apigateway-authorizer have a known type and what it needs.",
)
def aws_authorizer(ctx: LintContext) -> Iterator[Problem]:
    schemes = security_schemes(ctx.document)
    at = ctx.at("securityDefinitions") if ctx.dialect == "2.0" else ctx.at("components", "securitySchemes")
    for name, scheme in schemes.items():
        authorizer = scheme.get("x-amazon-apigateway-authorizer") if isinstance(scheme, dict) else None
        if not isinstance(authorizer, dict):
            continue
        where = at.child(name, "x-amazon-apigateway-authorizer")
        kind = str(authorizer.get("type", "")).lower()
        if kind not in _AUTHORIZER_TYPES:
            yield Problem(
                f"authorizer {name}: type {authorizer.get('type')!r} is not one of {', '.join(_AUTHORIZER_TYPES)}",
                where,
            )
        elif kind in ("token", "request") and "authorizerUri" not in authorizer:
            yield Problem(f"authorizer {name}: a {kind} authorizer needs authorizerUri (its Lambda)", where)
        elif kind == "jwt" and not isinstance(authorizer.get("jwtConfiguration"), dict):
            yield Problem(f"authorizer {name}: a jwt authorizer needs jwtConfiguration (issuer, audience)", where)


def vtl_problem(template: str) -> str | None:
    """Why a mapping template does not parse (the engine serve renders it with), or None."""
    if not template.strip():
        return None
    from apigw_cli.gateway.vtl.engine import CompiledTemplate
    from apigw_cli.gateway.vtl.errors import TemplateSyntaxError

    try:
        CompiledTemplate(template, "lint")
    except TemplateSyntaxError as exc:
        return f"does not parse: {exc} (serve answers 500 where it is used)"
    return None


@rule("aws-vtl", Severity.WARN, "Mapping templates (VTL) parse (serve answers 500 where one that does not is used).")
def aws_vtl(ctx: LintContext) -> Iterator[Problem]:
    for route, raw, at in _integrations(ctx):
        places: list[tuple[Any, Location]] = [(raw.get("requestTemplates"), at.child("requestTemplates"))]
        for code, entry in as_map(raw.get("responses")).items() if isinstance(raw.get("responses"), dict) else ():
            if isinstance(entry, dict):
                places.append((entry.get("responseTemplates"), at.child("responses", code, "responseTemplates")))
        for templates, where in places:
            for media_type, template in templates.items() if isinstance(templates, dict) else ():
                problem = vtl_problem(str(template or ""))
                if problem:
                    yield Problem(f"{route}: template for {media_type}: {problem}", where.child(media_type))


def _mapped(ctx: LintContext, function: LambdaRef) -> bool:
    gateway = ctx.root.get("x-gateway") or {}
    lambdas = gateway.get("lambdas") if isinstance(gateway, dict) else None
    keys = [key for key, _ in ctx.lambda_map] + (list(lambdas) if isinstance(lambdas, dict) else [])
    return any(function.matches(str(key)) for key in keys)


@rule(
    "aws-lambda-unmapped", Severity.WARN, "Lambda functions have a local handler (x-gateway.lambdas or --lambda-map)."
)
def aws_lambda_unmapped(ctx: LintContext) -> Iterator[Problem]:
    for route, raw, at in _integrations(ctx):
        if str(raw.get("type", "")).lower() not in ("aws_proxy", "aws"):
            continue
        function = lambda_ref(raw.get("uri"))
        if function is not None and not _mapped(ctx, function):
            yield Problem(
                f"{route}: Lambda {function} has no local handler: map it under x-gateway.lambdas or in "
                "--lambda-map (serve answers 502)",
                at.child("uri"),
            )


@rule("aws-unsupported", Severity.INFO, "Features the local gateway cannot run are named.")
def aws_unsupported(ctx: LintContext) -> Iterator[Problem]:
    for route, raw, at in _integrations(ctx):
        kind = str(raw.get("type", "")).lower()
        if kind == "aws" and lambda_ref(raw.get("uri")) is None:
            yield Problem(
                f"{route}: integration type aws to {service_of(raw.get('uri')) or 'an AWS service'} "
                "cannot run locally (serve answers 501)",
                at,
            )


# the x-amazon-apigateway-* keys apigw reads (compiling/aws.py); any other is named as not applied
READ_KEYS = frozenset(
    {
        "x-amazon-apigateway-integration", "x-amazon-apigateway-any-method", "x-amazon-apigateway-request-validators",
        "x-amazon-apigateway-request-validator", "x-amazon-apigateway-binary-media-types",
        "x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-cors", "x-amazon-apigateway-api-key-source",
    }
)  # fmt: skip


@rule(
    "aws-extension-unread",
    Severity.INFO,
    "x-amazon-apigateway-* extensions the local gateway does not apply are named.",
)
def aws_extension_unread(ctx: LintContext) -> Iterator[Problem]:
    sites: list[tuple[dict[str, Any], Location, str]] = [(ctx.root, ctx.at(), "the API")]
    sites += [(op.operation, op.at, op.route) for op in ctx.operations()]
    for container, at, where in sites:
        for key in container:
            if str(key).startswith("x-amazon-apigateway-") and key not in READ_KEYS:
                yield Problem(f"{key} on {where} is not applied by the local gateway", at.child(key))


_PATH_SEGMENT = re.compile(r"^(\{[A-Za-z0-9_.\-]+\+?\}|[A-Za-z0-9\-._,]+)$")
_MODEL_NAME = re.compile(r"^[A-Za-z0-9]+$")
# keywords the managed gateway documents as unsupported in REST API models (its "important notes")
_MODEL_KEYWORDS = ("discriminator", "readOnly", "anyOf", "oneOf", "additionalProperties")


@rule(
    "aws-import",
    Severity.WARN,
    "A spec written for the managed gateway is what it imports: OpenAPI 2.0 or 3.0, REST API model names of "
    "letters and digits, path segments it accepts, no model keywords it does not support.",
)
def aws_import(ctx: LintContext) -> Iterator[Problem]:
    from apigw_cli.spec.flavour import detect_flavour

    flavour = detect_flavour(ctx.document)
    if flavour == "plain":
        return  # not written for the managed gateway
    if ctx.dialect == "3.1":
        yield Problem(
            "the managed gateway imports OpenAPI 2.0 and 3.0 only: this 3.1 spec will not import "
            "(apigw export takes it down to 3.0)",
            ctx.at("openapi"),
        )
    for path in as_map(ctx.root.get("paths")):
        for segment in str(path).strip("/").split("/"):
            if segment and not _PATH_SEGMENT.match(segment):
                yield Problem(
                    f"path {path}: segment {segment!r} is not one the managed gateway accepts (letters, digits, "
                    "-._, and whole-segment {parameters})",
                    ctx.at("paths", path),
                )
                break
    if flavour != "rest":
        return
    for name, schema, at in ctx.component_schemas():
        if not _MODEL_NAME.match(name):
            yield Problem(f"model name {name!r}: REST API model names are letters and digits only", at)
        for node, where in ctx.walk_schema(schema, at):
            for keyword in _MODEL_KEYWORDS:
                if keyword in node and not (keyword == "additionalProperties" and node[keyword] in (True, {})):
                    yield Problem(
                        f"{keyword} is not supported in REST API models (the import drops it)", where.child(keyword)
                    )
