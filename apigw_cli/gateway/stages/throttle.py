"""Token buckets per API, per route (x-throttle) and per API key (its usage plan), taken all or
none in one store operation, and the key's quota: 429 `Too Many Requests` with Retry-After, or
429 `Limit Exceeded` past the quota."""

from __future__ import annotations

import math

from apigw_cli.gateway.clock import Clock
from apigw_cli.gateway.exchange import Exchange, GatewayResponse, gateway_error
from apigw_cli.gateway.pipeline import Handler
from apigw_cli.gateway.policies import Throttle
from apigw_cli.gateway.stores.base import Store


class ThrottleStage:
    def __init__(self, store: Store, clock: Clock, api: Throttle, namespace: str):
        self._store = store
        self._clock = clock
        self._api = api
        self._namespace = namespace  # keeps two specs served from one store apart

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        now = self._clock.now()
        operation = exchange.operation
        key = exchange.api_key
        buckets: list[tuple[str, Throttle]] = [(f"{self._namespace}:api", self._api)]
        if operation is not None and operation.throttle is not None:
            buckets.append((f"{self._namespace}:route:{operation.route_key}", operation.throttle))
        if key is not None and key.plan is not None and key.plan.throttle is not None:
            buckets.append((f"{self._namespace}:key:{key.name}", key.plan.throttle))
        failed, wait = await self._store.take_tokens([(n, t.rate, t.burst) for n, t in buckets], now)
        if failed >= 0:
            name, throttle = buckets[failed]
            exchange.error = f"throttled by {name.split(':', 1)[1]} ({throttle})"
            retry = str(max(1, math.ceil(wait))) if math.isfinite(wait) else "60"
            return gateway_error(429, "Too Many Requests", [("retry-after", retry)], response_type="THROTTLED")
        if key is not None and key.plan is not None and key.plan.quota is not None:
            quota = key.plan.quota
            period, ends = quota.window(now)
            used = await self._store.count(f"{self._namespace}:quota:{key.name}:{period}", ends, now)
            if used > quota.limit:
                exchange.error = f"quota of key {key.name} used up ({quota})"
                retry = str(max(1, math.ceil(ends - now)))
                return gateway_error(429, "Limit Exceeded", [("retry-after", retry)], response_type="QUOTA_EXCEEDED")
        return await call_next(exchange)
