"""The integration request of a non-proxy integration, made from the method request: its body
(content handling, then the request template chosen by Content-Type, or the body passed through),
then its parameters (`requestParameters`, then what the template set in
`$context.requestOverride`).

A template that fails answers 500 (the managed gateway's "Unable to transform request"), logged
with the template's file and line; one that reads a body that is not JSON answers 400
`Could not parse request body into json`, as the managed gateway does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.mapping.content import ContentHandling, ConversionFailed, convert_request
from apigw_cli.gateway.mapping.parameters import IntegrationRequestParts, RequestParameters, apply_request_override
from apigw_cli.gateway.mapping.templates import (
    DEFAULT_MEDIA_TYPE,
    MappingTemplates,
    UnsupportedMediaType,
    template_failure,
)
from apigw_cli.gateway.vtl.errors import TemplateRenderError
from apigw_cli.gateway.vtl.variables import BodyNotJson

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import GatewayResponse
    from apigw_cli.gateway.mapping.scope import MappingScope

logger = logging.getLogger("apigw")


@dataclass(slots=True)
class IntegrationRequest:
    body: bytes
    content_type: str
    parts: IntegrationRequestParts = field(default_factory=IntegrationRequestParts)
    templated: bool = False  # a request template made the body


@dataclass(frozen=True, slots=True)
class RequestMapping:
    templates: MappingTemplates = field(default_factory=MappingTemplates)
    parameters: RequestParameters = field(default_factory=RequestParameters)
    content_handling: ContentHandling | None = None

    def prepare(self, scope: MappingScope) -> IntegrationRequest | GatewayResponse:
        """The integration request, or the gateway's answer when it cannot be made (415, 400, 500)."""
        exchange = scope.exchange
        content_type = exchange.request.header("content-type")
        try:
            payload = convert_request(
                scope.body, self.content_handling, content_type, scope.deployment.binary_media_types
            )
        except ConversionFailed as exc:
            exchange.error = str(exc)
            return gateway_error("API_CONFIGURATION_ERROR")
        chosen = self.templates.for_request(content_type)
        if isinstance(chosen, UnsupportedMediaType):
            exchange.error = f"no request template for Content-Type {chosen.media_type} and passthrough is off"
            return gateway_error("UNSUPPORTED_MEDIA_TYPE")
        body = payload
        if chosen is not None:
            try:
                body = chosen.render(scope, payload).encode()
            except TemplateRenderError as exc:
                if isinstance(exc.cause, BodyNotJson):
                    exchange.error = str(exc.cause)
                    return gateway_error("BAD_REQUEST_BODY", str(exc.cause))
                exchange.error = template_failure(chosen, exc)
                logger.error("%s", exchange.error)
                return gateway_error("API_CONFIGURATION_ERROR")
        parts = IntegrationRequestParts()
        self.parameters.apply(scope, parts)
        apply_request_override(scope.request_override, parts)
        return IntegrationRequest(body, content_type or DEFAULT_MEDIA_TYPE, parts, chosen is not None)
