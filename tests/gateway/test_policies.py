"""API keys, usage plans, quotas and throttling through real HTTP, with a clock the test moves."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from apigw_cli.config import Settings
from apigw_cli.errors import SpecError
from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.clock import ManualClock
from apigw_cli.gateway.reload import Reloader
from apigw_cli.gateway.state import GatewayState
from apigw_cli.gateway.stores.memory import MemoryStore
from apigw_cli.loading import build_gateway
from tests.helpers import running_app, running_server, write

SPEC = """
openapi: 3.0.3
info: {title: policies, version: "1"}
x-integration: {type: mock}
x-gateway:
  apiKeys:
    - {name: alice, value: alice-secret-key}
    - {name: bob, valueFrom: "env:BOB_KEY"}
    - {name: carol, value: carol-secret-key}
  usagePlans:
    - name: small
      keys: [alice, bob]
      throttle: {rate: 10, burst: 20}
    - name: metered
      keys: [carol]
      quota: {limit: 3, period: DAY}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /open:
    get:
      x-throttle: {rate: 10, burst: 20}
      responses: {"200": {description: ok, content: {application/json: {example: {open: true}}}}}
  /keyed:
    get:
      security: [{key: []}]
      responses: {"200": {description: ok, content: {application/json: {example: {keyed: true}}}}}
"""


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BOB_KEY", "bob-secret-key")
    return write(tmp_path, "api.yaml", SPEC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 10, 23, 59, 0, tzinfo=UTC).timestamp())


def serve(spec: Path, clock: ManualClock, state: GatewayState | None = None) -> tuple[Settings, GatewayState]:
    settings = Settings(spec=spec)
    return settings, state or GatewayState(MemoryStore(), clock)


def statuses(client: httpx.Client, path: str, count: int, key: str | None = None) -> list[int]:
    headers = {"x-api-key": key} if key else {}
    return [client.get(path, headers=headers).status_code for _ in range(count)]


def test_burst_then_429_with_retry_after_then_refill(spec: Path, clock: ManualClock) -> None:
    settings, state = serve(spec, clock)
    with running_server(build_gateway(settings, None, state)) as base, httpx.Client(base_url=base) as client:
        assert statuses(client, "/open", 20) == [200] * 20
        limited = client.get("/open")
        assert (limited.status_code, limited.json()) == (429, {"message": "Too Many Requests"})
        assert limited.headers["retry-after"] == "1"
        assert statuses(client, "/open", 4) == [429] * 4
        clock.advance(1.0)  # ten tokens come back at 10 a second
        assert statuses(client, "/open", 11) == [200] * 10 + [429]


def test_a_key_is_required_where_security_says_so(spec: Path, clock: ManualClock) -> None:
    settings, state = serve(spec, clock)
    with running_server(build_gateway(settings, None, state)) as base, httpx.Client(base_url=base) as client:
        missing = client.get("/keyed")
        assert (missing.status_code, missing.json()) == (403, {"message": "Forbidden"})
        assert client.get("/keyed", headers={"x-api-key": "not-a-key"}).status_code == 403
        assert client.get("/keyed", headers={"x-api-key": "alice-secret-key"}).json() == {"keyed": True}
        assert client.get("/keyed", headers={"x-api-key": "bob-secret-key"}).status_code == 200  # from env
        assert client.get("/open").status_code == 200  # no security, no key


def test_two_keys_do_not_share_a_bucket(spec: Path, clock: ManualClock) -> None:
    settings, state = serve(spec, clock)
    with running_server(build_gateway(settings, None, state)) as base, httpx.Client(base_url=base) as client:
        assert statuses(client, "/keyed", 21, "alice-secret-key") == [200] * 20 + [429]
        assert statuses(client, "/keyed", 20, "bob-secret-key") == [200] * 20


def test_a_quota_resets_at_the_period_boundary(spec: Path, clock: ManualClock) -> None:
    settings, state = serve(spec, clock)
    with running_server(build_gateway(settings, None, state)) as base, httpx.Client(base_url=base) as client:
        assert statuses(client, "/keyed", 3, "carol-secret-key") == [200] * 3
        over = client.get("/keyed", headers={"x-api-key": "carol-secret-key"})
        assert (over.status_code, over.json()) == (429, {"message": "Limit Exceeded"})
        assert over.headers["retry-after"] == "60"  # a minute to midnight UTC
        clock.advance(61)  # the next day
        assert statuses(client, "/keyed", 3, "carol-secret-key") == [200] * 3


def test_the_api_key_reaches_a_lambda_event(tmp_path: Path, clock: ManualClock) -> None:
    write(
        tmp_path,
        "h.py",
        "import json\n\ndef f(event, context):\n    return {'statusCode': 200, 'body': json.dumps(event)}\n",
    )
    spec = write(
        tmp_path,
        "api.yaml",
        SPEC.replace("x-integration: {type: mock}", "x-integration: {type: python, handler: 'h.py:f'}")
        .replace('"env:BOB_KEY"', "bob")
        .replace("valueFrom", "value"),
    )
    settings, state = serve(spec, clock)
    with running_server(build_gateway(settings, None, state)) as base:
        event = httpx.get(f"{base}/keyed", headers={"x-api-key": "alice-secret-key"}).json()
    assert event["requestContext"]["identity"]["apiKey"] == "alice-secret-key"
    assert event["requestContext"]["identity"]["apiKeyId"] == "alice"


KEYLESS_SPEC = """
openapi: 3.0.3
info: {title: keys elsewhere, version: "1"}
x-integration: {type: mock}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
security: [{key: []}]
paths:
  /keyed:
    get:
      responses: {"200": {description: ok}}
"""


def test_keys_from_a_file_kept_out_of_the_spec(tmp_path: Path, clock: ManualClock) -> None:
    spec = write(tmp_path, "api.yaml", KEYLESS_SPEC)
    keys = write(tmp_path, "keys.yaml", "- {name: dave, value: dave-key}\n")
    gateway = build_gateway(Settings(spec=spec, api_keys=keys), None, GatewayState(MemoryStore(), clock))
    with running_server(gateway) as base:
        assert httpx.get(f"{base}/keyed", headers={"x-api-key": "dave-key"}).status_code == 200
        assert httpx.get(f"{base}/keyed", headers={"x-api-key": "alice-secret-key"}).status_code == 403
    assert build_gateway(Settings(spec=spec)).notices == (
        "operations require an API key but none is declared: add x-gateway.apiKeys or --api-keys",
    )


def test_an_unset_key_variable_is_an_error(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOB_KEY")
    with pytest.raises(SpecError, match="environment variable BOB_KEY is not set") as caught:
        build_gateway(Settings(spec=spec))
    assert caught.value.line is not None


def test_a_reload_does_not_refill_a_bucket(spec: Path, clock: ManualClock) -> None:
    settings, state = serve(spec, clock)

    class Quiet:
        def reloaded(self, result: object) -> None: ...

        def failed(self, result: object) -> None: ...

    reloader = Reloader(lambda: build_gateway(settings, None, state), Quiet(), debounce_ms=50)
    app = GatewayApp(build_gateway(settings, None, state), settings.max_body_bytes, reloader.start, reloader.stop)
    with running_app(app) as base, httpx.Client(base_url=base) as client:
        assert statuses(client, "/open", 21) == [200] * 20 + [429]
        first = app.gateway
        spec.write_text(spec.read_text().replace('version: "1"', 'version: "2"'))
        deadline = time.monotonic() + 8
        while app.gateway is first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert app.gateway is not first, "the edit was not reloaded"
        assert client.get("/open").status_code == 429


def test_no_auth_turns_key_checks_off_and_says_so(spec: Path) -> None:
    gateway = build_gateway(Settings(spec=spec, no_auth=True))
    assert not any(route.api_key_required for route in gateway.routes)
    assert any("auth is OFF (--no-auth)" in notice for notice in gateway.notices)


def test_a_refused_request_takes_no_token_from_the_other_buckets(
    tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOB_KEY", "bob-secret-key")
    spec = write(
        tmp_path, "api.yaml", SPEC.replace("x-gateway:\n", "x-gateway:\n  throttle: {rate: 0.001, burst: 25}\n")
    )
    settings, state = serve(spec, clock)
    with running_server(build_gateway(settings, None, state)) as base, httpx.Client(base_url=base) as client:
        assert statuses(client, "/open", 23) == [200] * 20 + [429] * 3  # the route's bucket is empty
        # the three refused requests left the API's bucket alone: five tokens remain
        assert statuses(client, "/keyed", 6, "alice-secret-key") == [200] * 5 + [429]
