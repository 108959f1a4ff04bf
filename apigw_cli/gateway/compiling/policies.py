"""Throttles, API keys and usage plans from `x-gateway`, `x-throttle`, `security` and `--api-keys`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from apigw_cli.errors import SpecError
from apigw_cli.gateway.jwt_auth import JwtAuthorizer, load_jwks_text
from apigw_cli.gateway.policies import (
    DEFAULT_BURST,
    DEFAULT_CACHE_TTL,
    DEFAULT_RATE,
    MAX_CACHE_TTL,
    ApiKey,
    ApiKeys,
    CachePolicy,
    Quota,
    Throttle,
    UsagePlan,
)
from apigw_cli.spec.document import Location, SpecDocument, display_path, parse_file_shown

API_KEY_HEADER = "x-api-key"
AuthorizerT = TypeVar("AuthorizerT")


def read_throttle(document: SpecDocument, raw: Any, at: Location) -> Throttle:
    if not isinstance(raw, dict):
        raise document.error("a throttle is {rate: requests a second, burst: bucket size}", at)
    rate = raw.get("rate", DEFAULT_RATE)
    burst = raw.get("burst", DEFAULT_BURST)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or rate <= 0:
        raise document.error(f"throttle rate {rate!r} must be a positive number of requests a second", at.child("rate"))
    if not isinstance(burst, int) or isinstance(burst, bool) or burst < 1:
        raise document.error(f"throttle burst {burst!r} must be a whole number of at least 1", at.child("burst"))
    return Throttle(float(rate), burst)


def api_throttle(document: SpecDocument) -> Throttle:
    gateway = document.root.get("x-gateway")
    raw = gateway.get("throttle") if isinstance(gateway, dict) else None
    if raw is None:
        return Throttle(DEFAULT_RATE, DEFAULT_BURST)
    return read_throttle(document, raw, document.root_location.child("x-gateway", "throttle"))


def api_keys(document: SpecDocument, keys_file: Path | None, static: bool = False) -> ApiKeys:
    """`static` (lint): keys from the environment need not be set, they are checked only by name."""
    at = document.root_location.child("x-gateway")
    gateway: Any = document.root.get("x-gateway") or {}
    plans = _usage_plans(document, gateway.get("usagePlans") or [], at.child("usagePlans"))
    plan_of = {key: plan for plan, keys in plans for key in keys}
    entries: list[tuple[Any, str, Any]] = [
        (entry, str(display_path(document.root_path)), at.child("apiKeys", index))
        for index, entry in enumerate(gateway.get("apiKeys") or [])
    ]
    if keys_file is not None:
        data = parse_file_shown(keys_file)
        listed = data.get("apiKeys") if isinstance(data, dict) else data
        if not isinstance(listed, list):
            raise SpecError(
                "an API keys file is a list of {name, value} (or {name, valueFrom: env:VAR})", keys_file, 1, 1
            )
        entries += [(entry, str(keys_file), None) for entry in listed]
    keys: list[ApiKey] = []
    for entry, source, where in entries:
        name, value = _key(entry, source, where, document, static)
        keys.append(ApiKey(name, value, plan_of.get(name)))
    header = API_KEY_HEADER
    if str(document.root.get("x-amazon-apigateway-api-key-source", "HEADER")).upper() == "AUTHORIZER":
        header = "authorization"
    return ApiKeys(tuple(keys), header)


def _key(entry: Any, source: str, where: Location | None, document: SpecDocument, static: bool) -> tuple[str, str]:
    def fail(message: str) -> SpecError:
        return document.error(message, where) if where is not None else SpecError(message, source)

    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise fail("an API key is {name, value} or {name, valueFrom: env:VAR}")
    if isinstance(entry.get("value"), str):
        return entry["name"], entry["value"]
    reference = entry.get("valueFrom")
    if isinstance(reference, str) and reference.startswith("env:"):
        variable = reference[len("env:") :]
        value = os.environ.get(variable)
        if static:
            return entry["name"], value or f"<{variable}>"
        if not value:
            raise fail(f"API key {entry['name']}: environment variable {variable} is not set")
        return entry["name"], value
    raise fail(f"API key {entry['name']}: give value or valueFrom: env:VAR")


def _usage_plans(document: SpecDocument, raw: Any, at: Location) -> list[tuple[UsagePlan, list[str]]]:
    if not isinstance(raw, list):
        raise document.error("x-gateway.usagePlans must be a list", at)
    plans = []
    for index, entry in enumerate(raw):
        where = at.child(index)
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise document.error("a usage plan is {name, keys, throttle?, quota?}", where)
        throttle = read_throttle(document, entry["throttle"], where.child("throttle")) if "throttle" in entry else None
        quota = None
        if "quota" in entry:
            raw_quota = entry["quota"]
            period = str(raw_quota.get("period", "")).upper() if isinstance(raw_quota, dict) else ""
            limit = raw_quota.get("limit") if isinstance(raw_quota, dict) else None
            if period not in ("DAY", "WEEK", "MONTH") or not isinstance(limit, int) or limit < 0:
                raise document.error("a quota is {limit: requests, period: DAY | WEEK | MONTH}", where.child("quota"))
            quota = Quota(limit, period)  # type: ignore[arg-type]
        keys = entry.get("keys") or []
        plans.append((UsagePlan(entry["name"], throttle, quota), [str(key) for key in keys]))
    return plans


def security_schemes(document: SpecDocument) -> dict[str, Any]:
    if document.dialect == "2.0":
        schemes = document.root.get("securityDefinitions")
    else:
        components = document.root.get("components")
        schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    return schemes if isinstance(schemes, dict) else {}


def is_api_key_scheme(scheme: Any) -> bool:
    return (
        isinstance(scheme, dict)
        and scheme.get("type") == "apiKey"
        and str(scheme.get("in", "")).lower() == "header"
        and str(scheme.get("name", "")).lower() == API_KEY_HEADER
    )


def requires_api_key(
    document: SpecDocument, operation: dict[str, Any], enforced: frozenset[str] = frozenset()
) -> tuple[bool, list[str]]:
    """Whether every alternative of the operation's security names an API key scheme, and the
    other schemes it names (not enforced by this gateway yet)."""
    security = operation.get("security", document.root.get("security"))
    if not isinstance(security, list) or not security:
        return False, []
    schemes = security_schemes(document)
    others: list[str] = []
    required = True
    for alternative in security:
        names = list(alternative) if isinstance(alternative, dict) else []
        if not any(is_api_key_scheme(schemes.get(name)) for name in names):
            required = False
        others += [name for name in names if not is_api_key_scheme(schemes.get(name)) and name not in enforced]
    return required, others


def read_cache(document: SpecDocument, raw: Any, at: Location) -> CachePolicy | None:
    if not isinstance(raw, dict):
        raise document.error("x-cache is {ttl: seconds, keys: [query.NAME, header.NAME]}", at)
    if raw.get("enabled") is False:
        return None
    ttl = raw.get("ttl", DEFAULT_CACHE_TTL)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= MAX_CACHE_TTL:
        raise document.error(f"x-cache ttl {ttl!r} must be 0 to {MAX_CACHE_TTL} seconds", at.child("ttl"))
    keys = raw.get("keys") or []
    if not isinstance(keys, list) or not all(
        isinstance(k, str) and k.split(".")[0] in ("query", "header") for k in keys
    ):
        raise document.error("x-cache keys are query.NAME or header.NAME", at.child("keys"))
    only_authorized = raw.get("requireAuthorizationForCacheControl", False)
    if not isinstance(only_authorized, bool):
        raise document.error("requireAuthorizationForCacheControl must be true or false", at)
    return CachePolicy(ttl, tuple(keys), only_authorized) if ttl > 0 else None


def jwt_authorizers(document: SpecDocument) -> dict[str, JwtAuthorizer]:
    """JWT authorizers by security scheme name, from x-gateway.authorizers and the managed
    gateway's `x-amazon-apigateway-authorizer: {type: jwt}` (whose keys x-gateway can point at)."""
    gateway = document.root.get("x-gateway")
    local: dict[str, Any] = gateway.get("authorizers") or {} if isinstance(gateway, dict) else {}
    at = document.root_location.child("x-gateway", "authorizers")
    found: dict[str, JwtAuthorizer] = {}
    lambda_kinds = ("token", "request")
    local = {
        name: entry
        for name, entry in local.items()
        if not (isinstance(entry, dict) and (str(entry.get("type")).lower() in lambda_kinds or "handler" in entry))
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
        if isinstance(aws, dict) and str(aws.get("type", "")).lower() == "jwt":
            jwt_config = aws.get("jwtConfiguration") or {}
            config.update({"issuer": jwt_config.get("issuer"), "audience": jwt_config.get("audience")})
            source = str(aws.get("identitySource", "$request.header.Authorization"))
            config["header"] = source.rsplit(".", 1)[-1]
        mine = local.get(name)
        if mine is not None:
            if not isinstance(mine, dict) or str(mine.get("type", "jwt")).lower() != "jwt":
                raise document.error("an authorizer is {type: jwt, issuer, audience, algorithms, jwks}", at.child(name))
            config.update({k: v for k, v in mine.items() if k != "type"})
        found[name] = _jwt_authorizer(document, name, config, at.child(name) if name in local else at)
    return found


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
    security = operation.get("security", document.root.get("security"))
    if not isinstance(security, list):
        return None
    for alternative in security:
        if isinstance(alternative, dict):
            for name, scopes in alternative.items():
                if name in authorizers:
                    return authorizers[name], tuple(str(scope) for scope in scopes or [])
    return None
