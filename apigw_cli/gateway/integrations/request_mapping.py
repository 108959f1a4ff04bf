"""The managed gateway's `requestParameters` for http integrations: where each integration
path, query string and header value comes from (`method.request.path.id`, `'literal'`,
`context.requestId`), resolved per request from compiled sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from apigw_cli.gateway.exchange import Exchange

SourceKind = Literal["path", "querystring", "header", "literal", "context"]
_CONTEXT_FIELDS = ("requestId", "httpMethod", "resourcePath", "path", "sourceIp", "stage")


@dataclass(frozen=True, slots=True)
class ParameterSource:
    kind: SourceKind
    name: str

    @classmethod
    def parse(cls, text: str) -> ParameterSource | None:
        """None for sources a local gateway cannot resolve (JSONPath into bodies, multivalue forms)."""
        if len(text) >= 2 and text.startswith("'") and text.endswith("'"):
            return cls("literal", text[1:-1])
        for kind in ("path", "querystring", "header"):
            prefix = f"method.request.{kind}."
            if text.startswith(prefix):
                return cls(kind, text[len(prefix) :])
        if text.startswith("context.") and text[len("context.") :] in _CONTEXT_FIELDS:
            return cls("context", text[len("context.") :])
        return None

    def value(self, exchange: Exchange) -> str | None:
        request = exchange.request
        if self.kind == "literal":
            return self.name
        if self.kind == "path":
            return exchange.path_params.get(self.name)
        if self.kind == "querystring":
            values = request.query.get(self.name)
            return values[-1] if values else None
        if self.kind == "header":
            return request.header(self.name.lower())
        fields = {
            "requestId": exchange.request_id,
            "httpMethod": request.method,
            "resourcePath": exchange.operation.path if exchange.operation else "",
            "path": request.path,
            "sourceIp": request.client_ip,
            "stage": "$default",
        }
        return fields.get(self.name)


@dataclass(frozen=True, slots=True)
class RequestMapping:
    path: tuple[tuple[str, ParameterSource], ...] = ()
    query: tuple[tuple[str, ParameterSource], ...] = ()
    header: tuple[tuple[str, ParameterSource], ...] = ()

    def path_params(self, exchange: Exchange) -> dict[str, str]:
        params = dict(exchange.path_params)
        for target, source in self.path:
            value = source.value(exchange)
            if value is not None:
                params[target] = value
        return params

    def query_pairs(self, exchange: Exchange) -> list[tuple[str, str]]:
        pairs = []
        for target, source in self.query:
            value = source.value(exchange)
            if value is not None:
                pairs.append((target, value))
        return pairs

    def headers(self, exchange: Exchange) -> list[tuple[str, str]]:
        found = []
        for target, source in self.header:
            value = source.value(exchange)
            if value is not None:
                found.append((target.lower(), value))
        return found
