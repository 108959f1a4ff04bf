"""Metrics in the Prometheus text format, with the managed gateway's metric names in snake case
under an `apigw_` prefix (a Prometheus name cannot start with a digit, as 4xx_error would):
apigw_count, apigw_4xx_error, apigw_5xx_error, apigw_latency, apigw_integration_latency,
apigw_cache_hit_count, apigw_cache_miss_count, apigw_throttled_count; labelled by api, stage,
method and resource. Besides them, apigw_store_unavailable: operations of the shared store (Redis)
that met an outage, by operation (throttle, quota, cache, authorizer cache). WebSocket APIs add
apigw_connect_count, apigw_message_count and apigw_integration_error (by route), and the gauge
apigw_connections (open connections; summed across workers).

One registry per server process, shared by its snapshots; with several workers, prometheus-client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by `serve` before the workers start) sums them.
"""

from __future__ import annotations

import os
from typing import Any

LABELS = ("api", "stage", "method", "resource")
WS_LABELS = ("api", "stage", "route")
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)  # seconds


class GatewayMetrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.multiprocess = "PROMETHEUS_MULTIPROC_DIR" in os.environ

        def counter(name: str, text: str) -> Any:
            return Counter(name, text, LABELS, namespace="apigw", registry=self.registry)

        self.count = counter("count", "Requests")
        self.error_4xx = counter("4xx_error", "Requests answered 4xx")
        self.error_5xx = counter("5xx_error", "Requests answered 5xx")
        self.cache_hit = counter("cache_hit_count", "Responses served from the cache")
        self.cache_miss = counter("cache_miss_count", "Cacheable requests the cache did not have")
        self.throttled = counter("throttled_count", "Requests refused by a throttle or quota")
        self.store_unavailable = Counter(
            "store_unavailable",
            "Operations of the shared store that met an outage (refused, or no answer within the deadline)",
            ("operation",),
            namespace="apigw",
            registry=self.registry,
        )

        self.connect_count = Counter(
            "connect_count", "WebSocket $connect attempts", ("api", "stage"), namespace="apigw", registry=self.registry
        )
        self.message_count = Counter(
            "message_count", "WebSocket messages from clients", WS_LABELS, namespace="apigw", registry=self.registry
        )
        self.integration_error = Counter(
            "integration_error",
            "WebSocket route integrations that failed",
            WS_LABELS,
            namespace="apigw",
            registry=self.registry,
        )
        self.connections = Gauge(
            "connections",
            "Open WebSocket connections",
            ("api", "stage"),
            namespace="apigw",
            registry=self.registry,
            multiprocess_mode="livesum",
        )

        def histogram(name: str, text: str) -> Any:
            return Histogram(name, text, LABELS, namespace="apigw", registry=self.registry, buckets=_BUCKETS)

        self.latency = histogram("latency", "Seconds from request to response")
        self.integration_latency = histogram("integration_latency", "Seconds spent in the integration")
        self.first_byte_latency = histogram(
            "first_byte_latency", "Seconds from request to the first body chunk of a streamed response"
        )

    def exposition(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client import multiprocess as multi

        if self.multiprocess:
            registry = CollectorRegistry()
            multi.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return bytes(generate_latest(registry))
        return bytes(generate_latest(self.registry))
