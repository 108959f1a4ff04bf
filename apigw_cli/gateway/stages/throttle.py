"""Throttling: token buckets per API (`x-gateway.throttle`, or the deployment stage's), per route
(`x-throttle`) and per API key (its usage plan), taken all or none in one store operation, and the
key's quota. 429 `Too Many Requests` with Retry-After, or 429 `Limit Exceeded` past the quota. The
bucket maths lives in each store (one Python function, one Lua script), checked by one test table."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.limits import DEFAULT_BURST, DEFAULT_RATE, Throttle

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.gateway.clock import Clock
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.gateway.stores.base import Store
    from apigw_cli.spec.document import Location, SpecDocument


def read_throttle(document: SpecDocument, raw: Any, at: Location) -> Throttle:
    if not isinstance(raw, dict):
        raise document.error("a throttle is {rate: requests a second, burst: bucket size}", at)
    rate = raw.get("rate", DEFAULT_RATE)
    burst = raw.get("burst", DEFAULT_BURST)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or rate <= 0:
        raise document.error(f"throttle rate {rate!r} must be a positive number of requests a second", at.child("rate"))
    if not isinstance(burst, int) or isinstance(burst, bool) or burst < 1:
        raise document.error(f"throttle burst {burst!r} must be a whole number of at least 1", at.child("burst"))
    return Throttle(float(rate), burst)


def api_throttle(document: SpecDocument) -> Throttle:
    """`x-gateway.throttle`, else the managed gateway's account default."""
    gateway = document.root.get("x-gateway")
    raw = gateway.get("throttle") if isinstance(gateway, dict) else None
    if raw is None:
        return Throttle(DEFAULT_RATE, DEFAULT_BURST)
    return read_throttle(document, raw, document.root_location.child("x-gateway", "throttle"))


class ThrottleStage:
    def __init__(self, store: Store, clock: Clock, api: Throttle, routes: Sequence[Throttle | None], namespace: str):
        self._store = store
        self._clock = clock
        self._api = api
        self._routes = routes  # by operation index: the route's own bucket, if it has one
        self._namespace = namespace  # keeps two specs served from one store apart

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        now = self._clock.now()
        operation = exchange.operation
        key = exchange.api_key
        buckets: list[tuple[str, Throttle]] = [(f"{self._namespace}:api", self._api)]
        route = self._routes[operation.index] if operation is not None else None
        if operation is not None and route is not None:
            buckets.append((f"{self._namespace}:route:{operation.route_key}", route))
        if key is not None and key.plan is not None and key.plan.throttle is not None:
            buckets.append((f"{self._namespace}:key:{key.name}", key.plan.throttle))
        quota = (key.name, key.plan.quota) if key is not None and key.plan and key.plan.quota else None
        counter = None
        if quota is not None:
            period, ends = quota[1].window(now)
            counter = (quota_key(self._namespace, quota[0], period), ends)
        # the buckets and the quota's counter in one step: one round trip to Redis, not two
        failed, wait, used = await self._store.take_tokens_and_count(
            [(n, t.rate, t.burst) for n, t in buckets], counter, now
        )
        if failed >= 0:
            name, throttle = buckets[failed]
            exchange.error = f"throttled by {name.split(':', 1)[1]} ({throttle})"
            retry = str(max(1, math.ceil(wait))) if math.isfinite(wait) else "60"
            return gateway_error("THROTTLED", headers=[("retry-after", retry)])
        if quota is not None and counter is not None and used > quota[1].limit:
            exchange.error = f"quota of key {quota[0]} used up ({quota[1]})"
            retry = str(max(1, math.ceil(counter[1] - now)))
            return gateway_error("QUOTA_EXCEEDED", headers=[("retry-after", retry)])
        return await call_next(exchange)


def quota_key(namespace: str, key_name: str, period: str) -> str:
    """The store's counter of one API key's requests in one quota period."""
    return f"{namespace}:quota:{key_name}:{period}"
