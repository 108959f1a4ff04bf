"""Checks a request against its operation before any backend sees it: parameters (coerced from
strings), Content-Type (415), body syntax and schema (400, naming each failed field)."""

from __future__ import annotations

from typing import Any

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import ResponseType, gateway_error
from apigw_cli.gateway.stages.stage import Handler
from apigw_cli.gateway.validation.body import BodyParseError, parse_body, select_media
from apigw_cli.gateway.validation.params import (
    Missing,
    check_parameter,
    parse_cookies,
    parse_query,
    parse_single,
)
from apigw_cli.gateway.validation.schema import FieldError


class RequestValidationStage:
    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        assert operation is not None
        request = exchange.request
        errors: list[FieldError] = []
        cookies: dict[str, str] | None = None
        for spec in operation.parameters if operation.validate_parameters else ():
            raw: str | None
            value: Any
            if spec.location == "query":
                value = parse_query(spec, request.query)
            else:
                if spec.location == "path":
                    raw = exchange.path_params.get(spec.name)
                elif spec.location == "header":
                    raw = request.header(spec.key)
                else:
                    if cookies is None:
                        cookies = parse_cookies(request.header("cookie"))
                    raw = cookies.get(spec.name)
                value = Missing if raw is None else parse_single(spec, raw)
            errors.extend(check_parameter(spec, value))
            if value is not Missing:
                exchange.params[f"{spec.location}.{spec.name}"] = value
        if errors:
            return _invalid(exchange, "Invalid request parameters", errors, "BAD_REQUEST_PARAMETERS")

        declared = operation.request_body
        if declared is None or not operation.validate_body:
            return await call_next(exchange)  # the body stays on the wire, to be streamed
        if not await request.read_body():
            if declared.required:
                return _invalid(exchange, "Invalid request body", [FieldError("/", "request body is required")])
            return await call_next(exchange)
        content_type = request.header("content-type")
        media = select_media(declared.media, content_type or "application/json")
        if media is None:
            exchange.error = f"Content-Type {content_type!r} is not one of {', '.join(declared.media)}"
            return gateway_error("UNSUPPORTED_MEDIA_TYPE", supported=list(declared.media))
        try:
            value = parse_body(media, content_type, request.body)
        except BodyParseError as exc:
            return _invalid(exchange, "Invalid request body", [FieldError("/", str(exc))])
        if media.validator is not None and value is not None:
            body_errors = media.validator.errors(value)
            if body_errors:
                return _invalid(exchange, "Invalid request body", body_errors)
        return await call_next(exchange)


def _invalid(
    exchange: Exchange, message: str, errors: list[FieldError], response_type: ResponseType = "BAD_REQUEST_BODY"
) -> GatewayResponse:
    exchange.error = f"{message}: " + "; ".join(f"{e.path}: {e.error}" for e in errors[:3])
    return gateway_error(response_type, message, errors=[e.as_dict() for e in errors])
