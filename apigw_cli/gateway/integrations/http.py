"""The `http` integration: proxies the request to a backend URL.

`{param}` in the URL takes the request's path parameters (percent-encoded; a greedy `{proxy+}`
keeps its slashes), the query string is passed through, hop-by-hop headers are dropped both
ways, X-Forwarded-For/-Proto are appended, and Host is the backend's. Nothing is retried. A
streaming integration (`stream: true`, `responseTransferMode: STREAM`) answers once the backend's
status and headers are in, its body following as the backend sends it (gateway/streaming.py). The
managed gateway's `requestParameters` (an AWS `http_proxy`) set path, query string and header
values over what passes through. `send` is the backend call the non-proxy `http` integration
shares.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from apigw_cli.errors import IntegrationError, IntegrationTimeout, RequestTooLarge
from apigw_cli.gateway.deployment import Deployment
from apigw_cli.gateway.exchange import Exchange, GatewayRequest, GatewayResponse
from apigw_cli.gateway.mapping.http_api import HttpApiRequestParameters, HttpApiResponseParameters, OutgoingRequest
from apigw_cli.gateway.mapping.parameters import IntegrationRequestParts, RequestParameters
from apigw_cli.gateway.mapping.scope import MappingScope
from apigw_cli.gateway.streaming import ResponseStream, StreamLimits
from apigw_cli.spec.walk import TEMPLATE_PARAMETER

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable

    from apigw_cli.gateway.integrations.backend_client import BackendClient

HOP_BY_HOP = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
        "transfer-encoding", "upgrade", "proxy-connection",
    }
)  # fmt: skip
_NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length"}
# a backend's Date too: the gateway's server sends its own
_NOT_FORWARDED_RAW = frozenset(name.encode() for name in _NOT_FORWARDED | {"date"})
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
_SET_BY_GATEWAY = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-port"})


def forwarded_headers(request: GatewayRequest, trust_proxy: bool = False) -> list[tuple[str, str]]:
    """X-Forwarded-For with the client appended, and X-Forwarded-Proto / -Port of the connection the
    gateway accepted (a client's own are not passed on: a plain-http client cannot claim https),
    unless a trusted proxy in front set them."""
    forwarded_for = request.header("x-forwarded-for")
    found = [("x-forwarded-for", f"{forwarded_for}, {request.client_ip}" if forwarded_for else request.client_ip)]
    proto = request.header("x-forwarded-proto") if trust_proxy else None
    port = request.header("x-forwarded-port") if trust_proxy else None
    found.append(("x-forwarded-proto", proto or request.scheme))
    if port or request.server_port is not None:
        found.append(("x-forwarded-port", port or str(request.server_port)))
    return found


@dataclass(frozen=True, slots=True)
class UrlTemplate:
    """A backend URL with `{name}` placeholders, split once so a request only joins strings."""

    parts: tuple[str, ...]  # literal, name, literal, name, ..., literal
    has_query: bool

    @classmethod
    def parse(cls, url: str) -> UrlTemplate:
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not split.netloc:
            raise ValueError(f"url {url!r} must be an absolute http:// or https:// URL")
        pieces = TEMPLATE_PARAMETER.split(url)
        return cls(tuple(pieces), bool(split.query))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name.rstrip("+") for name in self.parts[1::2])

    def render(self, params: dict[str, str], keep_slashes: frozenset[str] | set[str] = frozenset()) -> str:
        """The URL with each placeholder percent-encoded; a greedy one (`{proxy+}`), or one named in
        `keep_slashes` (mapped from a greedy path parameter), keeps its slashes."""
        out = []
        for index, piece in enumerate(self.parts):
            if index % 2 == 0:
                out.append(piece)
            else:
                name = piece.rstrip("+")
                greedy = piece.endswith("+") or name in keep_slashes
                out.append(quote(params.get(name, ""), safe="/" if greedy else ""))
        return "".join(out)


class HttpIntegration:
    kind = "http"

    def __init__(
        self,
        url: UrlTemplate,
        method: str | None,
        timeout: float,
        client: BackendClient,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        shown_url: str = "",
        mapping: RequestParameters | None = None,
        deployment: Deployment | None = None,
        http_api: tuple[HttpApiRequestParameters, HttpApiResponseParameters] | None = None,
        trust_proxy: bool = False,
        stream: StreamLimits | None = None,
    ):
        self.url = url
        self.method = method
        self._timeout = timeout
        self._client = client
        client.wanted = True
        self._max_response_bytes = max_response_bytes
        self._shown = shown_url or "".join(url.parts)
        self._mapping = mapping  # the managed gateway's requestParameters, over what passes through
        self._deployment = deployment or Deployment(None)
        self._http_api = http_api  # an HTTP API's requestParameters / responseParameters
        self._trust_proxy = trust_proxy  # keep a client's X-Forwarded-Proto / -Port (a proxy in front)
        self._client_timeout: Any = None  # aiohttp.ClientTimeout, made on first use (aiohttp loads lazily)
        self.stream = stream  # the limits of a streamed response; None reads it whole

    @property
    def target(self) -> str:
        return f"{self.method + ' ' if self.method else ''}{self._shown}"

    async def aclose(self) -> None:
        return None  # the client belongs to the snapshot

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        request = exchange.request
        parts = IntegrationRequestParts(path=dict(exchange.path_params))
        if self._mapping is not None:
            self._mapping.apply(MappingScope(exchange, self._deployment, request.body), parts)
        url = self.url.render(parts.path, parts.greedy)
        query = request.query_string
        if parts.query:
            query = "&".join(filter(None, [query, urlencode(parts.query)]))
        if query:
            url += ("&" if self.url.has_query else "?") + query
        connection_listed = {
            token.strip().lower() for token in (request.header("connection") or "").split(",") if token.strip()
        }
        headers: list[tuple[str, str]] = []
        for name, value in request.headers:
            if name in _NOT_FORWARDED or name in connection_listed or name in _SET_BY_GATEWAY:
                continue
            headers.append((name, value))
        headers += forwarded_headers(request, self._trust_proxy)
        if parts.headers:
            names = {name for name, _ in parts.headers}
            headers = [(name, value) for name, value in headers if name not in names] + parts.headers
        if self._http_api is not None:
            url, headers = self._map_http_api(exchange, url, headers)
        body: Any = None
        source = request.body_source
        if self.stream is not None:
            body = await request.read_body() or None  # whole: the response's stream watches the client
        elif request.body:
            body = request.body
        elif source is not None and not source.consumed and request.has_body:
            body = source.chunks()  # streamed: nothing validates it, so nothing needs it whole
            length = request.header("content-length")
            if length is not None:
                headers.append(("content-length", length))
        if self.stream is not None:
            response = await self.send_streamed(self.method or request.method, url, headers, body, self.stream)
        else:
            response = await self.send(self.method or request.method, url, headers, body)
        if self._http_api is not None:
            response = self._http_api[1].apply(exchange, self._deployment, response)
        return response

    def _map_http_api(
        self, exchange: Exchange, url: str, headers: list[tuple[str, str]]
    ) -> tuple[str, list[tuple[str, str]]]:
        """An HTTP API's request parameter mapping, on the URL and headers about to be sent."""
        assert self._http_api is not None
        split = urlsplit(url)
        outgoing = OutgoingRequest(None, parse_qsl(split.query, keep_blank_values=True), headers)
        self._http_api[0].apply(exchange, self._deployment, outgoing)
        path = quote(outgoing.path, safe="/%") if outgoing.path is not None else split.path
        query = urlencode(outgoing.query)
        return urlunsplit((split.scheme, split.netloc, path, query, "")), outgoing.headers

    async def send(self, method: str, url: str, headers: list[tuple[str, str]], body: Any) -> GatewayResponse:
        """One request to the backend (`url` already percent-encoded), its whole answer read, up to
        the response size limit; IntegrationError / IntegrationTimeout when it fails."""
        import aiohttp
        from yarl import URL

        session = await self._client.session()
        if self._client_timeout is None:
            self._client_timeout = aiohttp.ClientTimeout(total=self._timeout)
        try:
            async with session.request(
                method,
                URL(url, encoded=True),
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=self._client_timeout,
            ) as response:
                declared = response.content_length
                if declared is not None and declared > self._max_response_bytes:
                    raise self._too_large()
                received: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                    if size > self._max_response_bytes:
                        raise self._too_large()
                    received.append(chunk)
                return GatewayResponse(response.status, _passed_headers(response.raw_headers), b"".join(received))
        except TimeoutError:
            raise IntegrationTimeout(f"{method} {url} did not answer within {self._timeout:g} s") from None
        except aiohttp.ClientError as exc:
            if isinstance(exc.__cause__, RequestTooLarge) or isinstance(exc.__context__, RequestTooLarge):
                raise RequestTooLarge(str(exc)) from exc
            raise IntegrationError(f"{method} {url} failed: {type(exc).__name__}: {exc}") from None

    async def send_streamed(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None, limits: StreamLimits
    ) -> GatewayResponse:
        """One request to the backend, answered as soon as its status and headers are in (within the
        integration's timeout); the body is a stream read from the backend as the client takes it."""
        import aiohttp
        from yarl import URL

        session = await self._client.session()
        no_total = aiohttp.ClientTimeout(total=None, sock_connect=self._timeout)  # the stream has its own limits
        try:
            response = await asyncio.wait_for(
                session.request(
                    method, URL(url, encoded=True), headers=headers, data=body, allow_redirects=False, timeout=no_total
                ),
                self._timeout,
            )
        except TimeoutError:
            raise IntegrationTimeout(f"{method} {url} did not answer within {self._timeout:g} s") from None
        except aiohttp.ClientError as exc:
            raise IntegrationError(f"{method} {url} failed: {type(exc).__name__}: {exc}") from None

        async def chunks() -> AsyncIterator[bytes]:
            async for chunk in response.content.iter_any():
                yield chunk

        async def close(complete: bool) -> None:
            if complete:
                response.release()  # the connection goes back to the pool
            else:
                response.close()  # dropped: the backend sees its client go

        stream = ResponseStream(chunks(), close, limits, response.content_length)
        return GatewayResponse(response.status, _passed_headers(response.raw_headers), stream=stream)

    def _too_large(self) -> IntegrationError:
        message = f"Backend response is larger than the {self._max_response_bytes}-byte limit"
        return IntegrationError(message, public_message=message)


def _passed_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """A backend's headers as the client gets them: hop-by-hop ones, its length and date, and those
    its `Connection` lists, dropped (the gateway frames what it sends)."""
    pairs = list(raw)
    listed = {
        token.strip().lower() for name, value in pairs if name.lower() == b"connection" for token in value.split(b",")
    }
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in pairs
        if name.lower() not in _NOT_FORWARDED_RAW and name.lower() not in listed
    ]
