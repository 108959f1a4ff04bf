"""Where open WebSocket connections are found: by the @connections API (post, get, delete) and by
whatever else wants to reach one. A connection is listed once its $connect succeeded and unlisted
when it ends. The directory outlives snapshots (it sits in the gateway's state), so a reload keeps
every connection reachable.

`MemoryDirectory` serves one process. `stores/redis_connections.py` lists connections in Redis and
hands a post or delete for a connection another worker holds to that worker, so `--workers N`
behaves as one gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ConnectionRecord:
    """What GetConnection answers about a connection."""

    connection_id: str
    connected_at: float  # epoch seconds
    source_ip: str
    user_agent: str | None
    last_active_at: float


class LiveConnection(Protocol):
    """A connection this process holds."""

    async def send(self, data: bytes) -> bool:
        """Deliver `data` (a text frame when it is UTF-8, else binary); False when it is closing."""
        ...

    async def close(self, code: int, reason: str) -> None:
        """Close it from the server side ($disconnect then runs, once)."""
        ...


class ConnectionDirectory(Protocol):
    async def add(self, record: ConnectionRecord, live: LiveConnection) -> None: ...

    async def remove(self, connection_id: str) -> None: ...

    async def touch(self, connection_id: str, now: float) -> None:
        """The connection was active (a message in or out): its lastActiveAt."""
        ...

    async def get(self, connection_id: str) -> ConnectionRecord | None: ...

    async def post(self, connection_id: str, data: bytes) -> bool:
        """Send `data` to the connection; False when there is no such open connection."""
        ...

    async def close(self, connection_id: str) -> bool:
        """Close the connection; False when there is no such open connection."""
        ...

    @property
    def local_count(self) -> int:
        """Connections this process holds."""
        ...

    async def aclose(self) -> None: ...


class MemoryDirectory:
    def __init__(self) -> None:
        self._records: dict[str, ConnectionRecord] = {}
        self._live: dict[str, LiveConnection] = {}

    @property
    def local_count(self) -> int:
        return len(self._live)

    async def add(self, record: ConnectionRecord, live: LiveConnection) -> None:
        self._records[record.connection_id] = record
        self._live[record.connection_id] = live

    async def remove(self, connection_id: str) -> None:
        self._records.pop(connection_id, None)
        self._live.pop(connection_id, None)

    async def touch(self, connection_id: str, now: float) -> None:
        record = self._records.get(connection_id)
        if record is not None:
            self._records[connection_id] = ConnectionRecord(
                record.connection_id, record.connected_at, record.source_ip, record.user_agent, now
            )

    async def get(self, connection_id: str) -> ConnectionRecord | None:
        return self._records.get(connection_id)

    async def post(self, connection_id: str, data: bytes) -> bool:
        live = self._live.get(connection_id)
        return live is not None and await live.send(data)

    async def close(self, connection_id: str) -> bool:
        live = self._live.get(connection_id)
        if live is None:
            return False
        await live.close(1000, "")
        return True

    async def aclose(self) -> None:
        return None
