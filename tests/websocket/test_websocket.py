"""WebSocket APIs through a real `apigw serve`, with a real client (`websockets`) and boto3's
`apigatewaymanagementapi` client: the recorded event shapes, route selection, route responses,
refused handshakes, the $connect authorizer, the @connections API, timeouts, and $disconnect once
for every way a connection ends."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.helpers import REPO, free_port, serve_process
from tests.websocket.ws_helpers import DEFAULT_ROUTES, events, of_type, wait_for, write_api, ws_url

# the keys of the managed gateway's recorded events (Powertools' apiGatewayWebSocketApiConnect,
# -Message and -Disconnect test events, recorded against API Gateway)
CONTEXT_KEYS = {
    "routeKey", "eventType", "extendedRequestId", "requestTime", "messageDirection", "stage", "connectedAt",
    "requestTimeEpoch", "identity", "requestId", "domainName", "connectionId", "apiId",
}  # fmt: skip
CONNECT_KEYS = {"headers", "multiValueHeaders", "requestContext", "isBase64Encoded"}
MESSAGE_KEYS = {"requestContext", "body", "isBase64Encoded"}
DISCONNECT_KEYS = {"headers", "multiValueHeaders", "requestContext", "isBase64Encoded"}


def management(base: str, stage: str = "$default") -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"{base}/{stage}",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )


@pytest.fixture
def api(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    spec = write_api(tmp_path)
    return spec, {"WS_EVENTS": str(tmp_path / "events.jsonl")}


def test_events_have_the_recorded_shapes(api: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    spec, env = api
    seen_file = Path(env["WS_EVENTS"])

    async def talk(base: str) -> None:
        async with websockets.connect(ws_url(base, "/ws?room=1&room=2"), user_agent_header="tester/1") as ws:
            await ws.send(json.dumps({"action": "echo", "n": 1}))
            assert json.loads(await ws.recv()) == {"echo": {"action": "echo", "n": 1}, "route": "echo"}
            await ws.send(b"\x00\x01binary")
            assert await ws.recv() == "default:" + "AAFiaW5hcnk="
            await ws.close(1000, "bye")

    with serve_process(str(spec), "--no-reload", env=env) as base:
        asyncio.run(talk(base))
        seen = wait_for(seen_file, lambda found: bool(of_type(found, "DISCONNECT")))
    connect, message, binary, disconnect = seen
    assert set(connect) == CONNECT_KEYS | {"queryStringParameters", "multiValueQueryStringParameters"}
    assert connect["queryStringParameters"] == {"room": "2"}
    assert connect["multiValueQueryStringParameters"] == {"room": ["1", "2"]}
    assert connect["headers"]["user-agent"] == "tester/1"
    context = connect["requestContext"]
    assert set(context) == CONTEXT_KEYS
    assert context["routeKey"] == "$connect" and context["eventType"] == "CONNECT"
    assert context["messageDirection"] == "IN" and context["stage"] == "$default"
    assert context["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "tester/1"}
    assert context["requestId"] == context["extendedRequestId"] and len(context["connectionId"]) == 16
    assert context["domainName"] == base.removeprefix("http://")

    assert set(message) == MESSAGE_KEYS
    assert set(message["requestContext"]) == CONTEXT_KEYS | {"messageId"}
    assert message["requestContext"]["routeKey"] == "echo" and message["isBase64Encoded"] is False
    assert message["requestContext"]["connectedAt"] == context["connectedAt"]
    assert message["requestContext"]["connectionId"] == context["connectionId"]
    assert binary["isBase64Encoded"] is True and binary["requestContext"]["routeKey"] == "$default"

    assert set(disconnect) == DISCONNECT_KEYS
    assert set(disconnect["headers"]) == {"Host", "x-api-key", "X-Forwarded-For", "x-restapi"}
    assert set(disconnect["requestContext"]) == CONTEXT_KEYS | {"disconnectStatusCode", "disconnectReason"}
    assert disconnect["requestContext"]["disconnectStatusCode"] == 1000
    assert disconnect["requestContext"]["disconnectReason"] == "bye"


def test_route_selection_default_forbidden_and_route_responses(tmp_path: Path) -> None:
    no_default = "\n".join(line for line in DEFAULT_ROUTES.splitlines() if "$default" not in line)
    spec = write_api(tmp_path, no_default)

    async def talk(base: str) -> None:
        async with websockets.connect(ws_url(base)) as ws:
            await ws.send(json.dumps({"action": "silent"}))  # no route response: nothing comes back
            await ws.send("not json")  # no $default: the managed gateway's Forbidden
            forbidden = json.loads(await ws.recv())
            assert forbidden["message"] == "Forbidden"
            assert set(forbidden) == {"message", "connectionId", "requestId"}
            await ws.send(json.dumps({"action": "nope"}))
            assert json.loads(await ws.recv())["message"] == "Forbidden"
            await ws.send(json.dumps({"action": "broken"}))
            failed = json.loads(await ws.recv())
            assert failed["message"] == "Internal server error" and failed["connectionId"] == forbidden["connectionId"]
            await ws.send(json.dumps({"action": "echo"}))
            assert json.loads(await ws.recv())["route"] == "echo"  # the silent route sent nothing before it

    env = {"WS_EVENTS": str(tmp_path / "events.jsonl")}
    with serve_process(str(spec), "--no-reload", env=env) as base:
        asyncio.run(talk(base))


def test_a_refused_connect_answers_its_status(api: tuple[Path, dict[str, str]]) -> None:
    spec, env = api

    async def status_of(url: str) -> int:
        with pytest.raises(InvalidStatus) as refused:
            async with websockets.connect(url):
                pass
        return refused.value.response.status_code

    with serve_process(str(spec), "--no-reload", env=env) as base:
        assert asyncio.run(status_of(ws_url(base, "/ws?refuse=401"))) == 401
        assert asyncio.run(status_of(ws_url(base, "/ws?refuse=429"))) == 429
        assert asyncio.run(status_of(ws_url(base, "/ws?raise=1"))) == 500
        assert asyncio.run(status_of(ws_url(base, "/elsewhere"))) == 404
    seen = events(Path(env["WS_EVENTS"]))
    assert len(of_type(seen, "CONNECT")) == 3
    assert of_type(seen, "DISCONNECT") == []  # a connection that never opened does not disconnect


AUTHORIZED = """components:
  securitySchemes:
    wsAuth:
      type: apiKey
      name: token
      in: query
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: route.request.querystring.token
        authorizerResultTtlInSeconds: 0
"""


def test_an_authorizer_on_connect(tmp_path: Path) -> None:
    routes = DEFAULT_ROUTES.replace(
        "$connect: {type: python, handler: ws.py:connect}",
        "$connect: {type: python, handler: ws.py:connect, authorizer: wsAuth}",
    )
    spec = write_api(tmp_path, routes, AUTHORIZED, head="  authorizers:\n    wsAuth: {handler: ws.py:authorize}\n")
    seen_file = tmp_path / "events.jsonl"

    async def talk(base: str) -> None:
        for query, status in (("", 401), ("?token=bad", 403)):
            with pytest.raises(InvalidStatus) as refused:
                async with websockets.connect(ws_url(base, "/ws" + query)):
                    pass
            assert refused.value.response.status_code == status
        async with websockets.connect(ws_url(base, "/ws?token=good")) as ws:
            await ws.send(json.dumps({"action": "whoami"}))
            assert json.loads(await ws.recv()) == {"principalId": "user-1", "team": "blue"}

    with serve_process(str(spec), "--no-reload", env={"WS_EVENTS": str(seen_file)}) as base:
        asyncio.run(talk(base))
    checks = [event for event in events(seen_file) if event.get("type") == "REQUEST"]
    assert len(checks) == 2  # no identity: refused without calling the authorizer
    assert checks[0]["methodArn"].endswith("/$default/$connect")
    assert checks[0]["queryStringParameters"] == {"token": "bad"}


def test_the_connections_api_through_boto3(api: tuple[Path, dict[str, str]]) -> None:
    spec, env = api

    async def talk(base: str) -> None:
        client = management(base)
        async with websockets.connect(ws_url(base), user_agent_header="tester/2") as ws:
            await ws.send(json.dumps({"action": "postBack"}))  # a handler posting back through boto3
            assert json.loads(await ws.recv()) == {"sourceIp": "127.0.0.1"}
            connection_id = of_type(events(Path(env["WS_EVENTS"])), "CONNECT")[0]["requestContext"]["connectionId"]
            found = await asyncio.to_thread(client.get_connection, ConnectionId=connection_id)
            assert found["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "tester/2"}
            assert found["LastActiveAt"] >= found["ConnectedAt"]
            await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"from the test")
            assert await ws.recv() == "from the test"
            await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"\xff\x00")
            assert await ws.recv() == b"\xff\x00"
            with pytest.raises(client.exceptions.PayloadTooLargeException):
                await asyncio.to_thread(
                    client.post_to_connection, ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1)
                )
            await asyncio.to_thread(client.delete_connection, ConnectionId=connection_id)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
        for call in (client.get_connection, client.delete_connection):
            with pytest.raises(client.exceptions.GoneException):
                await asyncio.to_thread(call, ConnectionId=connection_id)
        with pytest.raises(client.exceptions.GoneException):
            await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"late")
        with pytest.raises(client.exceptions.GoneException):
            await asyncio.to_thread(client.post_to_connection, ConnectionId="neverExisted0a=", Data=b"x")

    with serve_process(str(spec), "--no-reload", env=env) as base:
        asyncio.run(talk(base))
        seen = wait_for(Path(env["WS_EVENTS"]), lambda found: bool(of_type(found, "DISCONNECT")))
    assert [event["requestContext"]["disconnectStatusCode"] for event in of_type(seen, "DISCONNECT")] == [1000]


def test_connections_api_under_a_stage_prefix(tmp_path: Path) -> None:
    head = "  stages:\n    prod: {variables: {x: '1'}}\n"
    spec = write_api(tmp_path, head=head)

    async def talk(base: str) -> None:
        with pytest.raises(InvalidStatus):
            async with websockets.connect(ws_url(base, "/ws")):
                pass
        async with websockets.connect(ws_url(base, "/prod/ws")) as ws:
            await ws.send(json.dumps({"action": "postBack"}))
            assert json.loads(await ws.recv()) == {"sourceIp": "127.0.0.1"}
        with pytest.raises(botocore.exceptions.ClientError):  # not at /@connections under a prefix
            await asyncio.to_thread(management(base, "").get_connection, ConnectionId="x")

    env = {"WS_EVENTS": str(tmp_path / "events.jsonl")}
    with serve_process(str(spec), "--no-reload", "--stage-prefix", env=env) as base:
        asyncio.run(talk(base))
    connect = of_type(events(tmp_path / "events.jsonl"), "CONNECT")[0]
    assert connect["requestContext"]["stage"] == "prod" and connect["stageVariables"] == {"x": "1"}


def test_idle_timeout_closes_with_going_away(tmp_path: Path) -> None:
    spec = write_api(tmp_path, extra="    idleTimeout: 1\n")
    seen_file = tmp_path / "events.jsonl"

    async def talk(base: str) -> int | None:
        async with websockets.connect(ws_url(base)) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 30)
            assert closed.value.rcvd is not None
            return closed.value.rcvd.code

    with serve_process(str(spec), "--no-reload", env={"WS_EVENTS": str(seen_file)}) as base:
        assert asyncio.run(talk(base)) == 1001
        seen = wait_for(seen_file, lambda found: bool(of_type(found, "DISCONNECT")))
    (gone,) = of_type(seen, "DISCONNECT")
    assert gone["requestContext"]["disconnectStatusCode"] == 1001
    assert gone["requestContext"]["disconnectReason"] == "Going away"


def test_frames_over_32_kib_and_messages_over_128_kib_close_with_1009(api: tuple[Path, dict[str, str]]) -> None:
    spec, env = api

    async def close_code(base: str, message: str | list[str]) -> int | None:
        async with websockets.connect(ws_url(base), max_size=None) as ws:
            await ws.send(message)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 30)
            return closed.value.rcvd.code if closed.value.rcvd else None

    async def fragmented(base: str) -> str:
        async with websockets.connect(ws_url(base), max_size=None) as ws:
            await ws.send(["y" * (25 * 1024)] * 4)  # 100 KiB in four frames: within both quotas
            return str(await asyncio.wait_for(ws.recv(), 30))

    with serve_process(str(spec), "--no-reload", env=env) as base:
        assert asyncio.run(close_code(base, "x" * (32 * 1024 + 1))) == 1009  # one frame over 32 KiB
        assert asyncio.run(close_code(base, ["x" * (32 * 1024)] * 4 + ["x"])) == 1009  # a message over 128 KiB
        assert asyncio.run(fragmented(base)) == "default:" + "y" * (100 * 1024)
    ends = of_type(events(Path(env["WS_EVENTS"])), "DISCONNECT")
    assert [end["requestContext"]["disconnectStatusCode"] for end in ends][:2] == [1009, 1009]


def test_disconnect_runs_once_however_the_connection_ends(api: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """Client close, client gone without a close frame, DELETE, and the server shutting down."""
    spec, env = api
    seen_file = Path(env["WS_EVENTS"])
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "apigw_cli", "serve", str(spec), "--no-reload", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**__import__("os").environ, **env},
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"

    async def talk() -> None:
        empty = None
        for _ in range(200):  # until it listens
            try:
                empty = await websockets.connect(ws_url(base))
                break
            except OSError:
                await asyncio.sleep(0.1)
        assert empty is not None
        empty.transport.write(b"\x88\x80" + b"\x00\x00\x00\x00")  # a close frame without a status (masked)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(empty.recv(), 10)
        abrupt = await websockets.connect(ws_url(base))
        abrupt.transport.abort()  # gone without a close frame
        deleted = await websockets.connect(ws_url(base))
        wait_for(seen_file, lambda found: len(of_type(found, "CONNECT")) == 3)
        deleted_id = of_type(events(seen_file), "CONNECT")[2]["requestContext"]["connectionId"]
        await asyncio.to_thread(management(base).delete_connection, ConnectionId=deleted_id)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(deleted.recv(), 10)
        await websockets.connect(ws_url(base))  # left open: the server's shutdown ends it
        wait_for(seen_file, lambda found: len(of_type(found, "CONNECT")) == 4)

    try:
        asyncio.run(talk())
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    seen = events(seen_file)
    connects = [event["requestContext"]["connectionId"] for event in of_type(seen, "CONNECT")]
    ends = {event["requestContext"]["connectionId"]: event["requestContext"] for event in of_type(seen, "DISCONNECT")}
    assert len(of_type(seen, "DISCONNECT")) == 4 and set(ends) == set(connects)  # each once
    codes = [ends[connection]["disconnectStatusCode"] for connection in connects]
    assert codes[0] == 1005  # a close frame without a status
    assert codes[1] == 1006  # no close frame at all
    assert codes[2] == 1000  # DELETE @connections
    assert codes[3] in (1001, 1012)  # the server going away
    assert ends[connects[0]]["disconnectReason"] == "Client-side close frame status not set"


def test_a_handler_edit_reaches_open_connections(api: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    spec, env = api
    handlers = tmp_path / "ws.py"

    async def talk(base: str) -> None:
        async with websockets.connect(ws_url(base)) as ws:
            await ws.send("before")
            assert await ws.recv() == "default:before"
            handlers.write_text(handlers.read_text().replace('"default:"', '"edited:"'))
            deadline = time.monotonic() + 30
            answer = ""
            while answer != "edited:after" and time.monotonic() < deadline:
                await ws.send("after")
                answer = str(await asyncio.wait_for(ws.recv(), 10))
                await asyncio.sleep(0.1)
            assert answer == "edited:after"  # the same connection, the new handler

    with serve_process(str(spec), env=env) as base:
        asyncio.run(talk(base))


def test_maximum_age_closes_an_active_connection(tmp_path: Path) -> None:
    spec = write_api(tmp_path, extra="    maxConnectionAge: 1\n")
    seen_file = tmp_path / "events.jsonl"

    async def talk(base: str) -> int | None:
        async with websockets.connect(ws_url(base, "/ws?post=1")) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(300):  # busy, never idle: only its age ends it
                    await ws.send(json.dumps({"action": "echo"}))
                    await asyncio.wait_for(ws.recv(), 10)
                    await asyncio.sleep(0.05)
            return closed.value.rcvd.code if closed.value.rcvd else None

    with serve_process(str(spec), "--no-reload", env={"WS_EVENTS": str(seen_file)}) as base:
        assert asyncio.run(talk(base)) == 1001
        seen = wait_for(seen_file, lambda found: bool(of_type(found, "DISCONNECT")))
    assert of_type(seen, "DISCONNECT")[0]["requestContext"]["disconnectStatusCode"] == 1001
    assert {"postStatus": 410} in seen  # a post to a connection still in its $connect is GoneException, as in AWS


def test_connect_is_optional_and_an_authorizer_reads_headers(tmp_path: Path) -> None:
    routes = """      $connect: {type: mock, authorizer: wsAuth}
      $default: {type: mock, body: hello, routeResponse: true}"""
    headers = AUTHORIZED.replace("route.request.querystring.token", "route.request.header.Authorization")
    spec = write_api(tmp_path, routes, headers, head="  authorizers:\n    wsAuth: {handler: ws.py:authorize}\n")
    (tmp_path / "bare").mkdir()
    bare = write_api(tmp_path / "bare", "      $default: {type: mock, body: hello, routeResponse: true}")

    async def talk(base: str, extra: dict[str, str]) -> str:
        async with websockets.connect(ws_url(base), additional_headers=extra) as ws:
            await ws.send("hi")
            return str(await asyncio.wait_for(ws.recv(), 10))

    env = {"WS_EVENTS": str(tmp_path / "events.jsonl")}
    with serve_process(str(spec), "--no-reload", env=env) as base:
        assert asyncio.run(talk(base, {"Authorization": "good"})) == "hello"
        with pytest.raises(InvalidStatus) as refused:
            asyncio.run(talk(base, {"Authorization": "bad"}))
        assert refused.value.response.status_code == 403
    with serve_process(str(bare), "--no-reload", env=env) as base:
        assert asyncio.run(talk(base, {})) == "hello"  # no $connect route: every handshake is accepted


def test_with_iam_credentials_declared_connections_calls_must_be_signed(tmp_path: Path) -> None:
    head = """  iam:
    credentials:
      - {accessKeyId: AKIDEXAMPLE, secretAccessKey: secret, arn: "arn:aws:iam::123456789012:user/ops"}
      - accessKeyId: AKIDREADONLY
        secretAccessKey: secret
        arn: arn:aws:iam::123456789012:user/readonly
        policy: {Statement: [{Effect: Allow, Action: execute-api:ManageConnections, Resource: "*/GET/@connections/*"}]}
"""
    spec = write_api(tmp_path, head=head)
    env = {"WS_EVENTS": str(tmp_path / "events.jsonl")}

    async def talk(base: str) -> None:
        async with websockets.connect(ws_url(base)) as ws:
            await ws.send(json.dumps({"action": "postBack"}))  # its boto3 client signs with AKIDEXAMPLE/secret
            assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"sourceIp": "127.0.0.1"}
            connection_id = of_type(events(Path(env["WS_EVENTS"])), "CONNECT")[0]["requestContext"]["connectionId"]
            unsigned = await asyncio.to_thread(
                httpx.post, f"{base}/$default/@connections/{connection_id}", content=b"x", timeout=10
            )
            assert unsigned.status_code == 403 and unsigned.json() == {"message": "Missing Authentication Token"}
            wrong = boto3.client(
                "apigatewaymanagementapi", endpoint_url=f"{base}/$default", region_name="us-east-1",
                aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-it",
            )  # fmt: skip
            with pytest.raises(botocore.exceptions.ClientError) as refused:
                await asyncio.to_thread(wrong.post_to_connection, ConnectionId=connection_id, Data=b"x")
            assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
            reader = boto3.client(
                "apigatewaymanagementapi", endpoint_url=f"{base}/$default", region_name="us-east-1",
                aws_access_key_id="AKIDREADONLY", aws_secret_access_key="secret",
            )  # fmt: skip
            found = await asyncio.to_thread(reader.get_connection, ConnectionId=connection_id)
            assert found["Identity"]["SourceIp"] == "127.0.0.1"
            with pytest.raises(botocore.exceptions.ClientError) as denied:
                await asyncio.to_thread(reader.post_to_connection, ConnectionId=connection_id, Data=b"x")
            assert denied.value.response["Error"]["Code"] == "AccessDeniedException"

    with serve_process(str(spec), "--no-reload", env=env) as base:
        asyncio.run(talk(base))
