"""One recorded exchange a line (DESIGN.md's record format): time, request, response, latency,
route, integration, cache, principal. Bodies are text when they are UTF-8, base64 otherwise, cut
at a size limit with `truncated: true`; secret headers are redacted unless asked not to be."""

from __future__ import annotations

import base64
import time
from typing import Any, Literal, NotRequired, TypedDict

REDACTED = "[redacted]"
DEFAULT_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization"})
DEFAULT_MAX_BODY = 64 * 1024
# hop-by-hop and framing headers: replay leaves them to the client that sends the request
HOP_BY_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"})


class RecordedBody(TypedDict):
    body: str
    encoding: Literal["text", "base64"]
    truncated: NotRequired[bool]  # cut at the size limit
    size: NotRequired[int]  # its whole size, when cut (and always for a streamed body)
    streamed: NotRequired[bool]  # sent as it was produced: `body` is its first bytes when truncated


class RecordedRequest(RecordedBody):
    method: str
    path: str  # percent-encoded, as sent
    query: str
    headers: list[list[str]]  # [name, value] in order, secrets redacted


class RecordedResponse(RecordedBody):
    status: int
    headers: list[list[str]]


class RecordLine(TypedDict):
    """One line of `serve --record` (the published schema: `apigw schema record`)."""

    time: str  # ISO 8601, UTC, milliseconds
    requestId: str
    request: RecordedRequest
    response: RecordedResponse
    latencyMs: float
    route: str | None  # "GET /users/{id}"
    integration: str | None
    cache: Literal["hit", "miss"] | None
    principal: str | None  # apiKey:NAME, jwt:SUB, authorizer:ID


def encode_body(body: bytes, limit: int) -> RecordedBody:
    cut = len(body) > limit
    kept = body[:limit] if cut else body
    encoded: RecordedBody
    try:
        encoded = {"body": kept.decode("utf-8"), "encoding": "text"}
    except UnicodeDecodeError:
        encoded = {"body": base64.b64encode(kept).decode("ascii"), "encoding": "base64"}
    if cut:
        encoded["truncated"] = True
        encoded["size"] = len(body)
    return encoded


def decode_body(part: dict[str, Any]) -> bytes:
    body = part.get("body") or ""
    if part.get("encoding") == "base64":
        return base64.b64decode(body)
    return str(body).encode("utf-8")


def headers_of(pairs: list[tuple[str, str]], secrets: frozenset[str] | None) -> list[list[str]]:
    """Header pairs in order, secret values redacted (`secrets` None keeps them all)."""
    return [[name, REDACTED if secrets is not None and name.lower() in secrets else value] for name, value in pairs]


def iso_time(epoch: float) -> str:
    """ISO 8601 in UTC with milliseconds; the seconds part is formatted once a second."""
    whole = int(epoch)
    if _clock_cache[0] != whole:
        _clock_cache[0], _clock_cache[1] = whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    return f"{_clock_cache[1]}.{int((epoch - whole) * 1000):03d}+00:00"


_clock_cache: list[Any] = [None, ""]


def frame_body(message: str | bytes, max_body: int) -> RecordedBody:
    """A text frame as text, a binary frame as base64 (whatever its bytes), so replay sends each
    as the frame it was."""
    if isinstance(message, str):
        return encode_body(message.encode("utf-8"), max_body)
    encoded: RecordedBody = {"body": base64.b64encode(message[:max_body]).decode("ascii"), "encoding": "base64"}
    if len(message) > max_body:
        encoded["truncated"] = True
        encoded["size"] = len(message)
    return encoded


class RecordedWebSocket(TypedDict):
    connectionId: str
    eventType: Literal["CONNECT", "MESSAGE", "DISCONNECT"]
    routeKey: str | None  # None: no route took the message
    path: str
    status: int
    query: NotRequired[str]  # CONNECT
    headers: NotRequired[list[list[str]]]  # CONNECT, secrets redacted
    message: NotRequired[RecordedBody]  # MESSAGE (base64 for a binary frame)
    replies: NotRequired[list[RecordedBody]]  # what went back to the caller for it
    closeCode: NotRequired[int]  # DISCONNECT


class WebSocketLine(TypedDict):
    time: str
    requestId: str
    websocket: RecordedWebSocket
    latencyMs: float
