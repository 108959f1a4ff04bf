"""API keys, all of it: the keys and usage plans (`x-gateway.apiKeys`, `x-gateway.usagePlans`, a
`--api-keys` file), which operations require one (their `security` names an apiKey scheme on
`x-api-key`), and the stage: 403 without a recognised key, as the managed gateway answers; the key
found becomes the request's principal, and its plan's throttle and quota apply."""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import SpecError
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.limits import Quota
from apigw_cli.gateway.principal import ApiKey, UsagePlan
from apigw_cli.gateway.stages.throttle import read_throttle
from apigw_cli.spec.document import Location, SpecDocument, display_path, parse_file_shown
from apigw_cli.spec.walk import security_of, security_schemes

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler

API_KEY_HEADER = "x-api-key"


@dataclass(frozen=True, slots=True)
class ApiKeys:
    keys: tuple[ApiKey, ...]
    header: str  # lower-case header the key is read from: x-api-key, or authorization

    def find(self, presented: str | None) -> ApiKey | None:
        """The key `presented` is, compared in constant time against every key."""
        if not presented:
            return None
        found = None
        for key in self.keys:
            if hmac.compare_digest(key.value.encode(), presented.encode()):
                found = key
        return found


class ApiKeyStage:
    def __init__(self, keys: ApiKeys, required: Sequence[bool]):
        self._keys = keys
        self._required = required  # by operation index

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        if operation is None or not self._required[operation.index]:
            return await call_next(exchange)
        presented = exchange.request.header(self._keys.header)
        key = self._keys.find(presented)
        if key is None:
            exchange.error = "API key missing" if not presented else "API key not recognised"
            return gateway_error("INVALID_API_KEY")
        exchange.api_key = key
        return await call_next(exchange)


def read_api_keys(document: SpecDocument, keys_file: Path | None, static: bool = False) -> ApiKeys:
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
    other schemes it names that are not in `enforced` (not enforced by this gateway yet)."""
    security = security_of(document, operation)
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
