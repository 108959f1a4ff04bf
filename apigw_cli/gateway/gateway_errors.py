"""The answers the gateway makes itself, as the managed gateway makes them: one response type each
(ACCESS_DENIED, THROTTLED, ...), with its default status, its `message` and the `x-amzn-ErrorType`
header naming the exception. `x-amazon-apigateway-gateway-responses` can restyle any of them by type.

The statuses are those of the managed gateway's documentation (supported-gateway-response-types);
the messages and error types those its REST APIs send, as recorded in public write-ups of real
answers (e.g. `403 MissingAuthenticationTokenException {"message": "Missing Authentication Token"}`
for an unknown route, `500 AuthorizerConfigurationException {"message": null}` for an authorizer
that fails, `ACCESS_DENIED`'s body keyed `Message`, not `message`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from apigw_cli.gateway.exchange import GatewayResponse

ResponseType = Literal[
    "ACCESS_DENIED",
    "API_CONFIGURATION_ERROR",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "AUTHORIZER_FAILURE",
    "BAD_REQUEST_BODY",
    "BAD_REQUEST_PARAMETERS",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "EXPIRED_TOKEN",
    "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT",
    "INVALID_API_KEY",
    "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN",
    "QUOTA_EXCEEDED",
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "THROTTLED",
    "UNAUTHORIZED",
    "UNSUPPORTED_MEDIA_TYPE",
    "WAF_FILTERED",
]
_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class ResponseKind:
    status: int
    error_type: str  # the x-amzn-ErrorType header
    message: str | None
    message_key: str = "message"


RESPONSE_KINDS: dict[ResponseType, ResponseKind] = {
    "ACCESS_DENIED": ResponseKind(
        403, "AccessDeniedException", "User is not authorized to access this resource", "Message"
    ),
    "API_CONFIGURATION_ERROR": ResponseKind(500, "InternalServerErrorException", "Internal server error"),
    "AUTHORIZER_CONFIGURATION_ERROR": ResponseKind(500, "AuthorizerConfigurationException", None),
    "AUTHORIZER_FAILURE": ResponseKind(500, "AuthorizerConfigurationException", None),
    "BAD_REQUEST_BODY": ResponseKind(400, "BadRequestException", "Invalid request body"),
    "BAD_REQUEST_PARAMETERS": ResponseKind(400, "BadRequestException", "Invalid request parameters"),
    "DEFAULT_4XX": ResponseKind(400, "BadRequestException", "Bad Request"),
    "DEFAULT_5XX": ResponseKind(500, "InternalServerErrorException", "Internal server error"),
    "EXPIRED_TOKEN": ResponseKind(
        403, "ExpiredTokenException", "The security token included in the request is expired"
    ),
    "INTEGRATION_FAILURE": ResponseKind(502, "InternalServerErrorException", "Internal server error"),
    "INTEGRATION_TIMEOUT": ResponseKind(504, "InternalServerErrorException", "Endpoint request timed out"),
    "INVALID_API_KEY": ResponseKind(403, "ForbiddenException", "Forbidden"),
    "INVALID_SIGNATURE": ResponseKind(
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided",
    ),
    "MISSING_AUTHENTICATION_TOKEN": ResponseKind(
        403, "MissingAuthenticationTokenException", "Missing Authentication Token"
    ),
    "QUOTA_EXCEEDED": ResponseKind(429, "LimitExceededException", "Limit Exceeded"),
    "REQUEST_TOO_LARGE": ResponseKind(413, "RequestTooLargeException", "Request Entity Too Large"),
    "RESOURCE_NOT_FOUND": ResponseKind(404, "NotFoundException", "Not Found"),
    "THROTTLED": ResponseKind(429, "TooManyRequestsException", "Too Many Requests"),
    "UNAUTHORIZED": ResponseKind(401, "UnauthorizedException", "Unauthorized"),
    "UNSUPPORTED_MEDIA_TYPE": ResponseKind(415, "UnsupportedMediaTypeException", "Unsupported Media Type"),
    "WAF_FILTERED": ResponseKind(403, "WAFFilteredException", "Forbidden"),
}
ERROR_TYPE_HEADER = "x-amzn-errortype"


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> GatewayResponse:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return GatewayResponse(status, [("content-type", "application/json"), *(headers or [])], body)


def gateway_error(
    kind: ResponseType,
    message: str | None = _UNSET,
    headers: list[tuple[str, str]] | None = None,
    status: int | None = None,
    error_type: str | None = None,
    **extra: Any,
) -> GatewayResponse:
    """The answer of response type `kind`: its status and message unless given, its x-amzn-ErrorType
    header, and `extra` fields beside the message (the validation errors, for one)."""
    found = RESPONSE_KINDS[kind]
    text = found.message if message is _UNSET else message
    own_headers = [(ERROR_TYPE_HEADER, error_type or found.error_type), *(headers or [])]
    response = json_response(status or found.status, {found.message_key: text, **extra}, own_headers)
    response.response_type = kind
    response.message = text or ""
    return response
