"""The managed gateway's customisable gateway responses (`x-amazon-apigateway-gateway-responses`):
for an error the gateway answers itself, by response type (BAD_REQUEST_BODY, THROTTLED, ...,
falling back to DEFAULT_4XX / DEFAULT_5XX), a status, headers and a body template. The styles,
their reader and the stage that applies them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.stages.stage import Handler
from apigw_cli.spec.document import SpecDocument

_CONTEXT_VARIABLE = re.compile(r"\$(?:\{)?context\.([A-Za-z.]+)(?:\})?")


@dataclass(frozen=True, slots=True)
class GatewayResponseStyle:
    status: int | None
    headers: tuple[tuple[str, str], ...]  # name, 'literal' or method.request.header.X
    template: str | None
    content_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class GatewayResponses:
    styles: Mapping[str, GatewayResponseStyle]

    def restyle(self, exchange: Exchange, response: GatewayResponse) -> GatewayResponse:
        kind = response.response_type
        if kind is None:
            return response
        style = self.styles.get(kind) or self.styles.get("DEFAULT_5XX" if response.status >= 500 else "DEFAULT_4XX")
        if style is None:
            return response
        message = response.message
        if style.status is not None:
            response.status = style.status
        for name, source in style.headers:
            value = _header_value(exchange, source)
            if value is not None:
                response.set_header(name, value)
        if style.template is not None:
            response.body = _render(style.template, exchange, kind, message).encode()
            response.set_header("content-type", style.content_type)
        return response


def _header_value(exchange: Exchange, source: str) -> str | None:
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    prefix = "method.request.header."
    if source.startswith(prefix):
        return exchange.request.header(source[len(prefix) :].lower())
    return None


def _render(template: str, exchange: Exchange, kind: str, message: str) -> str:
    values = {
        "error.message": message,
        "error.messageString": json.dumps(message),
        "error.responseType": kind,
        "requestId": exchange.request_id,
        "httpMethod": exchange.request.method,
        "path": exchange.request.path,
        "resourcePath": exchange.operation.path if exchange.operation else "",
    }
    return _CONTEXT_VARIABLE.sub(lambda found: values.get(found.group(1), ""), template)


def read_gateway_responses(document: SpecDocument) -> GatewayResponses | None:
    key = "x-amazon-apigateway-gateway-responses"
    declared = document.root.get(key)
    if declared is None:
        return None
    at = document.root_location.child(key)
    if not isinstance(declared, dict):
        raise document.error(f"{key} must map response types to responses", at)
    styles: dict[str, GatewayResponseStyle] = {}
    for kind, entry in declared.items():
        where = at.child(kind)
        if not isinstance(entry, dict):
            raise document.error(f"gateway response {kind} must be a mapping", where)
        status = entry.get("statusCode")
        if status is not None and not str(status).isdigit():
            raise document.error(f"statusCode {status!r} is not an HTTP status", where.child("statusCode"))
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


class GatewayResponsesStage:
    def __init__(self, responses: GatewayResponses):
        self._responses = responses

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        return self._responses.restyle(exchange, await call_next(exchange))
