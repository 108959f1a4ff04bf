"""The response cache, all of it: the policy (`x-cache: {ttl, keys, requireAuthorizationForCacheControl}`),
its reader, and the stage. GET (and HEAD) 2xx answers of a backend are kept for `ttl` seconds, keyed
by the route, the path, the request parts the policy names and the caller. `Cache-Control:
max-age=0` from a client skips the cached copy and refreshes it. The outcome (hit or miss) is the
exchange's `cache` field, and the `X-Cache` header the client sees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.stores.base import CachedResponse, Store

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.gateway.clock import Clock
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.spec.document import Location, SpecDocument

CACHE_HEADER = "x-cache"
DEFAULT_CACHE_TTL = 300  # seconds, as the managed gateway
MAX_CACHE_TTL = 3600
MAX_CACHED_BYTES = 1024 * 1024  # larger responses are not cached
_NOT_CACHED_HEADERS = frozenset({"x-amzn-requestid", "set-cookie", "x-apigw-response-mismatch"})


@dataclass(frozen=True, slots=True)
class CachePolicy:
    ttl: int
    keys: tuple[str, ...]  # request parts in the key: query.NAME, header.NAME
    # as the managed gateway's requireAuthorizationForCacheControl: only authenticated callers
    # (API key, JWT or authorizer) may skip the cache with Cache-Control: max-age=0
    authorized_refresh_only: bool = False

    def __str__(self) -> str:
        return f"{self.ttl}s" + (f" by {', '.join(self.keys)}" if self.keys else "")


def read_cache(document: SpecDocument, raw: Any, at: Location) -> CachePolicy | None:
    if not isinstance(raw, dict):
        raise document.error("x-cache is {ttl: seconds, keys: [query.NAME, header.NAME]}", at)
    if raw.get("enabled") is False:
        return None
    ttl = raw.get("ttl", DEFAULT_CACHE_TTL)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= MAX_CACHE_TTL:
        raise document.error(f"x-cache ttl {ttl!r} must be 0 to {MAX_CACHE_TTL} seconds", at.child("ttl"))
    keys = raw.get("keys") or []
    if not isinstance(keys, list) or not all(
        isinstance(k, str) and k.split(".")[0] in ("query", "header") for k in keys
    ):
        raise document.error("x-cache keys are query.NAME or header.NAME", at.child("keys"))
    only_authorized = raw.get("requireAuthorizationForCacheControl", False)
    if not isinstance(only_authorized, bool):
        raise document.error("requireAuthorizationForCacheControl must be true or false", at)
    return CachePolicy(ttl, tuple(keys), only_authorized) if ttl > 0 else None


class CacheStage:
    def __init__(self, store: Store, clock: Clock, routes: Sequence[CachePolicy | None], namespace: str):
        self._store = store
        self._clock = clock
        self._routes = routes  # by operation index
        self._namespace = namespace

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        policy = self._routes[operation.index] if operation is not None else None
        if operation is None or policy is None or exchange.request.method not in ("GET", "HEAD"):
            return await call_next(exchange)
        key = self._key(exchange, policy, operation.fingerprint)
        now = self._clock.now()
        refresh = "max-age=0" in (exchange.request.header("cache-control") or "").replace(" ", "")
        if refresh and policy.authorized_refresh_only and not exchange.authenticated:
            refresh = False
        if not refresh:
            cached = await self._store.cache_get(key, now)
            if cached is not None:
                exchange.cache = "hit"
                return GatewayResponse(cached.status, [*cached.headers, (CACHE_HEADER, "Hit")], cached.body)
        response = await call_next(exchange)
        exchange.cache = "miss"
        cacheable = response.stream is None and not response.from_gateway  # a streamed body is never held whole
        if cacheable and 200 <= response.status < 300 and len(response.body) <= MAX_CACHED_BYTES:
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
        key = exchange.api_key.name if exchange.api_key else ""
        subject = exchange.jwt.subject if exchange.jwt else ""
        granted = exchange.authorizer.principal_id or "" if exchange.authorizer else ""
        parts.append(f"principal={key}|{subject}|{granted}")
        return "\x1f".join(parts)
