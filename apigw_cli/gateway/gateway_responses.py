"""The managed gateway's customisable gateway responses (`x-amazon-apigateway-gateway-responses`):
for an error the gateway answers itself, by response type (BAD_REQUEST_BODY, THROTTLED, ...,
falling back to DEFAULT_4XX / DEFAULT_5XX), a status, headers and a body template."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from apigw_cli.gateway.exchange import Exchange, GatewayResponse

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
        message = _message_of(response)
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


def _message_of(response: GatewayResponse) -> str:
    try:
        value = json.loads(response.body)
    except ValueError:
        return ""
    return str(value.get("message", "")) if isinstance(value, dict) else ""


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
