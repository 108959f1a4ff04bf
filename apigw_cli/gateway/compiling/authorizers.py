"""The authorizers `securitySchemes` and `x-gateway.authorizers` declare, read from the spec: JWT
authorizers (HTTP API `jwt`, Cognito-style issuers with a JWKS) and Lambda authorizers (TOKEN and
REQUEST, their Lambda mapped to a local handler), and which of them an operation's `security`
names. What they do per request is in stages/jwt.py and stages/lambda_authorizer.py."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypeVar

from apigw_cli.gateway.compiling.cloudformation import handler_for, lambda_ref
from apigw_cli.gateway.stages.jwt import JwtAuthorizer, load_jwks_text
from apigw_cli.gateway.stages.lambda_authorizer import LambdaAuthorizer, UnavailableAuthorizer
from apigw_cli.spec.walk import security_of, security_schemes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from apigw_cli.gateway.compiling.context import CompileContext
    from apigw_cli.spec.document import Location, SpecDocument

AuthorizerT = TypeVar("AuthorizerT")
LAMBDA_AUTHORIZER_TYPES = ("token", "request")


def jwt_authorizers(document: SpecDocument) -> dict[str, JwtAuthorizer]:
    """JWT authorizers by security scheme name, from x-gateway.authorizers and the managed
    gateway's `x-amazon-apigateway-authorizer: {type: jwt}` (whose keys x-gateway can point at)."""
    gateway = document.root.get("x-gateway")
    local: dict[str, Any] = gateway.get("authorizers") or {} if isinstance(gateway, dict) else {}
    at = document.root_location.child("x-gateway", "authorizers")
    found: dict[str, JwtAuthorizer] = {}
    local = {
        name: entry
        for name, entry in local.items()
        if not (
            isinstance(entry, dict)
            and (str(entry.get("type")).lower() in LAMBDA_AUTHORIZER_TYPES or "handler" in entry)
        )
    }
    names = set(local) | {
        name
        for name, scheme in security_schemes(document).items()
        if isinstance(scheme, dict)
        and str((scheme.get("x-amazon-apigateway-authorizer") or {}).get("type", "")).lower() == "jwt"
    }
    for name in sorted(names):
        config: dict[str, Any] = {}
        aws = (security_schemes(document).get(name) or {}).get("x-amazon-apigateway-authorizer") or {}
        aws_type = str(aws.get("type", "")).lower() if isinstance(aws, dict) else ""
        if aws_type == "jwt":
            jwt_config = aws.get("jwtConfiguration") or {}
            config.update({"issuer": jwt_config.get("issuer"), "audience": jwt_config.get("audience")})
            source = str(aws.get("identitySource", "$request.header.Authorization"))
            config["header"] = source.rsplit(".", 1)[-1]
        elif aws_type == "cognito_user_pools":  # its tokens are JWTs its pool signs: checked with local keys
            config["issuer"] = _cognito_issuer(aws.get("providerARNs"))
            config["header"] = str(aws.get("identitySource", "method.request.header.Authorization")).rsplit(".", 1)[-1]
        mine = local.get(name)
        if mine is not None:
            if not isinstance(mine, dict) or str(mine.get("type", "jwt")).lower() != "jwt":
                raise document.error("an authorizer is {type: jwt, issuer, audience, algorithms, jwks}", at.child(name))
            config.update({k: v for k, v in mine.items() if k != "type"})
        found[name] = _jwt_authorizer(document, name, config, at.child(name) if name in local else at)
    return found


def cognito_schemes(document: SpecDocument) -> frozenset[str]:
    """Security schemes that are Cognito user pool authorizers."""
    return frozenset(
        name
        for name, scheme in security_schemes(document).items()
        if isinstance(scheme, dict)
        and isinstance(scheme.get("x-amazon-apigateway-authorizer"), dict)
        and str(scheme["x-amazon-apigateway-authorizer"].get("type", "")).lower() == "cognito_user_pools"
    )


def _cognito_issuer(arns: Any) -> str | None:
    """The issuer a Cognito user pool's tokens carry, from its ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID)."""
    arn = arns[0] if isinstance(arns, list) and arns else None
    parts = str(arn).split(":") if arn else []
    if len(parts) == 6 and parts[5].startswith("userpool/"):
        return f"https://cognito-idp.{parts[3]}.amazonaws.com/{parts[5][len('userpool/') :]}"
    return None


def _jwt_authorizer(document: SpecDocument, name: str, config: dict[str, Any], at: Location) -> JwtAuthorizer:
    audience = config.get("audience") or []
    audiences = (audience,) if isinstance(audience, str) else tuple(str(a) for a in audience)
    algorithms = tuple(str(a) for a in config.get("algorithms") or ["RS256"])
    if any(a.lower() == "none" for a in algorithms):
        raise document.error(f"authorizer {name}: algorithm 'none' is never accepted", at)
    issuer = config.get("issuer")
    options: dict[str, Any] = {
        "name": name,
        "issuer": str(issuer) if issuer else None,
        "audiences": audiences,
        "algorithms": algorithms,
        "header": str(config.get("header") or "Authorization").lower(),
    }
    jwks = config.get("jwks")
    if jwks is None and issuer:
        jwks = str(issuer).rstrip("/") + "/.well-known/jwks.json"
    if not isinstance(jwks, str):
        raise document.error(f"authorizer {name}: give jwks (a JWKS file next to the spec, or its URL)", at)
    if jwks.startswith(("http://", "https://")):
        return JwtAuthorizer(jwks_url=jwks, **options)
    path = (document.root_path.parent / jwks).resolve()
    try:
        return JwtAuthorizer.with_jwks(load_jwks_text(path.read_text(encoding="utf-8")), **options)
    except (OSError, ValueError) as exc:
        raise document.error(f"authorizer {name}: JWKS {jwks} cannot be used: {exc}", at) from None


def security_requirement(
    document: SpecDocument, operation: dict[str, Any], authorizers: Mapping[str, AuthorizerT]
) -> tuple[AuthorizerT, tuple[str, ...]] | None:
    """The first authorizer among `authorizers` the operation's security names, with its scopes."""
    security = security_of(document, operation)
    if not isinstance(security, list):
        return None
    for alternative in security:
        if isinstance(alternative, dict):
            for name, scopes in alternative.items():
                if name in authorizers:
                    return authorizers[name], tuple(str(scope) for scope in scopes or [])
    return None


def lambda_authorizers(context: CompileContext) -> dict[str, LambdaAuthorizer | UnavailableAuthorizer]:
    """TOKEN and REQUEST authorizers by security scheme name: the managed gateway's
    `x-amazon-apigateway-authorizer` (its Lambda mapped like any other), or
    `x-gateway.authorizers.NAME: {type: token|request, handler: file.py:function, ...}`. One whose
    Lambda has no local handler, and a Cognito user pool authorizer with no local JWKS, are
    UnavailableAuthorizers: their routes answer 500, the server starts."""
    document = context.document
    gateway = document.root.get("x-gateway")
    local = gateway.get("authorizers") or {} if isinstance(gateway, dict) else {}
    found: dict[str, LambdaAuthorizer | UnavailableAuthorizer] = {}
    for name, scheme in security_schemes(document).items():
        raw = scheme.get("x-amazon-apigateway-authorizer") if isinstance(scheme, dict) else None
        mine = local.get(name) if isinstance(local.get(name), dict) else None
        config = {**(raw if isinstance(raw, dict) else {}), **(mine or {})}
        kind = str(config.get("type", "")).lower()
        if kind == "cognito_user_pools" and mine is None:
            found[name] = UnavailableAuthorizer(
                name,
                "a Cognito user pool authorizer needs the pool's keys here: "
                f"x-gateway.authorizers.{name}: {{jwks: file-or-url}} checks its tokens as a JWT authorizer",
            )
            continue
        if kind not in LAMBDA_AUTHORIZER_TYPES:
            continue
        at = document.root_location.child("x-gateway", "authorizers", name) if mine else document.root_location
        reference = config.get("handler")
        if reference is None:
            function = lambda_ref(config.get("authorizerUri"))
            reference = handler_for(function, context.options.lambdas) if function is not None else None
            if reference is None:
                found[name] = UnavailableAuthorizer(
                    name,
                    f"its Lambda ({function or 'no authorizerUri'}) has no local handler: "
                    "map it under x-gateway.lambdas or in --lambda-map",
                )
                continue
        handler = context.load_handler(str(reference), at)
        default_source = "method.request.header.Authorization" if kind == "token" else ""
        sources = []
        for part in str(config.get("identitySource", default_source)).split(","):
            source = _identity_source(part.strip())
            if source is None:
                context.notices.append(f"authorizer {name}: identity source {part.strip()!r} is not read locally")
            elif source:
                sources.append(source)
        expression = config.get("identityValidationExpression")
        found[name] = LambdaAuthorizer(
            name=name,
            kind=kind,
            handler=handler,
            reference=str(reference),
            identity_sources=tuple(sources),
            validation=re.compile(str(expression)) if expression else None,
            ttl=float(config.get("authorizerResultTtlInSeconds", 300)),
            simple=bool(config.get("enableSimpleResponses")),
            executor=context.executor,
            deployment=context.deployment,
            store=context.state.store,
            namespace=str(document.root_path),
        )
    return found


_SOURCES = (
    ("method.request.header.", "header"),
    ("method.request.multivalueheader.", "header"),
    ("$request.header.", "header"),
    ("method.request.querystring.", "query"),
    ("method.request.multivaluequerystring.", "query"),
    ("$request.querystring.", "query"),
    ("route.request.header.", "header"),  # a WebSocket API's $connect
    ("route.request.querystring.", "query"),
    ("stageVariables.", "stageVariables"),
    ("$stageVariables.", "stageVariables"),
    ("context.", "context"),
    ("$context.", "context"),
)


def _identity_source(text: str) -> str | None:
    """`header.NAME`, `query.NAME`, `stageVariables.NAME` or `context.NAME` for an identity source;
    "" for none; None for one that cannot be read here."""
    if not text:
        return ""
    for prefix, kind in _SOURCES:
        if text.startswith(prefix):
            return f"{kind}.{text[len(prefix) :]}"
    return None
