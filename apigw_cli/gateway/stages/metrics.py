"""Counts every request in the metrics, and answers `{admin prefix}/metrics` with them."""

from __future__ import annotations

import time

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.metrics import GatewayMetrics
from apigw_cli.gateway.stages.stage import Handler
from apigw_cli.gateway.streaming import StreamOutcome

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class MetricsStage:
    def __init__(self, metrics: GatewayMetrics, prefix: str, api: str, deployment: str | None):
        self._metrics = metrics
        self._path = prefix.rstrip("/") + "/metrics"
        self._api = api
        self._deployment = deployment or "$default"  # the `stage` label, as the managed gateway names it

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        if request.path == self._path and request.method == "GET":
            return GatewayResponse(200, [("content-type", CONTENT_TYPE)], self._metrics.exposition())
        started = time.perf_counter()
        response = await call_next(exchange)
        operation = exchange.operation
        labels = (self._api, self._deployment, request.method, operation.path if operation else "(none)")
        metrics = self._metrics
        metrics.count.labels(*labels).inc()
        if 400 <= response.status < 500:
            metrics.error_4xx.labels(*labels).inc()
        elif response.status >= 500:
            metrics.error_5xx.labels(*labels).inc()
        if response.response_type in ("THROTTLED", "QUOTA_EXCEEDED"):
            metrics.throttled.labels(*labels).inc()
        if exchange.cache == "hit":
            metrics.cache_hit.labels(*labels).inc()
        elif exchange.cache == "miss":
            metrics.cache_miss.labels(*labels).inc()
        if exchange.integration_latency is not None:
            metrics.integration_latency.labels(*labels).observe(exchange.integration_latency)
        stream = response.stream
        if stream is None:
            metrics.latency.labels(*labels).observe(time.perf_counter() - started)
            return response

        def finished(outcome: StreamOutcome) -> None:  # a streamed response's latency is to its last byte
            metrics.latency.labels(*labels).observe(outcome.ended_at - started)
            if outcome.first_byte_at is not None:
                metrics.first_byte_latency.labels(*labels).observe(outcome.first_byte_at - started)

        stream.on_finish(finished)
        return response
