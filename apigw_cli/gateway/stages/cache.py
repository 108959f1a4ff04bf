"""The response cache: GET (and HEAD) 2xx responses of operations with `x-cache`, keyed by the
route, the path, the request parts the policy names and the caller, for `ttl` seconds.
`Cache-Control: max-age=0` from a client skips the cached copy and refreshes it."""

from __future__ import annotations

from apigw_cli.gateway.clock import Clock
from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.pipeline import Handler
from apigw_cli.gateway.policies import MAX_CACHED_BYTES, CachePolicy
from apigw_cli.gateway.stores.base import CachedResponse, Store

CACHE_HEADER = "x-cache"
_NOT_CACHED_HEADERS = frozenset({"x-amzn-requestid", "set-cookie", "x-apigw-response-mismatch"})


class CacheStage:
    def __init__(self, store: Store, clock: Clock, namespace: str):
        self._store = store
        self._clock = clock
        self._namespace = namespace

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        policy = operation.cache if operation is not None else None
        if operation is None or policy is None or exchange.request.method not in ("GET", "HEAD"):
            return await call_next(exchange)
        key = self._key(exchange, policy, operation.fingerprint)
        now = self._clock.now()
        refresh = "max-age=0" in (exchange.request.header("cache-control") or "").replace(" ", "")
        if refresh and policy.authorized_refresh_only and not _authenticated(exchange):
            refresh = False
        if not refresh:
            cached = await self._store.cache_get(key, now)
            if cached is not None:
                return GatewayResponse(cached.status, [*cached.headers, (CACHE_HEADER, "Hit")], cached.body)
        response = await call_next(exchange)
        if 200 <= response.status < 300 and len(response.body) <= MAX_CACHED_BYTES and exchange.error is None:
            headers = tuple((n, v) for n, v in response.headers if n.lower() not in _NOT_CACHED_HEADERS)
            entry = CachedResponse(response.status, headers, response.body, now + policy.ttl)
            await self._store.cache_put(key, entry, now)
        response.headers.append((CACHE_HEADER, "Miss"))
        return response

    def _key(self, exchange: Exchange, policy: CachePolicy, fingerprint: str) -> str:
        request = exchange.request
        parts = [self._namespace, fingerprint, request.path]
        for name in policy.keys:
            where, _, field = name.partition(".")
            if where == "query":
                parts.append(f"{name}={','.join(request.query.get(field, []))}")
            elif where == "header":
                parts.append(f"{name}={request.header(field.lower()) or ''}")
        # a cached answer for one caller is never served to another
        subject = str(exchange.claims.get("sub", "")) if exchange.claims else ""
        parts.append(f"principal={exchange.api_key.name if exchange.api_key else ''}|{subject}")
        return "\x1f".join(parts)


def _authenticated(exchange: Exchange) -> bool:
    return exchange.api_key is not None or exchange.claims is not None or exchange.authorizer_context is not None
