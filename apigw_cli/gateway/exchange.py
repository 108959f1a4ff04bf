"""What flows through the pipeline: the request as received, the response, and the
per-request state the stages share (the `Exchange`), each field typed and set by one stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs

from apigw_cli.errors import RequestTooLarge

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

    from apigw_cli.gateway.iam.credentials import IamCredential
    from apigw_cli.gateway.operation import Operation
    from apigw_cli.gateway.principal import ApiKey, AuthorizerGrant, VerifiedJwt
    from apigw_cli.gateway.streaming import ResponseStream

CacheOutcome = Literal["hit", "miss"]


class BodySource:
    """A request body still on the wire: read whole (to validate it, or for a Lambda event) or
    streamed on to a backend, never past `max_bytes`."""

    def __init__(self, receive: Callable[[], Awaitable[Mapping[str, Any]]], max_bytes: int):
        self._receive = receive
        self.max_bytes = max_bytes
        self.consumed = False
        self.complete = False  # read to its end
        self.overflowed = False  # it ran past max_bytes: whoever reads it next is told so again

    def too_large(self) -> RequestTooLarge:
        return RequestTooLarge(f"request body over the {self.max_bytes}-byte limit")

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.consumed:
            raise RuntimeError("the request body was read already")
        self.consumed = True
        size = 0
        more = True
        while more:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                self.overflowed = True
                kept = len(chunk) - (size - self.max_bytes)
                if kept > 0:
                    yield chunk[:kept]  # up to the limit, whatever the size of the message that crossed it
                raise self.too_large()
            if chunk:
                yield chunk
            more = message.get("more_body", False)
        self.complete = True


@dataclass(slots=True)
class GatewayRequest:
    method: str
    path: str  # percent-encoded, as sent
    query_string: str
    headers: list[tuple[str, str]]  # names lower-case, in order received
    body: bytes = b""  # the whole body once read (see read_body); a request built in code sets it directly
    client_ip: str = "127.0.0.1"
    scheme: str = "http"
    server_port: int | None = None  # the port the gateway accepted the connection on
    http_version: str = "1.1"
    body_source: BodySource | None = None  # the body still to read, when it came from a client
    _query: dict[str, list[str]] | None = None

    async def read_body(self) -> bytes:
        """The whole body, read once; RequestTooLarge past the limit (each time it is asked for)."""
        source = self.body_source
        if source is not None:
            if source.overflowed:
                raise source.too_large()
            if not source.consumed:
                received: list[bytes] = []
                try:
                    async for chunk in source.chunks():
                        received.append(chunk)
                finally:
                    self.body = b"".join(received)  # past the limit: what was read, for the record
        return self.body

    @property
    def too_large(self) -> bool:
        """Whether the body ran past the size limit while it was read."""
        return self.body_source is not None and self.body_source.overflowed

    @property
    def has_body(self) -> bool:
        """Whether the client announced a body (Content-Length above 0, or chunked)."""
        if self.body:
            return True
        length = self.header("content-length")
        if length is not None:
            return length.strip() not in ("", "0")
        return self.header("transfer-encoding") is not None

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
    # so that `x-amazon-apigateway-gateway-responses` can restyle them and no stage takes them for a
    # backend's answer; never sent
    response_type: str | None = None
    message: str = ""  # the `message` of such an answer, for a gateway response template
    stream: ResponseStream | None = None  # a body still being produced (then `body` is empty)

    @property
    def from_gateway(self) -> bool:
        """The gateway answered this itself (an error, a refusal), no backend did."""
        return self.response_type is not None

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
    """One request's trip through the pipeline. Each field is set by one stage and read by those
    after it; `error` and `notes` are for the access log only, nothing decides on them."""

    request: GatewayRequest
    request_id: str
    received_at: float  # epoch seconds
    operation: Operation | None = None  # the route stage
    path_params: dict[str, str] = field(default_factory=dict)  # the route stage
    route_path: str = ""  # the route stage: the path under the base (stage) path it was served at
    params: dict[str, Any] = field(default_factory=dict)  # request validation: "query.limit" -> coerced value
    api_key: ApiKey | None = None  # the API key stage: the key the request presented
    jwt: VerifiedJwt | None = None  # the JWT stage
    authorizer: AuthorizerGrant | None = None  # the Lambda authorizer stage
    iam: IamCredential | None = None  # the IAM stage: who signed the request
    cache: CacheOutcome | None = None  # the cache stage, on cacheable routes
    integration_latency: float | None = None  # the integration stage, seconds
    error: str | None = None  # why the gateway answered an error itself
    notes: list[str] = field(default_factory=list)
    quiet: bool = False  # the console page's own requests: not written to the access log

    @property
    def principal(self) -> str | None:
        """Who the request is from, as the record names it: apiKey:NAME, jwt:SUB or authorizer:ID."""
        if self.api_key is not None:
            return f"apiKey:{self.api_key.name}"
        if self.jwt is not None:
            return f"jwt:{self.jwt.subject}"
        if self.authorizer is not None:
            return f"authorizer:{self.authorizer.principal_id or ''}"
        if self.iam is not None:
            return f"iam:{self.iam.arn}"
        return None

    @property
    def authenticated(self) -> bool:
        return self.api_key is not None or self.jwt is not None or self.authorizer is not None or self.iam is not None
