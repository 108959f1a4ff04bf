"""What a WebSocket connection tells the access log, the metrics and the recorder: one entry per
connect, message and disconnect (`WsEvent`), as an HTTP request tells them one per exchange."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from apigw_cli.gateway.stages.access_log import AccessLogEntry, AccessLogSink
from apigw_cli.record.format import (
    RecordedWebSocket,
    WebSocketLine,
    encode_body,
    frame_body,
    headers_of,
    iso_time,
)

if TYPE_CHECKING:
    from apigw_cli.gateway.metrics import GatewayMetrics
    from apigw_cli.record.writer import RecordWriter


@dataclass
class WsEvent:
    event_type: Literal["CONNECT", "MESSAGE", "DISCONNECT"]
    connection_id: str
    request_id: str
    route_key: str | None  # None: no route took the message
    received_at: float  # epoch seconds
    client_ip: str
    path: str
    status: int = 200
    integration: str | None = None
    integration_seconds: float | None = None
    error: str | None = None
    message: bytes | str | None = None  # what the client sent (MESSAGE)
    # what went to the caller while it was handled: posts through @connections, then the route response
    replies: list[bytes] = field(default_factory=list)
    close_code: int | None = None  # DISCONNECT
    query: str = ""  # CONNECT
    headers: list[tuple[str, str]] = field(default_factory=list)  # CONNECT
    started: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class WsObserver:
    access_log: AccessLogSink | None
    metrics: GatewayMetrics | None
    recorder: RecordWriter | None
    secret_headers: frozenset[str] | None  # None: keep every header
    record_max_body: int
    api: str
    stage: str

    def connections(self, delta: int) -> None:
        if self.metrics is not None:
            self.metrics.connections.labels(self.api, self.stage).inc(delta)

    def done(self, event: WsEvent) -> None:
        latency_ms = (time.perf_counter() - event.started) * 1000
        if self.metrics is not None:
            self._count(event)
        if self.access_log is not None:
            sent = sum(len(reply) for reply in event.replies)
            self.access_log(
                AccessLogEntry(
                    request_id=event.request_id,
                    ip=event.client_ip,
                    request_time=event.received_at,
                    http_method=event.event_type,
                    path=event.path,
                    resource_path=event.route_key,
                    status=event.status,
                    protocol="WebSocket",
                    response_length=sent,
                    latency_ms=latency_ms,
                    integration_latency_ms=event.integration_seconds * 1000
                    if event.integration_seconds is not None
                    else None,
                    integration=event.integration,
                    error=event.error,
                    notes=(f"connection {event.connection_id}",),
                )
            )
        if self.recorder is not None:
            self.recorder.write(self._line(event, latency_ms))

    def _line(self, event: WsEvent, latency_ms: float) -> WebSocketLine:
        recorded: RecordedWebSocket = {
            "connectionId": event.connection_id,
            "eventType": event.event_type,
            "routeKey": event.route_key,
            "path": event.path,
            "status": event.status,
        }
        if event.event_type == "CONNECT":
            recorded["query"] = event.query
            recorded["headers"] = headers_of(event.headers, self.secret_headers)
        if event.message is not None:
            recorded["message"] = frame_body(event.message, self.record_max_body)
        if event.replies:
            recorded["replies"] = [encode_body(reply, self.record_max_body) for reply in event.replies]
        if event.close_code is not None:
            recorded["closeCode"] = event.close_code
        return {
            "time": iso_time(event.received_at),
            "requestId": event.request_id,
            "websocket": recorded,
            "latencyMs": round(latency_ms, 3),
        }

    def _count(self, event: WsEvent) -> None:
        metrics = self.metrics
        assert metrics is not None
        route = event.route_key or ""
        if event.event_type == "CONNECT":
            metrics.connect_count.labels(self.api, self.stage).inc()
        elif event.event_type == "MESSAGE":
            metrics.message_count.labels(self.api, self.stage, route).inc()
        if event.error is not None and event.integration is not None:
            metrics.integration_error.labels(self.api, self.stage, route).inc()
