"""WebSocket connections listed in Redis (`--redis`), so that a post or delete reaching any worker
finds the worker that holds the connection.

Each connection is a hash `{prefix}conn:{id}` (connectedAt, sourceIp, userAgent, lastActiveAt, and
the owner: the worker process holding it), written when its $connect succeeds and deleted when it
ends. Each worker subscribes to its own channel `{prefix}worker:{owner}`; a post or delete for a
connection held elsewhere is published there, and the owner delivers it. A publish no worker
receives means the owner is gone (killed without its $disconnect): the listing is removed and the
caller gets 410, as for any connection that no longer exists.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
import uuid
from typing import Any

from apigw_cli.gateway.websocket.connections import ConnectionRecord, LiveConnection, MemoryDirectory

logger = logging.getLogger("apigw")
DEADLINE = 2.0  # seconds for a connection and each answer
LISTING_TTL = 3 * 3600  # a listing outlives the longest connection (2 h by default) even if its worker dies


class RedisDirectory:
    def __init__(self, url: str, prefix: str = "apigw:ws:"):
        import redis.asyncio as redis

        self._client = redis.Redis.from_url(url, socket_timeout=DEADLINE, socket_connect_timeout=DEADLINE)
        self._prefix = prefix
        self._owner = uuid.uuid4().hex
        self._local = MemoryDirectory()
        self._listener: asyncio.Task[None] | None = None
        self._subscribed: asyncio.Event | None = None
        self.url = url

    @property
    def local_count(self) -> int:
        return self._local.local_count

    def _key(self, connection_id: str) -> str:
        return f"{self._prefix}conn:{connection_id}"

    def _channel(self, owner: str) -> str:
        return f"{self._prefix}worker:{owner}"

    async def _listening(self) -> None:
        """This worker's channel, subscribed before its first connection is listed."""
        if self._listener is None or self._listener.done():
            self._subscribed = asyncio.Event()
            self._listener = asyncio.create_task(self._listen(self._subscribed))
        assert self._subscribed is not None
        await asyncio.wait_for(self._subscribed.wait(), DEADLINE * 5)

    async def _listen(self, subscribed: asyncio.Event) -> None:
        pubsub = self._client.pubsub()
        try:
            await pubsub.subscribe(self._channel(self._owner))
            subscribed.set()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None and message.get("type") == "message":
                    await self._deliver(message["data"])
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("WebSocket listing in Redis at %s: this worker stopped receiving posts", self.url)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _deliver(self, raw: bytes) -> None:
        try:
            order: dict[str, Any] = json.loads(raw)
            connection_id = str(order["id"])
            if order.get("op") == "post":
                if await self._local.post(connection_id, base64.b64decode(order["data"])):
                    await self.touch(connection_id, float(order["at"]))
            elif order.get("op") == "close":
                await self._local.close(connection_id)
        except (ValueError, KeyError, TypeError):
            logger.warning("WebSocket listing: a malformed order on this worker's channel was ignored")

    async def add(self, record: ConnectionRecord, live: LiveConnection) -> None:
        await self._local.add(record, live)
        await self._listening()
        key = self._key(record.connection_id)
        fields = {
            "connectedAt": repr(record.connected_at),
            "sourceIp": record.source_ip,
            "userAgent": record.user_agent or "",
            "lastActiveAt": repr(record.last_active_at),
            "owner": self._owner,
        }
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)  # type: ignore[arg-type]
            pipe.expire(key, LISTING_TTL)
            await pipe.execute()

    async def remove(self, connection_id: str) -> None:
        await self._local.remove(connection_id)
        await self._client.delete(self._key(connection_id))

    async def touch(self, connection_id: str, now: float) -> None:
        if await self._local.get(connection_id) is not None:  # the owner keeps lastActiveAt
            await self._local.touch(connection_id, now)
            await self._client.hset(self._key(connection_id), "lastActiveAt", repr(now))

    async def get(self, connection_id: str) -> ConnectionRecord | None:
        raw = await self._client.hgetall(self._key(connection_id))
        found = {_text(name): _text(value) for name, value in raw.items()}
        if "owner" not in found:
            return None
        return ConnectionRecord(
            connection_id,
            float(found["connectedAt"]),
            found["sourceIp"],
            found["userAgent"] or None,
            float(found["lastActiveAt"]),
        )

    async def _order(self, connection_id: str, order: dict[str, Any]) -> bool:
        owner = await self._client.hget(self._key(connection_id), "owner")
        if owner is None:
            return False
        received = await self._client.publish(self._channel(_text(owner)), json.dumps(order))
        if received == 0:  # its worker is gone: so is the connection
            await self._client.delete(self._key(connection_id))
            return False
        return True

    async def post(self, connection_id: str, data: bytes) -> bool:
        if await self._local.get(connection_id) is not None:
            return await self._local.post(connection_id, data)
        order = {"op": "post", "id": connection_id, "data": base64.b64encode(data).decode(), "at": time.time()}
        return await self._order(connection_id, order)

    async def close(self, connection_id: str) -> bool:
        if await self._local.get(connection_id) is not None:
            return await self._local.close(connection_id)
        return await self._order(connection_id, {"op": "close", "id": connection_id})

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except (asyncio.CancelledError, Exception):
                pass
        await self._client.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
