"""Times every request and hands one `AccessLogEntry` per request to a sink (the console, a file);
a streamed response's entry is handed over when its stream ends, with the time to its first byte."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.gateway.streaming import StreamOutcome


@dataclass(frozen=True, slots=True)
class AccessLogEntry:
    """The managed gateway's `$context` access-log fields that a local gateway knows."""

    request_id: str
    ip: str
    request_time: float  # epoch seconds
    http_method: str
    path: str
    resource_path: str | None
    status: int
    protocol: str
    response_length: int
    latency_ms: float
    integration_latency_ms: float | None
    integration: str | None
    error: str | None
    notes: tuple[str, ...]
    first_byte_ms: float | None = None  # streamed responses: from the request to the first body chunk


AccessLogSink = Callable[[AccessLogEntry], None]


class AccessLogStage:
    def __init__(self, sink: AccessLogSink):
        self._sink = sink

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        started = time.perf_counter()
        response = await call_next(exchange)
        if exchange.quiet:
            return response
        stream = response.stream
        if stream is None:
            self._sink(self._entry(exchange, response, (time.perf_counter() - started) * 1000, len(response.body)))
            return response

        def finished(outcome: StreamOutcome) -> None:
            first = outcome.first_byte_at
            entry = self._entry(
                exchange,
                response,
                (outcome.ended_at - started) * 1000,
                outcome.size,
                (first - started) * 1000 if first is not None else None,
            )
            if not outcome.complete:
                entry = replace(entry, error=entry.error or f"stream ended: {outcome.ended}")
            self._sink(entry)

        stream.on_finish(finished)
        return response

    @staticmethod
    def _entry(
        exchange: Exchange, response: GatewayResponse, latency: float, length: int, first_byte: float | None = None
    ) -> AccessLogEntry:
        request = exchange.request
        operation = exchange.operation
        integration_ms = exchange.integration_latency
        return AccessLogEntry(
            request_id=exchange.request_id,
            ip=request.client_ip,
            request_time=exchange.received_at,
            http_method=request.method,
            path=request.path,
            resource_path=operation.path if operation else None,
            status=response.status,
            protocol=f"HTTP/{request.http_version}",
            response_length=length,
            latency_ms=latency,
            integration_latency_ms=integration_ms * 1000 if integration_ms is not None else None,
            integration=operation.integration if operation else None,
            error=exchange.error,
            notes=tuple(exchange.notes),
            first_byte_ms=first_byte,
        )
