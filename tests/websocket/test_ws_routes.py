"""WebSocket routes to an HTTP backend and to a mock, a JWT authorizer on $connect, and what a
connection leaves in the access log and the metrics, through a real `apigw serve`."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import jwt
import pytest
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from websockets.exceptions import InvalidStatus

from tests.gateway.test_jwt import KEY, token
from tests.helpers import running_app, serve_process
from tests.websocket.ws_helpers import ws_url

SEEN: list[dict[str, str]] = []


async def backend(request: Request) -> Response:
    body = await request.body()
    SEEN.append({name: request.headers.get(name, "") for name in ("x-connection-id", "x-route-key", "x-event-type")})
    if b"fail" in body:
        return Response("no", status_code=500, media_type="text/plain")
    return JSONResponse({"got": body.decode()})


SPEC = """openapi: 3.0.3
info: {title: ws routes, version: "1"}
x-gateway:
  authorizers:
    users: {type: jwt, issuer: "https://auth.example.com/", audience: [api://orders], jwks: jwks.json}
  websocket:
    path: /socket
    routeSelectionExpression: $request.body.meta.kind
    routes:
      $connect: {type: mock, authorizer: users}
      relay: {type: http, url: BACKEND/relay, routeResponse: true}
      $default: {type: mock, body: {"hint": "kinds: relay"}, routeResponse: true}
components:
  securitySchemes:
    users: {type: http, scheme: bearer, bearerFormat: JWT}
paths: {}
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    public = jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}))
    return tmp_path / "api.yaml"


def test_http_and_mock_routes_a_jwt_on_connect_the_log_and_the_metrics(spec: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with running_app(Starlette(routes=[Route("/relay", backend, methods=["POST"])])) as backend_url:
        spec.write_text(SPEC.replace("BACKEND", backend_url))
        with serve_process(str(spec), "--no-reload", env={"APIGW_TEST_LOG": str(log)}) as base:

            async def talk() -> None:
                with pytest.raises(InvalidStatus) as refused:
                    async with websockets.connect(ws_url(base, "/socket")):
                        pass
                assert refused.value.response.status_code == 401
                bearer = {"Authorization": f"Bearer {token()}"}
                async with websockets.connect(ws_url(base, "/socket"), additional_headers=bearer) as ws:
                    await ws.send(json.dumps({"meta": {"kind": "relay"}, "n": 1}))
                    assert json.loads(await ws.recv()) == {"got": json.dumps({"meta": {"kind": "relay"}, "n": 1})}
                    await ws.send(json.dumps({"meta": {"kind": "other"}}))
                    assert json.loads(await ws.recv()) == {"hint": "kinds: relay"}
                    await ws.send(json.dumps({"meta": {"kind": "relay"}, "x": "fail"}))
                    assert await ws.recv() == "no"  # a 500 from the backend is still its answer
                    metrics = (await asyncio.to_thread(httpx.get, base + "/_apigw/metrics")).text
                    assert 'apigw_connections{api="ws routes",stage="$default"} 1.0' in metrics
                    assert 'apigw_message_count_total{api="ws routes",route="relay",stage="$default"} 2.0' in metrics
                    assert 'apigw_message_count_total{api="ws routes",route="$default",stage="$default"} 1.0' in metrics
                    assert 'apigw_connect_count_total{api="ws routes",stage="$default"} 2.0' in metrics

            asyncio.run(talk())
            for _ in range(200):  # the gauge drops as the connection's $disconnect ends
                metrics = httpx.get(base + "/_apigw/metrics").text
                if 'apigw_connections{api="ws routes",stage="$default"} 0.0' in metrics:
                    break
                time.sleep(0.05)
            assert 'apigw_connections{api="ws routes",stage="$default"} 0.0' in metrics
    assert SEEN[0]["x-route-key"] == "relay" and SEEN[0]["x-event-type"] == "MESSAGE" and SEEN[0]["x-connection-id"]
    lines = log.read_text().splitlines()
    assert any("CONNECT /socket 401" in line and "JWT rejected by users" in line for line in lines), lines
    assert any("MESSAGE /socket 200" in line and "-> relay [http]" in line for line in lines), lines
    assert any("MESSAGE /socket 200" in line and "-> $default [mock]" in line for line in lines), lines
    assert any("DISCONNECT /socket 200" in line for line in lines), lines
