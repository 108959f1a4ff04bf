"""The Redis store with a real redis-server started by the tests: one limit shared by several
gateways and by `serve --workers 2`, a shared cache, and Redis stopped mid-run under each
failure policy."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from apigw_cli.config import Settings
from apigw_cli.gateway.clock import ManualClock
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.state import GatewayState
from apigw_cli.gateway.stores.redis import RedisStore
from apigw_cli.loading import build_gateway
from tests.helpers import running_server, serve_process, write
from tests.redis_server import RedisServer, needs_redis

pytestmark = needs_redis

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


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    write(tmp_path, "h.py", HANDLER)
    return write(tmp_path, "api.yaml", SPEC)


def gateway_on(spec: Path, url: str, clock: ManualClock, failure: str = "open") -> Gateway:
    return build_gateway(Settings(spec=spec), None, GatewayState(store_on(url, failure), clock))


def store_on(url: str, failure: str = "open") -> RedisStore:
    return RedisStore(url, "closed" if failure == "closed" else "open")


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
    store = store_on(redis_server.url, failure)
    gateway = build_gateway(Settings(spec=spec), None, GatewayState(store, ManualClock()))
    with running_server(gateway) as base:
        assert httpx.get(f"{base}/limited").status_code == 200
        redis_server.stop()
        response = httpx.get(f"{base}/limited", timeout=5)  # never a hang: a ReadTimeout fails the test
        assert response.status_code == expected
        if expected == 503:
            assert response.json() == {"message": "Service Unavailable"}
    assert store.unavailable >= 1


def test_an_outage_is_counted_in_the_metrics(spec: Path, redis_server: RedisServer) -> None:
    with serve_process(str(spec), "--redis", redis_server.url, "--no-reload") as base:
        assert httpx.get(f"{base}/limited", timeout=5).status_code == 200
        redis_server.stop()
        assert httpx.get(f"{base}/limited", timeout=10).status_code == 200  # fail-open, the default
        metrics = httpx.get(f"{base}/_apigw/metrics", timeout=5).text
    assert 'apigw_store_unavailable_total{operation="throttle"} 1.0' in metrics


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


ONE_TRIP_SPEC = """
openapi: 3.0.3
info: {title: one trip, version: "1"}
x-integration: {type: mock}
x-gateway:
  throttle: {rate: 1000, burst: 1000}
  apiKeys: [{name: k, value: key-1}]
  usagePlans: [{name: plan, keys: [k], throttle: {rate: 1000, burst: 1000}, quota: {limit: 3, period: DAY}}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /metered:
    get:
      security: [{key: []}]
      x-throttle: {rate: 1000, burst: 1000}
      responses: {"200": {description: ok}}
"""


def test_an_api_key_with_three_buckets_and_a_quota_costs_one_round_trip(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    """The API's, the route's and the key's buckets and the key's quota counter: one script call a
    request (it was a script and a MULTI); the quota counts every request the buckets let through."""
    import redis

    spec = write(tmp_path, "api.yaml", ONE_TRIP_SPEC)
    client = redis.Redis.from_url(redis_server.url)
    client.config_resetstat()
    with running_server(gateway_on(spec, redis_server.url, ManualClock())) as url:
        codes = [httpx.get(f"{url}/metered", headers={"x-api-key": "key-1"}).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    stats = client.info("commandstats")
    scripts = stats.get("cmdstat_evalsha", {"calls": 0, "failed_calls": 0})
    assert scripts["calls"] - scripts.get("failed_calls", 0) == 5  # a first call may find the script unloaded
    assert "cmdstat_multi" not in stats and "cmdstat_exec" not in stats
    quota_keys = [key for key in client.scan_iter("apigw:*quota*")]
    assert [int(client.get(key) or 0) for key in quota_keys] == [5]  # every request counted, as before
    client.close()
