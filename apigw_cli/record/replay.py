"""Replays recorded requests through a gateway in-process (httpx's ASGI transport) and compares
each answer with the recorded one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.record.diff import Difference, compare_bodies
from apigw_cli.record.format import REDACTED, decode_body

_NOT_SENT = frozenset({"content-length", "host", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class Outcome:
    line: int
    route: str
    differences: tuple[Difference, ...]
    recorded_ms: float | None
    now_ms: float
    error: str | None = None

    @property
    def matched(self) -> bool:
        return not self.differences and self.error is None


@dataclass
class ReplaySummary:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def mismatched(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.differences and o.error is None]

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error is not None]

    def percentile(self, values: list[float], share: float) -> float | None:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else None


async def replay(
    target: Gateway | str,
    max_body: int,
    records: Iterable[tuple[int, dict[str, Any]]],
    ignore: tuple[str, ...] = (),
    compare_headers: tuple[str, ...] = (),
    limit: int | None = None,
) -> ReplaySummary:
    """Replay against a gateway in-process, or against a running server at a base URL."""
    import httpx

    summary = ReplaySummary()
    if isinstance(target, str):
        client = httpx.AsyncClient(base_url=target.rstrip("/"), trust_env=False, timeout=60)
    else:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=GatewayApp(target, max_body)), base_url="http://replay"
        )
    async with client:
        for count, (line, record) in enumerate(records):
            if limit is not None and count >= limit:
                break
            summary.outcomes.append(await _one(client, line, record, ignore, compare_headers))
    if not isinstance(target, str):
        await target.aclose()
    return summary


async def _one(
    client: Any, line: int, record: dict[str, Any], ignore: tuple[str, ...], compare_headers: tuple[str, ...]
) -> Outcome:
    request, recorded = record["request"], record.get("response") or {}
    route = str(record.get("route") or f"{request.get('method')} {request.get('path')}")
    headers = [
        (name, value)
        for name, value in request.get("headers") or []
        if name.lower() not in _NOT_SENT and value != REDACTED
    ]
    url = str(request.get("path", "/")) + (f"?{request['query']}" if request.get("query") else "")
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(
            client.request(str(request.get("method", "GET")), url, headers=headers, content=decode_body(request)),
            60,
        )
    except Exception as exc:
        return Outcome(line, route, (), record.get("latencyMs"), 0.0, f"{type(exc).__name__}: {exc}")
    now_ms = (time.perf_counter() - started) * 1000
    differences: list[Difference] = []
    if response.status_code != recorded.get("status"):
        differences.append(Difference("status", recorded.get("status"), response.status_code))
    recorded_headers = {str(name).lower(): value for name, value in recorded.get("headers") or []}
    for name in compare_headers:
        if recorded_headers.get(name.lower()) != response.headers.get(name):
            differences.append(
                Difference(f"header {name}", recorded_headers.get(name.lower()), response.headers.get(name))
            )
    if not recorded.get("truncated"):
        differences += compare_bodies(decode_body(recorded), response.content, ignore)
    return Outcome(line, route, tuple(differences), record.get("latencyMs"), now_ms)
