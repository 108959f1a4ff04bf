"""The token bucket maths, once per store (Python in the memory store, a Lua script in Redis), held
to one table: each row is a sequence of takes at given times and what each must answer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator

import pytest

from apigw_cli.gateway.stores.base import Store
from apigw_cli.gateway.stores.memory import MemoryStore
from tests.redis_server import REDIS, RedisServer

Bucket = tuple[str, float, int]  # name, rate a second, burst
# a take: (time, the buckets taken from together, expected (index of the empty bucket or -1, wait))
Take = tuple[float, tuple[Bucket, ...], tuple[int, float]]

A = ("a", 1.0, 2)
FAST = ("fast", 10.0, 5)
SLOW = ("slow", 1.0, 1)
CAPPED = ("capped", 100.0, 3)
HALF = ("half", 0.5, 1)

TABLE: dict[str, list[Take]] = {
    "a burst, then a wait that shrinks as time passes": [
        (0.0, (A,), (-1, 0.0)),
        (0.0, (A,), (-1, 0.0)),
        (0.0, (A,), (0, 1.0)),
        (0.5, (A,), (0, 0.5)),
        (1.0, (A,), (-1, 0.0)),
        (1.0, (A,), (0, 1.0)),
    ],
    "several buckets: all or none, the first empty one named": [
        (0.0, (FAST, SLOW), (-1, 0.0)),
        (0.0, (FAST, SLOW), (1, 1.0)),  # slow is empty: fast must not lose a token for it
        *[(0.0, (FAST,), (-1, 0.0)) for _ in range(4)],
        (0.0, (FAST,), (0, 0.1)),
    ],
    "refill is capped at the burst": [
        *[(0.0, (CAPPED,), (-1, 0.0)) for _ in range(3)],
        (0.0, (CAPPED,), (0, 0.01)),
        *[(100.0, (CAPPED,), (-1, 0.0)) for _ in range(3)],
        (100.0, (CAPPED,), (0, 0.01)),
    ],
    "a rate below one a second": [
        (0.0, (HALF,), (-1, 0.0)),
        (1.0, (HALF,), (0, 1.0)),
        (2.0, (HALF,), (-1, 0.0)),
    ],
}


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest) -> Iterator[Callable[[], Store]]:
    if request.param == "memory":
        yield MemoryStore
        return
    if REDIS is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    from apigw_cli.gateway.stores.redis import RedisStore

    server = RedisServer()
    server.start()
    try:
        yield lambda: RedisStore(server.url, "closed", prefix=f"t{uuid.uuid4().hex}:")
    finally:
        server.stop()


@pytest.mark.parametrize("case", list(TABLE))
def test_the_store_follows_the_bucket_table(make_store: Callable[[], Store], case: str) -> None:
    async def run() -> list[tuple[int, float]]:
        store = make_store()
        try:
            return [await store.take_tokens(list(buckets), 1_000.0 + at) for at, buckets, _ in TABLE[case]]
        finally:
            await store.aclose()

    answers = asyncio.run(run())
    expected = [want for _, _, want in TABLE[case]]
    assert [failed for failed, _ in answers] == [failed for failed, _ in expected]
    assert [wait for _, wait in answers] == pytest.approx([wait for _, wait in expected], abs=1e-6)


def test_concurrent_takes_never_pass_more_than_the_burst(make_store: Callable[[], Store]) -> None:
    async def run() -> list[tuple[int, float]]:
        store = make_store()
        try:
            return await asyncio.gather(*(store.take_tokens([("race", 0.001, 50)], 1_000.0) for _ in range(1_000)))
        finally:
            await store.aclose()

    answers = asyncio.run(run())
    assert sum(1 for failed, _ in answers if failed < 0) == 50  # 1,000 at once: more than the pool's connections
