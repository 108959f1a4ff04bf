"""The gateway owns the framing of what it sends: whatever a handler or a backend put in its
answer, the client gets a response HTTP can carry.

- `Content-Length`, `Transfer-Encoding`, `Connection` and the other hop-by-hop headers of an
  answer are dropped, and so are the headers its `Connection` lists; the length is the gateway's.
- 204 and 304 carry no body (and 204 no length); a HEAD gets the length of what GET would send.
- A streamed body keeps the length its backend declared, else it goes chunked; a stream that is
  not to be sent (HEAD, 204/304, an answer replaced by a 502) is closed.
- A status outside 200-599 (a 1xx, a 600) and a header name HTTP does not allow (CR/LF, a space,
  empty) are a broken integration: 502, as the managed gateway answers a malformed integration
  response.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from apigw_cli.gateway.gateway_errors import gateway_error

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler

logger = logging.getLogger("apigw")
HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
        "transfer-encoding", "upgrade", "proxy-connection",
    }
)  # fmt: skip
_OWNED = HOP_BY_HOP | {"content-length"}
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 field names


def frame(response: GatewayResponse, method: str) -> GatewayResponse:
    """`response` as it can be sent: see the module's docstring."""
    status = response.status
    if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
        logger.error("integration answered status %r, which is not a final HTTP status: 502", status)
        return _framed(gateway_error("INTEGRATION_FAILURE", "Internal server error"), method)
    listed: set[str] = set()
    for name, value in response.headers:
        if not _TOKEN.match(name):
            logger.error("integration answered a header named %r, which HTTP does not allow: 502", name[:80])
            return _framed(gateway_error("INTEGRATION_FAILURE", "Internal server error"), method)
        if name.lower() == "connection":
            listed.update(token.strip().lower() for token in str(value).split(",") if token.strip())
    declared_length = response.header("content-length")
    response.headers = [
        (name, value) for name, value in response.headers if name.lower() not in _OWNED and name.lower() not in listed
    ]
    return _framed(response, method, declared_length)


def _framed(response: GatewayResponse, method: str, declared_length: str | None = None) -> GatewayResponse:
    if response.status in (204, 304):
        response.body = b""
        return response
    stream = response.stream
    if stream is not None:
        if stream.length is not None:
            response.headers.append(("content-length", str(stream.length)))
        return response  # without a declared length the server sends it chunked
    length = len(response.body)
    if method == "HEAD":
        if not response.body and declared_length is not None and declared_length.strip().isdigit():
            length = int(declared_length)  # a backend's answer to HEAD: the length it would send
        response.body = b""
    response.headers.append(("content-length", str(length)))
    return response


class FramingStage:
    """Just inside the access log, so that the log and metrics see the status the client gets."""

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        response = await call_next(exchange)
        framed = frame(response, exchange.request.method)
        if framed is not response:
            exchange.error = exchange.error or f"the integration's answer could not be sent (status {response.status})"
        stream = response.stream
        if stream is not None and (
            framed is not response or framed.status in (204, 304) or exchange.request.method == "HEAD"
        ):
            response.stream = None
            await stream.discard()
        return framed
