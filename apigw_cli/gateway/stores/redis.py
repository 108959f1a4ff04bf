"""A store in Redis, so several workers (and hosts) enforce one limit and share one cache.

Each operation is one round trip and atomic on the server: the token buckets are a Lua script,
with the quota's counter (INCR + EXPIRE) in it when a request has one; the cache is GET / SET PX.
Connections come from a bounded pool that a burst of requests waits on (redis-py's default pool
raises at once when all its connections are busy, which looked like an outage). Only a real
outage (refused or reset, or no answer within the deadline) applies the failure policy: `open`
lets the request through (logged loudly, once a minute), `closed` answers 503; each one is
counted (`on_unavailable`), and it never hangs. Any other Redis error is a bug and is raised.
"""

from __future__ import annotations

import json
import logging
import math
import time
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import StoreUnavailable
from apigw_cli.gateway.stores.base import CachedResponse

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from apigw_cli.config import RedisFailure

logger = logging.getLogger("apigw")

# KEYS: the buckets, then maybe a counter; ARGV: now, the counter's lifetime in seconds (0: no
# counter), then rate and burst of each bucket. All or none: returns {-1, "0", count} when a token
# was taken from each (count: the counter's new value, 0 without one), else {index (0-based) of the
# first empty one, wait, 0}.
_TAKE_TOKENS = """
local now = tonumber(ARGV[1])
local counter_ttl = tonumber(ARGV[2])
local buckets = #KEYS
if counter_ttl > 0 then buckets = buckets - 1 end
local levels = {}
local failed, wait = -1, 0
for i = 1, buckets do
  local key = KEYS[i]
  local rate, burst = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
  local bucket = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(bucket[1]) or burst
  local at = tonumber(bucket[2]) or now
  levels[i] = math.min(burst, tokens + math.max(0, now - at) * rate)
  if failed < 0 and levels[i] < 1 then failed, wait = i - 1, (1 - levels[i]) / rate end
end
for i = 1, buckets do
  local key = KEYS[i]
  local rate, burst = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
  local level = levels[i]
  if failed < 0 then level = level - 1 end
  redis.call('HSET', key, 'tokens', tostring(level), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(burst / rate * 1000) + 1000)
end
local count = 0
if failed < 0 and counter_ttl > 0 then
  count = redis.call('INCR', KEYS[#KEYS])
  redis.call('EXPIRE', KEYS[#KEYS], counter_ttl)
end
return {failed, tostring(wait), count}
"""


DEADLINE = 1.0  # seconds: for a connection from the pool, to connect, and for each answer
POOL_SIZE = 64  # connections of one server process


class RedisStore:
    def __init__(
        self,
        url: str,
        failure: RedisFailure = "open",
        deadline: float = DEADLINE,
        prefix: str = "apigw:",
        on_unavailable: Callable[[str], None] | None = None,
    ):
        import redis.asyncio as redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=POOL_SIZE,
            timeout=deadline,  # waiting for a free connection
            socket_timeout=deadline,
            socket_connect_timeout=deadline,
        )
        # one immediate retry on a broken connection (the server closed an idle one), no backoff sleeps
        self._client = redis.Redis(connection_pool=pool, retry=Retry(NoBackoff(), 1))
        self._outage: tuple[type[BaseException], ...] = (
            redis.ConnectionError,
            redis.TimeoutError,
            OSError,
            TimeoutError,
        )
        self._failure = failure
        self._prefix = prefix
        self._script = self._client.register_script(_TAKE_TOKENS)
        self._last_warning = 0.0
        self._on_unavailable = on_unavailable
        self.unavailable = 0  # operations that met an outage
        self.url = url

    def _failed(self, operation: str, exc: Exception) -> None:
        """An operation met an outage: count it, then fail closed (raise) or open (log, go on)."""
        if not isinstance(exc, self._outage):
            raise exc
        self.unavailable += 1
        if self._on_unavailable is not None:
            self._on_unavailable(operation)
        if self._failure == "closed":
            raise StoreUnavailable(f"Redis at {self.url} is unavailable ({operation}: {exc})") from exc
        now = time.monotonic()
        if now - self._last_warning > 60:
            self._last_warning = now
            logger.error(
                "Redis at %s is unavailable (%s: %s): letting requests through (fail-open)", self.url, operation, exc
            )

    async def take_tokens(self, buckets: Sequence[tuple[str, float, int]], now: float) -> tuple[int, float]:
        failed, wait, _ = await self.take_tokens_and_count(buckets, None, now)
        return failed, wait

    async def take_tokens_and_count(
        self, buckets: Sequence[tuple[str, float, int]], counter: tuple[str, float] | None, now: float
    ) -> tuple[int, float, int]:
        keys = [self._prefix + key for key, _, _ in buckets]
        # the counter's lifetime relative to the gateway's clock, which tests move; Redis's own stays real
        ttl = 0 if counter is None else max(1, math.ceil(counter[1] - now))
        if counter is not None:
            keys.append(self._prefix + counter[0])
        args: list[float] = [now, ttl]
        for _, rate, burst in buckets:
            args += [rate, burst]
        try:
            failed, wait, count = await self._script(keys=keys, args=args)
        except Exception as exc:
            self._failed("throttle" if counter is None else "throttle+quota", exc)
            return -1, 0.0, 0
        return int(failed), float(wait.decode() if isinstance(wait, bytes) else wait), int(count)

    async def counted(self, key: str, now: float) -> int:
        try:
            raw = await self._client.get(self._prefix + key)
        except Exception as exc:
            self._failed("quota", exc)
            return 0
        return int(raw) if raw is not None else 0

    async def cache_get(self, key: str, now: float) -> CachedResponse | None:
        try:
            raw = await self._client.get(self._prefix + "cache:" + key)
        except Exception as exc:
            self._failed("cache", exc)
            return None
        return _decode(raw) if raw is not None else None

    async def cache_put(self, key: str, response: CachedResponse, now: float) -> None:
        ttl_ms = max(1, int((response.expires_at - now) * 1000))
        try:
            await self._client.set(self._prefix + "cache:" + key, _encode(response), px=ttl_ms)
        except Exception as exc:
            self._failed("cache", exc)

    async def get_value(self, key: str, now: float) -> bytes | None:
        try:
            found = await self._client.get(self._prefix + "value:" + key)
        except Exception as exc:
            self._failed("authorizer cache", exc)
            return None
        if found is None:
            return None
        return found.encode() if isinstance(found, str) else bytes(found)

    async def put_value(self, key: str, value: bytes, expires_at: float, now: float) -> None:
        try:
            await self._client.set(self._prefix + "value:" + key, value, px=max(1, int((expires_at - now) * 1000)))
        except Exception as exc:
            self._failed("authorizer cache", exc)

    async def aclose(self) -> None:
        await self._client.aclose()


def _encode(response: CachedResponse) -> bytes:
    head = json.dumps({"status": response.status, "headers": response.headers, "expires": response.expires_at})
    return head.encode() + b"\n" + response.body


def _decode(raw: Any) -> CachedResponse:
    head, _, body = bytes(raw).partition(b"\n")
    meta = json.loads(head)
    return CachedResponse(meta["status"], tuple(tuple(pair) for pair in meta["headers"]), body, meta["expires"])
