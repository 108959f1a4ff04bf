"""Records each exchange as one JSONL line, written as the response completes (a streamed one when
its stream ends: its first `max_body` bytes and its size). Recording reads request bodies whole (so
they can be replayed), which turns off streaming them to backends."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from apigw_cli.errors import RequestTooLarge
from apigw_cli.record.format import DEFAULT_SECRET_HEADERS, RecordedBody, encode_body, headers_of, iso_time

if TYPE_CHECKING:
    from apigw_cli.config import Settings
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.gateway.streaming import StreamOutcome
    from apigw_cli.record.writer import RecordWriter


def secret_headers(settings: Settings) -> frozenset[str] | None:
    """The headers whose values the record redacts; None keeps them all (--record-secrets)."""
    return None if settings.record_secrets else DEFAULT_SECRET_HEADERS | frozenset(settings.record_redact)


class RecordStage:
    def __init__(self, writer: RecordWriter, secrets: frozenset[str] | None, max_body: int):
        self._writer = writer
        self._secrets = secrets
        self._max_body = max_body

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        started = time.perf_counter()
        request = exchange.request
        try:
            body = await request.read_body()
        except RequestTooLarge:
            body = request.body  # what was read up to the limit; the body limit stage answers 413
        response = await call_next(exchange)
        stream = response.stream
        if stream is None:
            self._write(exchange, body, response, encode_body(response.body, self._max_body), started)
            return response
        stream.keep(self._max_body + 1)  # one byte past the limit says whether the body was cut

        def finished(outcome: StreamOutcome) -> None:
            recorded = encode_body(outcome.kept, self._max_body)
            if outcome.size > self._max_body:
                recorded["truncated"] = True
            recorded["size"] = outcome.size
            recorded["streamed"] = True
            self._write(exchange, body, response, recorded, started, outcome.ended_at)

        stream.on_finish(finished)
        return response

    def _write(
        self,
        exchange: Exchange,
        body: bytes,
        response: GatewayResponse,
        recorded: RecordedBody,
        started: float,
        ended: float | None = None,
    ) -> None:
        request = exchange.request
        operation = exchange.operation
        self._writer.write(
            {
                "time": iso_time(exchange.received_at),
                "requestId": exchange.request_id,
                "request": {
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string,
                    "headers": headers_of(request.headers, self._secrets),
                    **encode_body(body, self._max_body),
                },
                "response": {
                    "status": response.status,
                    "headers": headers_of(response.headers, self._secrets),
                    **recorded,
                },
                "latencyMs": round(((ended or time.perf_counter()) - started) * 1000, 3),
                "route": operation.route_key if operation else None,
                "integration": operation.integration if operation else None,
                "cache": exchange.cache,
                "principal": exchange.principal,
            }
        )
