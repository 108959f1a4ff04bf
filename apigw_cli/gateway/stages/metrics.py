"""Counts every request in the metrics, and answers `{admin prefix}/metrics` with them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.exchange import Exchange, GatewayResponse

if TYPE_CHECKING:
    from apigw_cli.gateway.metrics import GatewayMetrics
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.gateway.streaming import StreamOutcome

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# label sets whose metric children are kept (a method a client makes up is one more: beyond this,
# children are looked up per request instead of held)
MAX_CACHED_LABELS = 4096


class _Children:
    """The metric children of one label set, each looked up on its first use (a series appears once
    counted): `labels()` takes a lock and checks the labels on every call."""

    __slots__ = ("_labels", "_made")

    def __init__(self, labels: tuple[str, ...]):
        self._labels = labels
        self._made: dict[Any, Any] = {}

    def __call__(self, metric: Any) -> Any:
        child = self._made.get(metric)
        if child is None:
            child = self._made[metric] = metric.labels(*self._labels)
        return child


class MetricsStage:
    def __init__(self, metrics: GatewayMetrics, prefix: str, api: str, deployment: str | None):
        self._metrics = metrics
        self._path = prefix.rstrip("/") + "/metrics"
        self._api = api
        self._deployment = deployment or "$default"  # the `stage` label, as the managed gateway names it
        self._children: dict[tuple[str, str], _Children] = {}

    def _for(self, method: str, resource: str) -> _Children:
        key = (method, resource)
        children = self._children.get(key)
        if children is None:
            children = _Children((self._api, self._deployment, method, resource))
            if len(self._children) < MAX_CACHED_LABELS:
                self._children[key] = children
        return children

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        if request.path == self._path and request.method == "GET":
            return GatewayResponse(200, [("content-type", CONTENT_TYPE)], self._metrics.exposition())
        started = time.perf_counter()
        response = await call_next(exchange)
        operation = exchange.operation
        metrics = self._metrics
        child = self._for(request.method, operation.path if operation else "(none)")
        child(metrics.count).inc()
        if 400 <= response.status < 500:
            child(metrics.error_4xx).inc()
        elif response.status >= 500:
            child(metrics.error_5xx).inc()
        if response.response_type in ("THROTTLED", "QUOTA_EXCEEDED"):
            child(metrics.throttled).inc()
        if exchange.cache == "hit":
            child(metrics.cache_hit).inc()
        elif exchange.cache == "miss":
            child(metrics.cache_miss).inc()
        if exchange.integration_latency is not None:
            child(metrics.integration_latency).observe(exchange.integration_latency)
        stream = response.stream
        if stream is None:
            child(metrics.latency).observe(time.perf_counter() - started)
            return response

        def finished(outcome: StreamOutcome) -> None:  # a streamed response's latency is to its last byte
            child(metrics.latency).observe(outcome.ended_at - started)
            if outcome.first_byte_at is not None:
                child(metrics.first_byte_latency).observe(outcome.first_byte_at - started)

        stream.on_finish(finished)
        return response
