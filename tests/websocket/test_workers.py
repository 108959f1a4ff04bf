"""`--workers 2 --redis`: a post reaching one worker is delivered to a connection the other worker
holds, and GET / DELETE on @connections work from either."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from tests.helpers import serve_process
from tests.redis_server import RedisServer, needs_redis
from tests.websocket.ws_helpers import write_api, ws_url


@needs_redis
def test_a_post_to_one_worker_reaches_a_connection_on_the_other(tmp_path: Path, redis_server: RedisServer) -> None:
    spec = write_api(tmp_path)
    env = {"WS_EVENTS": str(tmp_path / "events.jsonl")}
    with serve_process(
        str(spec), "--no-reload", "--workers", "2", "--redis", redis_server.url, env=env, timeout=60
    ) as base:
        # one keep-alive HTTP connection: every request of this client is answered by one worker
        with httpx.Client(base_url=base, timeout=10) as http:
            http_pid = http.get("/pid").json()["pid"]

            async def talk() -> None:
                held: list[Any] = []
                elsewhere = None
                for _ in range(60):  # connections land on either worker: open them until one is on the other
                    ws = await websockets.connect(ws_url(base))
                    held.append(ws)
                    await ws.send(json.dumps({"action": "pid"}))
                    found = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if found["pid"] != http_pid:
                        elsewhere = (ws, found["connectionId"])
                        break
                assert elsewhere is not None, "every connection landed on the HTTP client's worker"
                ws, connection_id = elsewhere
                at = f"/$default/@connections/{connection_id}"
                posted = await asyncio.to_thread(http.post, at, content=b"across")
                assert posted.status_code == 200
                assert await asyncio.wait_for(ws.recv(), 10) == "across"
                info = await asyncio.to_thread(http.get, at)
                assert info.status_code == 200 and info.json()["identity"]["sourceIp"] == "127.0.0.1"
                deleted = await asyncio.to_thread(http.delete, at)
                assert deleted.status_code == 204
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                for _ in range(100):  # its worker unlists it as its $disconnect runs
                    gone = await asyncio.to_thread(http.get, at)
                    if gone.status_code == 410:
                        break
                    await asyncio.sleep(0.05)
                assert gone.status_code == 410 and gone.headers["x-amzn-errortype"] == "GoneException"
                for other in held:
                    await other.close()

            asyncio.run(talk())
