"""Integration responses of non-proxy integrations: what the backend answered selects one (its
`selectionPattern`, a regular expression matched against the whole status code of an http or mock
integration, or the whole `errorMessage` of a Lambda that failed; `default` otherwise), which sets
the method response's status, its headers (`responseParameters`), and its body (a response
template, or the integration's body as it is), then `$context.responseOverride` has the last word.

No entry selected and no default: 500, as the managed gateway answers ("No match for output
mapping and no default output mapping configured").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from apigw_cli.gateway.exchange import GatewayResponse
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.mapping.content import ContentHandling, ConversionFailed, convert_response
from apigw_cli.gateway.mapping.templates import DEFAULT_MEDIA_TYPE, MappingTemplates, template_failure
from apigw_cli.gateway.vtl.java import java_text

if TYPE_CHECKING:
    import re

    from apigw_cli.gateway.mapping.parameters import BackendAnswer, MappingSource
    from apigw_cli.gateway.mapping.scope import MappingScope

logger = logging.getLogger("apigw")


@dataclass(frozen=True, slots=True)
class IntegrationResponse:
    pattern: re.Pattern[str] | None  # None: the default entry
    status: int
    headers: tuple[tuple[str, MappingSource], ...] = ()  # method response header <- source
    templates: MappingTemplates = field(default_factory=MappingTemplates)
    content_handling: ContentHandling | None = None


@dataclass(frozen=True, slots=True)
class IntegrationResponses:
    entries: tuple[IntegrationResponse, ...] = ()  # entries with a pattern first, in declared order

    def select(self, subject: str | None) -> IntegrationResponse | None:
        """The entry whose pattern matches `subject` whole, else the default. A subject of None
        (a Lambda that succeeded) takes the default."""
        default = None
        for entry in self.entries:
            if entry.pattern is None:
                default = default or entry
            elif subject is not None and entry.pattern.fullmatch(subject):
                return entry
        return default

    def respond(self, scope: MappingScope, answer: BackendAnswer, subject: str | None) -> GatewayResponse:
        exchange = scope.exchange
        entry = self.select(subject)
        if entry is None:
            exchange.error = (
                "No match for output mapping and no default output mapping configured. "
                f"Endpoint response: {subject if subject is not None else answer.status}"
            )
            return gateway_error("API_CONFIGURATION_ERROR")
        headers: list[tuple[str, str]] = []
        for name, source in entry.headers:
            values = source.values(scope, answer)
            if values:
                headers = [(key, value) for key, value in headers if key.lower() != name.lower()]
                headers.append((name, ",".join(values)))
        accept = exchange.request.header("accept")
        template = entry.templates.for_response(accept)
        if template is not None:
            try:
                body = template.render(scope, answer.body).encode()
            except Exception as exc:
                exchange.error = template_failure(template, exc)
                logger.error("%s", exchange.error)
                return gateway_error("API_CONFIGURATION_ERROR")
            content_type = template.media_type
        else:
            body = answer.body
            content_type = DEFAULT_MEDIA_TYPE
        if not any(key.lower() == "content-type" for key, _ in headers):
            headers.append(("content-type", content_type))
        try:
            body = convert_response(
                body,
                entry.content_handling,
                _content_type(answer),
                accept,
                scope.deployment.binary_media_types,
            )
        except ConversionFailed as exc:
            exchange.error = str(exc)
            return gateway_error("API_CONFIGURATION_ERROR")
        response = GatewayResponse(entry.status, headers, body)
        _apply_override(scope, response)
        return response


def _content_type(answer: BackendAnswer) -> str | None:
    values = answer.header_values("content-type")
    return values[-1] if values else None


def _apply_override(scope: MappingScope, response: GatewayResponse) -> None:
    """`$context.responseOverride.status` and `.header.NAME`, as templates left them."""
    override = scope.response_override
    status = override.get("status")
    if status is not None:
        try:
            code = int(java_text(status))
        except ValueError:
            code = 0
        if 100 <= code <= 599:
            response.status = code
        else:
            scope.exchange.notes.append(f"responseOverride.status {java_text(status)!r} is not an HTTP status")
    headers = override.get("header")
    if isinstance(headers, dict):
        for name, value in headers.items():
            response.set_header(str(name), java_text(value))
