"""The Redis store with a real redis-server started by the tests: one limit shared by several
gateways and by `serve --workers 2`, a shared cache, and Redis stopped mid-run under each
failure policy."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apigw_cli.config import Settings
from apigw_cli.gateway.clock import ManualClock
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.state import GatewayState
from apigw_cli.gateway.stores.redis import RedisStore
from apigw_cli.loading import build_gateway
from tests.helpers import free_port, running_server, serve_process, write

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (.ci/run installs it)")

SPEC = """
openapi: 3.0.3
info: {title: shared, version: "1"}
x-integration: {type: mock}
x-gateway:
  apiKeys: [{name: k, value: key-1}]
  usagePlans: [{name: plan, keys: [k], quota: {limit: 5, period: DAY}}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /limited:
    get:
      x-throttle: {rate: 0.001, burst: 20}
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
  /metered:
    get:
      security: [{key: []}]
      responses: {"200": {description: ok}}
  /cached:
    get:
      x-cache: {ttl: 60}
      x-integration: {type: python, handler: "h.py:stamp"}
      responses: {default: {description: any}}
"""
HANDLER = (
    "import json\n\n"
    "def stamp(event, context):\n"
    "    return {'statusCode': 200, 'body': json.dumps({'id': context.aws_request_id})}\n"
)


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS is not None
        self._process = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    write(tmp_path, "h.py", HANDLER)
    return write(tmp_path, "api.yaml", SPEC)


def gateway_on(spec: Path, url: str, clock: ManualClock, failure: str = "open") -> Gateway:
    store = RedisStore(url, "closed" if failure == "closed" else "open")
    return build_gateway(Settings(spec=spec), None, GatewayState(store, clock))


def test_two_gateways_share_one_bucket_and_one_quota(spec: Path, redis_server: RedisServer) -> None:
    clock = ManualClock()
    first, second = gateway_on(spec, redis_server.url, clock), gateway_on(spec, redis_server.url, clock)
    with running_server(first) as a, running_server(second) as b:
        codes = [httpx.get(f"{a}/limited").status_code for _ in range(15)]
        codes += [httpx.get(f"{b}/limited").status_code for _ in range(10)]
        assert codes == [200] * 20 + [429] * 5
        metered = [httpx.get(f"{url}/metered", headers={"x-api-key": "key-1"}).status_code for url in (a, b) * 3]
        assert metered == [200] * 5 + [429]


def test_a_cached_answer_is_shared(spec: Path, redis_server: RedisServer) -> None:
    clock = ManualClock()
    first, second = gateway_on(spec, redis_server.url, clock), gateway_on(spec, redis_server.url, clock)
    with running_server(first) as a, running_server(second) as b:
        miss = httpx.get(f"{a}/cached")
        hit = httpx.get(f"{b}/cached")
    assert (miss.headers["x-cache"], hit.headers["x-cache"]) == ("Miss", "Hit")
    assert miss.json() == hit.json()


def test_workers_enforce_one_limit(spec: Path, redis_server: RedisServer) -> None:
    with serve_process(str(spec), "--workers", "2", "--redis", redis_server.url, "--no-reload") as base:
        codes = [httpx.get(f"{base}/limited", timeout=5).status_code for _ in range(30)]
    assert codes.count(200) == 20 and codes.count(429) == 10


@pytest.mark.parametrize(("failure", "expected"), [("open", 200), ("closed", 503)])
def test_redis_stopped_mid_run(spec: Path, redis_server: RedisServer, failure: str, expected: int) -> None:
    gateway = gateway_on(spec, redis_server.url, ManualClock(), failure)
    with running_server(gateway) as base:
        assert httpx.get(f"{base}/limited").status_code == 200
        redis_server.stop()
        started = time.monotonic()
        response = httpx.get(f"{base}/limited", timeout=10)
        assert response.status_code == expected
        assert time.monotonic() - started < 3  # short timeouts: never a hang
        if expected == 503:
            assert response.json() == {"message": "Service Unavailable"}


def test_the_token_bucket_script_is_atomic_under_concurrency(redis_server: RedisServer) -> None:
    async def run() -> list[tuple[int, float]]:
        store = RedisStore(redis_server.url)
        try:
            return await asyncio.gather(*(store.take_tokens([("race", 0.001, 50)], 1000.0) for _ in range(80)))
        finally:
            await store.aclose()

    results = asyncio.run(run())
    assert sum(1 for failed, _ in results if failed < 0) == 50


def test_authorizer_answers_are_shared_through_redis(tmp_path: Path, redis_server: RedisServer) -> None:
    write(
        tmp_path,
        "auth.py",
        "CALLS = []\n\ndef check(event, context):\n    CALLS.append(1)\n"
        "    return {'principalId': 'p', 'policyDocument': {'Statement': [{'Action': 'execute-api:Invoke', "
        "'Effect': 'Allow', 'Resource': '*'}]}}\n\ndef calls(event, context):\n    return {'n': len(CALLS)}\n",
    )
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: shared authorizer, version: "1"}
        x-integration: {type: mock}
        x-gateway:
          authorizers:
            auth: {type: token, handler: "auth.py:check"}
        components:
          securitySchemes:
            auth: {type: apiKey, in: header, name: Authorization}
        paths:
          /guarded:
            get:
              security: [{auth: []}]
              responses: {"200": {description: ok}}
          /calls:
            get:
              x-integration: {type: python, handler: "auth.py:calls", payload: "2.0"}
              responses: {"200": {description: ok}}
        """,
    )
    clock = ManualClock()
    first, second = gateway_on(spec, redis_server.url, clock), gateway_on(spec, redis_server.url, clock)
    with running_server(first) as a, running_server(second) as b:
        assert httpx.get(f"{a}/guarded", headers={"authorization": "t1"}).status_code == 200
        assert httpx.get(f"{b}/guarded", headers={"authorization": "t1"}).status_code == 200
        # each gateway imported its own copy of auth.py: the second never called its authorizer
        assert (httpx.get(f"{a}/calls").json(), httpx.get(f"{b}/calls").json()) == ({"n": 1}, {"n": 0})
