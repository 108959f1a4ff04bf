"""What flows through the pipeline: the request as received, the response, and the
per-request state the stages share (the `Exchange`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from apigw_cli.gateway.operation import Operation


@dataclass(slots=True)
class GatewayRequest:
    method: str
    path: str  # percent-encoded, as sent
    query_string: str
    headers: list[tuple[str, str]]  # names lower-case, in order received
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    scheme: str = "http"
    http_version: str = "1.1"
    _query: dict[str, list[str]] | None = None

    def header(self, name: str) -> str | None:
        """The value of a header (name lower-case); repeated headers joined with commas."""
        values = [value for key, value in self.headers if key == name]
        if not values:
            return None
        return values[0] if len(values) == 1 else ",".join(values)

    @property
    def query(self) -> dict[str, list[str]]:
        if self._query is None:
            self._query = parse_qs(self.query_string, keep_blank_values=True)
        return self._query


@dataclass(slots=True)
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # set on answers the gateway makes itself (AWS gateway response types, e.g. BAD_REQUEST_BODY),
    # so that `x-amazon-apigateway-gateway-responses` can restyle them; never sent
    response_type: str | None = None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        lowered = name.lower()
        self.headers = [(key, val) for key, val in self.headers if key.lower() != lowered]
        self.headers.append((name, value))


@dataclass(slots=True)
class Exchange:
    """One request's trip through the pipeline."""

    request: GatewayRequest
    request_id: str
    received_at: float  # epoch seconds
    operation: Operation | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)  # "query.limit" -> coerced value
    body_value: Any = None  # the parsed body, when it was validated
    integration_latency: float | None = None  # seconds
    error: str | None = None  # why the gateway answered an error itself, for the access log
    notes: list[str] = field(default_factory=list)


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> GatewayResponse:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return GatewayResponse(status, [("content-type", "application/json"), *(headers or [])], body)


def gateway_error(
    status: int,
    message: str,
    headers: list[tuple[str, str]] | None = None,
    response_type: str | None = None,
    **extra: Any,
) -> GatewayResponse:
    """An error the gateway answers itself, in the managed gateway's `{"message": ...}` shape."""
    response = json_response(status, {"message": message, **extra}, headers)
    response.response_type = response_type or ("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX")
    return response
