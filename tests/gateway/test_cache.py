"""The response cache through real HTTP: hit and miss, refresh, expiry, key parts, principal
isolation, and what is never cached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apigw_cli.config import Settings
from apigw_cli.gateway.clock import ManualClock
from apigw_cli.gateway.state import GatewayState
from apigw_cli.gateway.stores.memory import MemoryStore
from apigw_cli.loading import build_gateway
from tests.helpers import running_server, write

HANDLER = """
import json

CALLS = {"n": 0}


def count(event, context):
    CALLS["n"] += 1
    query = event.get("queryStringParameters") or {}
    status = int(query.get("status", 200))
    size = int(query.get("size", 0))
    body = json.dumps({"calls": CALLS["n"], "pad": "x" * size})
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": body}
"""
SPEC = """
openapi: 3.0.3
info: {title: cached, version: "1"}
x-integration: {type: python, handler: "h.py:count", payload: "1.0"}
x-gateway:
  apiKeys: [{name: alice, value: alice-key}, {name: bob, value: bob-key}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /items:
    get:
      x-cache: {ttl: 60, keys: [query.page, header.accept-language]}
      responses: {default: {description: any}}
    post:
      x-cache: {ttl: 60}
      responses: {default: {description: any}}
  /mine:
    get:
      security: [{key: []}]
      x-cache: {ttl: 60}
      responses: {default: {description: any}}
  /guarded-refresh:
    get:
      x-cache: {ttl: 60, requireAuthorizationForCacheControl: true}
      responses: {default: {description: any}}
"""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def client(tmp_path: Path, clock: ManualClock) -> Iterator[httpx.Client]:
    write(tmp_path, "h.py", HANDLER)
    settings = Settings(spec=write(tmp_path, "api.yaml", SPEC), validate_responses="off")
    gateway = build_gateway(settings, None, GatewayState(MemoryStore(), clock))
    with running_server(gateway) as base, httpx.Client(base_url=base, timeout=5) as http:
        yield http


def calls(response: httpx.Response) -> int:
    return int(response.json()["calls"])


def test_miss_then_hit(client: httpx.Client) -> None:
    first = client.get("/items?page=1")
    second = client.get("/items?page=1")
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("Miss", "Hit")
    assert calls(first) == calls(second) == 1
    assert second.headers["x-amzn-requestid"] != first.headers["x-amzn-requestid"]


def test_key_parts_separate_entries_and_other_parts_do_not(client: httpx.Client) -> None:
    assert calls(client.get("/items?page=1")) == 1
    assert calls(client.get("/items?page=2")) == 2
    assert calls(client.get("/items?page=1", headers={"accept-language": "fr"})) == 3
    assert calls(client.get("/items?page=1&tracking=abc")) == 1  # not a key part: the same entry


def test_max_age_zero_bypasses_and_refreshes(client: httpx.Client) -> None:
    assert calls(client.get("/items")) == 1
    refreshed = client.get("/items", headers={"cache-control": "max-age=0"})
    assert (calls(refreshed), refreshed.headers["x-cache"]) == (2, "Miss")
    assert calls(client.get("/items")) == 2  # the refreshed copy


def test_entries_expire_after_the_ttl(client: httpx.Client, clock: ManualClock) -> None:
    assert calls(client.get("/items")) == 1
    clock.advance(59)
    assert calls(client.get("/items")) == 1
    clock.advance(2)
    assert calls(client.get("/items")) == 2


def test_callers_never_see_each_others_entries(client: httpx.Client) -> None:
    alice = client.get("/mine", headers={"x-api-key": "alice-key"})
    bob = client.get("/mine", headers={"x-api-key": "bob-key"})
    assert (calls(alice), calls(bob)) == (1, 2)
    assert client.get("/mine", headers={"x-api-key": "alice-key"}).headers["x-cache"] == "Hit"


def test_what_is_never_cached(client: httpx.Client) -> None:
    assert calls(client.get("/items?status=404")) == 1
    assert calls(client.get("/items?status=404")) == 2  # not 2xx
    big = "size=2097152"  # a 2 MiB body
    assert calls(client.get(f"/items?{big}")) == 3
    assert calls(client.get(f"/items?{big}")) == 4
    assert calls(client.post("/items")) == 5
    assert calls(client.post("/items")) == 6  # only GET and HEAD


def test_head_is_answered_from_the_cache(client: httpx.Client) -> None:
    client.get("/items?page=9")
    head = client.head("/items?page=9")
    assert head.headers["x-cache"] == "Hit" and head.content == b""


def test_only_authenticated_callers_may_refresh_where_required(client: httpx.Client) -> None:
    assert calls(client.get("/guarded-refresh")) == 1
    anonymous = client.get("/guarded-refresh", headers={"cache-control": "max-age=0"})
    assert (calls(anonymous), anonymous.headers["x-cache"]) == (1, "Hit")
