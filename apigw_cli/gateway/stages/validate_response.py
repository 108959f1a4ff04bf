"""Checks a backend's response against the spec: `warn` logs and names the mismatch in a
response header, `strict` answers 502 instead; an undeclared status is a mismatch too."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.validation.body import NOT_CHECKED, BodyParseError, media_type_of, parse_body, select_media

if TYPE_CHECKING:
    from apigw_cli.config import ResponseValidation
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.operation import Operation
    from apigw_cli.gateway.stages.stage import Handler

logger = logging.getLogger("apigw")
MISMATCH_HEADER = "x-apigw-response-mismatch"


class ResponseValidationStage:
    def __init__(self, mode: ResponseValidation):
        self.mode = mode

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        response = await call_next(exchange)
        operation = exchange.operation
        if operation is None or response.from_gateway:
            return response  # the gateway's own answers are not a backend's to check
        problem = response_mismatch(operation, response)
        if problem is None:
            return response
        message = f"response does not match the spec: {problem}"
        exchange.notes.append(message)
        if self.mode == "strict":
            exchange.error = message
            return gateway_error("INTEGRATION_FAILURE", "Response does not match the API spec", detail=problem)
        logger.warning("%s %s: %s", exchange.request.method, exchange.request.path, message)
        response.headers.append((MISMATCH_HEADER, _header_safe(problem)))
        return response


def response_mismatch(operation: Operation, response: GatewayResponse) -> str | None:
    """Why `response` does not match what `operation` declares, or None when it does."""
    declared = operation.response_for(response.status)
    if declared is None:
        listed = ", ".join(operation.responses) or "none"
        return f"status {response.status} is not declared for {operation.route_key} (declared: {listed})"
    if not declared.media:
        return None
    if not response.body and response.stream is None:
        return None
    content_type = response.header("content-type")
    media = select_media(declared.media_specs, content_type)
    if media is None:
        return f"Content-Type {media_type_of(content_type)!r} is not declared for status {declared.status}"
    if media.validator is None or response.stream is not None:
        return None  # a streamed body is checked by its prelude only: status and Content-Type
    try:
        value = parse_body(media, content_type, response.body)
    except BodyParseError as exc:
        return f"body: {exc}"
    if value is NOT_CHECKED:
        return None
    errors = media.validator.errors(value)
    if not errors:
        return None
    return "; ".join(f"{error.path}: {error.error}" for error in errors[:3])


def _header_safe(text: str) -> str:
    cleaned = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
    return cleaned[:300]
