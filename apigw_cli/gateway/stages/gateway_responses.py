"""The managed gateway's customisable gateway responses (`x-amazon-apigateway-gateway-responses`):
for an error the gateway answers itself, by response type (BAD_REQUEST_BODY, THROTTLED, ...,
falling back to DEFAULT_4XX / DEFAULT_5XX, whose status, when set, becomes that of every
uncustomised type of its class), a status, headers (`gatewayresponse.header.NAME` from a
`'static'` value, `method.request.*`, `context.*` or `stageVariables.*`) and a body template.

The developer guide says a gateway response template takes simple `$context` / `$stageVariables`
substitution, not VTL; it is rendered here with the mapping template engine, which gives the
same text for such templates (`$context.error.message`, `$context.error.messageString`,
`$context.error.responseType`, `$context.requestId`, ...) and a directive more where one is
written. A template that fails to render leaves the gateway's own body.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apigw_cli.gateway.mapping.parameters import MappingSource, MappingSyntaxError, request_source
from apigw_cli.gateway.mapping.scope import MappingScope
from apigw_cli.gateway.mapping.templates import MappingTemplates, compile_templates, template_failure

if TYPE_CHECKING:
    from collections.abc import Mapping

    from apigw_cli.gateway.deployment import Deployment
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.spec.document import SpecDocument

logger = logging.getLogger("apigw")
KEY = "x-amazon-apigateway-gateway-responses"
_HEADER_PREFIX = "gatewayresponse.header."


@dataclass(frozen=True, slots=True)
class GatewayResponseStyle:
    status: int | None
    headers: tuple[tuple[str, MappingSource], ...]
    templates: MappingTemplates


@dataclass(frozen=True, slots=True)
class GatewayResponses:
    styles: Mapping[str, GatewayResponseStyle]
    deployment: Deployment

    def style_for(self, kind: str, status: int) -> GatewayResponseStyle | None:
        found = self.styles.get(kind)
        if found is not None:
            return found
        return self.styles.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX")

    def restyle(self, exchange: Exchange, response: GatewayResponse) -> GatewayResponse:
        kind = response.response_type
        if kind is None:
            return response
        style = self.style_for(kind, response.status)
        if style is None:
            return response
        scope = MappingScope(exchange, self.deployment, exchange.request.body)
        error = scope.context["error"]
        error.update(
            message=response.message,
            messageString=json.dumps(response.message),
            responseType=kind,
            validationErrorString=(exchange.error or response.message) if kind.startswith("BAD_REQUEST") else "",
        )
        if style.status is not None:
            response.status = style.status
        for name, source in style.headers:
            values = source.values(scope)
            if values:
                response.set_header(name, ",".join(values))
        template = style.templates.for_response(exchange.request.header("accept"))
        if template is not None:
            try:
                response.body = template.render(scope, exchange.request.body).encode()
            except Exception as exc:
                logger.error("%s", template_failure(template, exc))
                return response
            response.set_header("content-type", template.media_type)
        return response


def read_gateway_responses(
    document: SpecDocument, deployment: Deployment, notices: list[str]
) -> GatewayResponses | None:
    declared = document.root.get(KEY)
    if declared is None:
        return None
    at = document.root_location.child(KEY)
    if not isinstance(declared, dict):
        raise document.error(f"{KEY} must map response types to responses", at)
    styles: dict[str, GatewayResponseStyle] = {}
    for kind, entry in declared.items():
        where = at.child(kind)
        if not isinstance(entry, dict):
            raise document.error(f"gateway response {kind} must be a mapping", where)
        status = entry.get("statusCode")
        if status is not None and not str(status).isdigit():
            raise document.error(f"statusCode {status!r} is not an HTTP status", where.child("statusCode"))
        headers = []
        parameters = entry.get("responseParameters") or {}
        if not isinstance(parameters, dict):
            raise document.error("responseParameters must be a mapping", where.child("responseParameters"))
        for name, source in parameters.items():
            spot = where.child("responseParameters", name)
            if not str(name).startswith(_HEADER_PREFIX) or len(str(name)) == len(_HEADER_PREFIX):
                raise document.error(f"{name!r} must look like {_HEADER_PREFIX}NAME", spot)
            try:
                headers.append((str(name)[len(_HEADER_PREFIX) :], request_source(str(source))))
            except MappingSyntaxError as exc:
                raise document.error(f"responseParameters {name}: {exc}", spot) from None
        templates = compile_templates(
            document, entry.get("responseTemplates"), where.child("responseTemplates"), notices
        )
        styles[str(kind)] = GatewayResponseStyle(int(status) if status is not None else None, tuple(headers), templates)
    return GatewayResponses(styles, deployment)


class GatewayResponsesStage:
    def __init__(self, responses: GatewayResponses):
        self._responses = responses

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        return self._responses.restyle(exchange, await call_next(exchange))
