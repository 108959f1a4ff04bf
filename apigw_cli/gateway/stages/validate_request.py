"""Checks a request against its operation before any backend sees it: parameters (coerced from
strings), Content-Type (415), body syntax and schema (400, naming each failed field).

Operations under the managed gateway's request validators are checked its way (AWS developer
guide, api-gateway-method-request-validation): a parameters validator checks that the required
parameters are there (400 `Missing required request parameters: [a, b]`), a body validator checks
a JSON body against its model (400 `Invalid request body`; an empty body is checked as `{}`, a
media type without a model passes). What failed is in `$context.error.validationErrorString` and
the access log."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway import json_text
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import ResponseType, gateway_error
from apigw_cli.gateway.validation.body import NOT_CHECKED, BodyParseError, media_type_of, parse_body, select_media
from apigw_cli.gateway.validation.params import (
    Missing,
    ParameterSpec,
    check_parameter,
    parse_cookies,
    parse_query,
    parse_single,
)
from apigw_cli.gateway.validation.schema import FieldError

if TYPE_CHECKING:
    from apigw_cli.gateway.operation import Operation
    from apigw_cli.gateway.stages.stage import Handler


class RequestValidationStage:
    def __init__(self, refuse_undeclared_body: bool = True, error_examples: bool = False):
        # a plain spec's mock is the contract: a body where it declares none is refused (415); the
        # managed gateway (an AWS-flavoured spec) passes such bodies through to the integration
        self._refuse_undeclared_body = refuse_undeclared_body
        # x-gateway.mock.errorExamples: a mocked operation's own 400 (or 422) example answers invalid requests
        self._error_examples = error_examples

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        assert operation is not None
        if operation.validation_style == "aws":
            return await _managed_gateway_validation(exchange, operation, call_next)
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
            return self._own_example(exchange) or _invalid(
                exchange, "Invalid request parameters", errors, "BAD_REQUEST_PARAMETERS"
            )

        declared = operation.request_body
        if (
            declared is None
            and self._refuse_undeclared_body
            and operation.integration == "mock"
            and operation.validate_body
            and request.has_body
        ):
            # a design-first mock answers as the spec says: an operation that takes no body refuses one
            # (backends and handlers may read bodies their spec does not describe: those pass)
            exchange.error = f"{operation.route_key} declares no request body"
            return gateway_error("UNSUPPORTED_MEDIA_TYPE", supported=[])
        if declared is None or not operation.validate_body:
            return await call_next(exchange)  # the body stays on the wire, to be streamed
        if not await request.read_body():
            if declared.required:
                return self._own_example(exchange) or _invalid(
                    exchange, "Invalid request body", [FieldError("/", "request body is required")]
                )
            return await call_next(exchange)
        content_type = request.header("content-type")
        media = select_media(declared.media, content_type or "application/json")
        if media is None:
            exchange.error = f"Content-Type {content_type!r} is not one of {', '.join(declared.media)}"
            return gateway_error("UNSUPPORTED_MEDIA_TYPE", supported=list(declared.media))
        try:
            value = parse_body(media, content_type, request.body)
        except BodyParseError as exc:
            return self._own_example(exchange) or _invalid(
                exchange, "Invalid request body", [FieldError(exc.path, str(exc))]
            )
        if media.validator is not None and value is not NOT_CHECKED:  # JSON null is a value: checked
            body_errors = media.validator.errors(value)
            if body_errors:
                return self._own_example(exchange) or _invalid(exchange, "Invalid request body", body_errors)
        return await call_next(exchange)

    def _own_example(self, exchange: Exchange) -> GatewayResponse | None:
        """The operation's own error example (its 400, else its 422), when the spec asks for it."""
        operation = exchange.operation
        if not self._error_examples or operation is None or operation.integration != "mock":
            return None
        for status in ("400", "422"):
            response = operation.responses.get(status)
            for media_type, media in response.media.items() if response is not None else ():
                if media.examples:
                    exchange.error = f"invalid request: answered with the spec's {status} example"
                    value = media.examples[0].value
                    body = value.encode() if isinstance(value, str) else json.dumps(value).encode()
                    return GatewayResponse(int(status), [("content-type", media_type)], body)
        return None


def _invalid(
    exchange: Exchange, message: str, errors: list[FieldError], response_type: ResponseType = "BAD_REQUEST_BODY"
) -> GatewayResponse:
    exchange.error = f"{message}: " + "; ".join(f"{e.path}: {e.error}" for e in errors[:3])
    return gateway_error(response_type, message, errors=[e.as_dict() for e in errors])


async def _managed_gateway_validation(exchange: Exchange, operation: Operation, call_next: Handler) -> GatewayResponse:
    request = exchange.request
    if operation.validate_parameters:
        missing = [spec.name for spec in operation.parameters if spec.required and not _present(exchange, spec)]
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            exchange.error = message
            return gateway_error("BAD_REQUEST_PARAMETERS", message)
    declared = operation.request_body
    if declared is None or not operation.validate_body:
        return await call_next(exchange)
    content_type = request.header("content-type") or "application/json"
    media = select_media(declared.media, content_type)
    if media is None or media.validator is None or not _is_json(media_type_of(content_type)):
        return await call_next(exchange)  # no model for this media type: nothing to check
    body = await request.read_body()
    try:
        value = json_text.loads(body) if body.strip() else {}
    except ValueError as exc:
        exchange.error = f"Invalid request body: not JSON: {exc}"
        return gateway_error("BAD_REQUEST_BODY", "Invalid request body")
    problems = media.validator.errors(value)
    if problems:
        exchange.error = "Invalid request body: " + "; ".join(f"{e.path}: {e.error}" for e in problems[:3])
        return gateway_error("BAD_REQUEST_BODY", "Invalid request body")
    return await call_next(exchange)


def _present(exchange: Exchange, spec: ParameterSpec) -> bool:
    request = exchange.request
    if spec.location == "path":
        return bool(exchange.path_params.get(spec.name))
    if spec.location == "query":
        return spec.name in request.query
    if spec.location == "header":
        return request.header(spec.key) is not None
    return spec.name in parse_cookies(request.header("cookie"))


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")
