"""Parameter mapping of HTTP APIs (developer guide, "Transforming API requests and responses" for
HTTP APIs): on the request to an HTTP proxy integration, `overwrite:`, `append:` or `remove:` a
`header.NAME` or `querystring.NAME`, or `overwrite:path`; on the response, per status code,
`overwrite:statuscode` and the same header actions. Values are static text or references
(`$request.header.NAME`, `$request.body.x`, `$context.requestId`, `$stageVariables.NAME`, and on
the response `$response.header.NAME` / `$response.body.x`), alone or inside text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from apigw_cli.gateway import json_text
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.integrations.http_api_values import MappedValue
from apigw_cli.gateway.json_paths import NOTHING, evaluate

if TYPE_CHECKING:
    from apigw_cli.gateway.deployment import Deployment

Action = Literal["overwrite", "append", "remove"]
_KEY = re.compile(r"^(overwrite|append|remove):(header\.(.+)|querystring\.(.+)|path|statuscode)$")
_RESPONSE_REFERENCE = re.compile(r"\$(?:\{)?response\.(header\.[A-Za-z0-9_.\-]+|body(?:\.[^\s,;}]*)?)(?:\})?")


class HttpApiMappingError(ValueError):
    """A mapping key or value an HTTP API would not accept."""


@dataclass(frozen=True, slots=True)
class HttpApiMapping:
    action: Action
    target: Literal["header", "querystring", "path", "statuscode"]
    name: str  # the header or query string name; "" for path and statuscode
    text: str  # as written
    value: MappedValue  # split once; references resolved per request
    from_response: bool = False  # it reads $response.*: resolved against the integration's answer

    @classmethod
    def parse(cls, key: str, value: str, response: bool) -> HttpApiMapping:
        found = _KEY.match(key)
        if found is None:
            raise HttpApiMappingError(
                f"{key!r} is not overwrite:|append:|remove: followed by header.NAME, querystring.NAME, "
                "path or statuscode"
            )
        action, what = found.group(1), found.group(2)
        target = "header" if found.group(3) else "querystring" if found.group(4) else what
        if response and target not in ("header", "statuscode"):
            raise HttpApiMappingError(f"{key!r}: a response maps only header.NAME and statuscode")
        if not response and target == "statuscode":
            raise HttpApiMappingError(f"{key!r}: statuscode is mapped on responses only")
        if target in ("path", "statuscode") and action != "overwrite":
            raise HttpApiMappingError(f"{key!r}: {target} can only be overwritten")
        name = (found.group(3) or found.group(4) or "").lower()
        parsed = MappedValue.parse(value)
        from_response = response and _RESPONSE_REFERENCE.search(value) is not None
        return cls(action, target, name, value, parsed, from_response)  # type: ignore[arg-type]


@dataclass(slots=True)
class OutgoingRequest:
    path: str | None  # overwrite:path, else None (the integration's own)
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]


def _apply(pairs: list[tuple[str, str]], mapping: HttpApiMapping, value: str | None) -> list[tuple[str, str]]:
    name = mapping.name

    def same(key: str) -> bool:
        return key.lower() == name if mapping.target == "header" else key == name

    if mapping.action == "remove":
        return [(key, item) for key, item in pairs if not same(key)]
    if value is None:
        return pairs
    if mapping.action == "overwrite":
        return [(key, item) for key, item in pairs if not same(key)] + [(name, value)]
    return [*pairs, (name, value)]


@dataclass(frozen=True, slots=True)
class HttpApiRequestParameters:
    mappings: tuple[HttpApiMapping, ...] = ()

    def apply(self, exchange: Exchange, deployment: Deployment, outgoing: OutgoingRequest) -> None:
        for mapping in self.mappings:
            value = mapping.value.render(exchange, deployment) if mapping.action != "remove" else None
            if mapping.target == "path":
                if value is not None:
                    outgoing.path = value if value.startswith("/") else "/" + value
            elif mapping.target == "header":
                outgoing.headers = _apply(outgoing.headers, mapping, value)
            else:
                outgoing.query = _apply(outgoing.query, mapping, value)


@dataclass(frozen=True, slots=True)
class HttpApiResponseParameters:
    by_status: dict[str, tuple[HttpApiMapping, ...]] = field(default_factory=dict)

    def apply(self, exchange: Exchange, deployment: Deployment, response: GatewayResponse) -> GatewayResponse:
        mappings = self.by_status.get(str(response.status))
        if not mappings:
            return response
        original = GatewayResponse(response.status, list(response.headers), response.body)
        for mapping in mappings:
            value = None
            if mapping.action != "remove":
                value = _response_value(mapping, original, exchange, deployment)
            if mapping.target == "statuscode":
                if value is not None and value.isdigit() and 100 <= int(value) <= 599:
                    response.status = int(value)
            else:
                response.headers = _apply(response.headers, mapping, value)
        return response


def _response_value(
    mapping: HttpApiMapping, answer: GatewayResponse, exchange: Exchange, deployment: Deployment
) -> str | None:
    if not mapping.from_response:
        return mapping.value.render(exchange, deployment)

    def reference(found: re.Match[str]) -> str:
        what = found.group(1)
        if what.startswith("header."):
            return answer.header(what[len("header.") :]) or ""
        path = what[len("body") :].lstrip(".")
        if not path:
            return answer.body.decode("utf-8", errors="replace")
        try:
            picked = evaluate("$." + path, json_text.loads(answer.body))
        except ValueError:
            return ""
        if picked is NOTHING or picked is None:
            return ""
        return picked if isinstance(picked, str) else json.dumps(picked, separators=(",", ":"))

    return MappedValue.parse(_RESPONSE_REFERENCE.sub(reference, mapping.text)).render(exchange, deployment)


def parse_http_api_request(declared: dict[str, object]) -> HttpApiRequestParameters:
    return HttpApiRequestParameters(
        tuple(HttpApiMapping.parse(str(key), str(value), response=False) for key, value in declared.items())
    )


def parse_http_api_responses(declared: dict[str, object]) -> HttpApiResponseParameters:
    found: dict[str, tuple[HttpApiMapping, ...]] = {}
    for status, entries in declared.items():
        if not str(status).isdigit() or not isinstance(entries, dict):
            raise HttpApiMappingError(f"responseParameters {status!r}: map a status code to its mappings")
        found[str(status)] = tuple(
            HttpApiMapping.parse(str(key), str(value), response=True) for key, value in entries.items()
        )
    return HttpApiResponseParameters(found)
