"""The pooled HTTP client a snapshot's `http` integrations share (aiohttp: measured ~8x the
throughput of httpx.AsyncClient as a proxy client on this machine; see the README).

Created at start-up (the ASGI lifespan) or on first use where no lifespan runs (`apigw invoke`),
closed at shutdown. Proxy environment variables are ignored unless the spec opts in, so a stray
HTTP_PROXY cannot reroute local traffic.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiohttp


class BackendClient:
    def __init__(self, trust_env: bool = False, max_connections: int = 256):
        self.trust_env = trust_env
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self.wanted = False  # an http integration uses it: the server opens it at start-up

    async def start(self) -> None:
        await self.session()

    async def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is not None and not self._session.closed and self._loop is loop:
            return self._session
        import aiohttp

        if self._loop is not loop:
            # a session belongs to the loop it was made on; a new loop (one `asyncio.run` per call) needs its own
            self._session, self._lock, self._loop = None, None, loop
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._session is None or self._session.closed:
                connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
                self._session = aiohttp.ClientSession(
                    connector=connector,
                    trust_env=self.trust_env,
                    auto_decompress=False,  # pass encoded bodies through with their Content-Encoding
                    cookie_jar=aiohttp.DummyCookieJar(),  # a gateway keeps no cookies between clients
                )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
