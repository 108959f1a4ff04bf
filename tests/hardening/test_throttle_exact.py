"""Defect 1: a throttle holds exactly under a burst: 1,000 concurrent requests to a route with a
burst of 50 let exactly 50 through, in one process (memory store) and across four workers sharing
Redis. Real servers, real Redis, 127.0.0.1 only."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.helpers import serve_process, write
from tests.redis_server import RedisServer, needs_redis

SPEC = """
openapi: 3.0.3
info: {title: burst, version: "1"}
x-integration: {type: mock, status: 200}
paths:
  /limited:
    get:
      x-throttle: {rate: 0.001, burst: 50}
      responses: {"200": {description: ok}}
"""


def _burst(base: str, count: int = 1000) -> dict[int, int]:
    """`count` requests at once, on up to 200 connections (aiohttp: httpx's async client took ~18 s
    for what aiohttp sends in ~0.2 s here)."""
    import aiohttp

    async def run() -> dict[int, int]:
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200), timeout=timeout) as session:

            async def one() -> int:
                async with session.get(f"{base}/limited") as answer:
                    await answer.read()
                    return answer.status

            statuses = await asyncio.gather(*(one() for _ in range(count)))
        found: dict[int, int] = {}
        for status in statuses:
            found[status] = found.get(status, 0) + 1
        return found

    return asyncio.run(run())


def test_one_process_lets_exactly_the_burst_through(tmp_path: Path) -> None:
    with serve_process(str(write(tmp_path, "api.yaml", SPEC)), "--no-reload") as base:
        assert _burst(base) == {200: 50, 429: 950}


@needs_redis
def test_four_workers_sharing_redis_let_exactly_the_burst_through(tmp_path: Path, redis_server: RedisServer) -> None:
    spec = str(write(tmp_path, "api.yaml", SPEC))
    with serve_process(spec, "--no-reload", "--workers", "4", "--redis", redis_server.url, timeout=60) as base:
        assert _burst(base) == {200: 50, 429: 950}
