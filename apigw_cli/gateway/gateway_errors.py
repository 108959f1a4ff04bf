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


# HTTP APIs answer the same failures with other statuses and messages, no x-amzn-ErrorType, and no
# customisation (gateway responses are REST API only): 503 "Service Unavailable" for a timed-out
# integration (a recorded answer in cortexlabs/cortex#1225), 500 "Internal Server Error" for a
# failed one or a broken authorizer, 401 / 403 / 404 / 429 with their reason phrases.
HTTP_API_ANSWERS: dict[ResponseType, tuple[int, str]] = {
    "ACCESS_DENIED": (403, "Forbidden"),
    "API_CONFIGURATION_ERROR": (500, "Internal Server Error"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "Internal Server Error"),
    "AUTHORIZER_FAILURE": (500, "Internal Server Error"),
    "DEFAULT_5XX": (500, "Internal Server Error"),
    "INTEGRATION_FAILURE": (500, "Internal Server Error"),
    "INTEGRATION_TIMEOUT": (503, "Service Unavailable"),
    "INVALID_API_KEY": (403, "Forbidden"),
    "MISSING_AUTHENTICATION_TOKEN": (404, "Not Found"),
    "RESOURCE_NOT_FOUND": (404, "Not Found"),
    "THROTTLED": (429, "Too Many Requests"),
    "UNAUTHORIZED": (401, "Unauthorized"),
}


def as_http_api(response: GatewayResponse, request_id: str) -> GatewayResponse:
    """A gateway error as an HTTP API answers it: a type's own answer becomes the HTTP API's (see
    HTTP_API_ANSWERS); one the gateway worded itself (a 501 naming what cannot run here) keeps its
    status and body. Neither carries x-amzn-ErrorType."""
    kind = response.response_type
    if kind is None:
        return response
    headers = [(name, value) for name, value in response.headers if name.lower() != ERROR_TYPE_HEADER]
    headers.append(("apigw-requestid", request_id))
    own = RESPONSE_KINDS.get(kind)  # type: ignore[call-overload]
    replaced = HTTP_API_ANSWERS.get(kind)  # type: ignore[call-overload]
    if own is None or replaced is None or (response.status, response.message) != (own.status, own.message or ""):
        response.headers = headers
        return response
    status, message = replaced
    answer = json_response(status, {"message": message}, [(n, v) for n, v in headers if n.lower() != "content-type"])
    answer.response_type = kind
    answer.message = message
    return answer
