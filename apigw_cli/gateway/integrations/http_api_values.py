"""An HTTP API's parameter-mapping values, as its `requestParameters` (and the parameters of its AWS
service integrations) write them: `$request.header.NAME`, `$request.querystring.NAME`,
`$request.path.NAME`, `$request.body` (the whole body) or `$request.body.JSONPath`, `$context.NAME`,
`$stageVariables.NAME`, static text, or text with `${...}` references in it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway import json_text
from apigw_cli.gateway.context_variables import context_value, context_variables
from apigw_cli.gateway.json_paths import NOTHING, evaluate

if TYPE_CHECKING:
    from apigw_cli.gateway.deployment import Deployment
    from apigw_cli.gateway.exchange import Exchange

_REFERENCE = re.compile(
    r"\$\{(?P<braced>[^}]+)\}|\$(?P<bare>(?:request\.(?:header|querystring|path|multivalueheader|multivaluequerystring)"
    r"\.[A-Za-z0-9_.\-]+|request\.body(?:\.[^\s,;]*)?|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+))"
)


@dataclass(frozen=True, slots=True)
class MappedValue:
    """One mapping value, split once into static text and references."""

    parts: tuple[str, ...]  # text, reference, text, reference, ..., text

    @classmethod
    def parse(cls, text: str) -> MappedValue:
        parts: list[str] = []
        position = 0
        for found in _REFERENCE.finditer(text):
            parts += [text[position : found.start()], found.group("braced") or found.group("bare")]
            position = found.end()
        parts.append(text[position:])
        return cls(tuple(parts))

    @property
    def static(self) -> bool:
        return len(self.parts) == 1

    def render(self, exchange: Exchange, deployment: Deployment) -> str | None:
        """The value for this request; None when it is one reference to something absent."""
        if len(self.parts) == 3 and not self.parts[0] and not self.parts[2]:
            return _resolve(self.parts[1], exchange, deployment)
        out = []
        for index, part in enumerate(self.parts):
            out.append(part if index % 2 == 0 else _resolve(part, exchange, deployment) or "")
        return "".join(out)


def _resolve(reference: str, exchange: Exchange, deployment: Deployment) -> str | None:
    request = exchange.request
    where, _, name = reference.partition(".")
    if where == "request":
        kind, _, field = name.partition(".")
        if kind in ("header", "multivalueheader"):
            values = [value for key, value in request.headers if key == field.lower()]
            return ",".join(values) if values else None
        if kind in ("querystring", "multivaluequerystring"):
            found = request.query.get(field)
            return ",".join(found) if found else None
        if kind == "path":
            return exchange.path_params.get(field)
        if kind.startswith("body"):
            return _body_value(exchange, name[len("body") :].lstrip("."))
        return None
    if where == "stageVariables":
        return (deployment.stage_variables or {}).get(name)
    if where == "context":
        value = context_value(context_variables(exchange, deployment), name)
        return None if value is None else str(value)
    return None


def _body_value(exchange: Exchange, path: str) -> str | None:
    body = exchange.request.body
    if not path:
        return body.decode("utf-8", "replace")
    try:
        document = json_text.loads(body)
    except ValueError:
        return None
    found: Any = evaluate("$." + path, document)
    if found is NOTHING:
        return None
    return found if isinstance(found, str) else json.dumps(found, separators=(",", ":"))
