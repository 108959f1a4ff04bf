"""`serve --record` writes a line per WebSocket connect, message and disconnect; `apigw replay`
replays each recorded connection's messages in order, in-process or against a --target, and
reports a changed answer."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import websockets

from tests.helpers import REPO, serve_process
from tests.websocket.ws_helpers import write_api, ws_url


def replay(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigw_cli", "replay", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, **env},
    )


def test_record_then_replay_websocket_connections(tmp_path: Path) -> None:
    spec = write_api(tmp_path)
    record = tmp_path / "traffic.jsonl"
    env = {"WS_EVENTS": str(tmp_path / "events.jsonl")}

    async def talk(base: str) -> None:
        async with websockets.connect(ws_url(base, "/ws?room=7"), additional_headers={"X-Api-Key": "s3cret"}) as ws:
            await ws.send(json.dumps({"action": "echo", "n": 1}))
            assert json.loads(await ws.recv())["echo"] == {"action": "echo", "n": 1}
            await ws.send(json.dumps({"action": "postBack"}))  # a post through @connections while handled
            assert json.loads(await ws.recv()) == {"sourceIp": "127.0.0.1"}
            await ws.send(b"\x01\x02")
            assert await ws.recv() == "default:AQI="
            await ws.send(json.dumps({"action": "silent"}))
        with_refusal = ws_url(base, "/ws?refuse=403")
        try:
            async with websockets.connect(with_refusal):
                pass
        except websockets.exceptions.InvalidStatus:
            pass

    with serve_process(str(spec), "--no-reload", "--record", str(record), env=env) as base:
        asyncio.run(talk(base))
        lines = [json.loads(line) for line in record.read_text().splitlines()]
        for _ in range(100):  # the disconnect line is written as its handler returns
            if sum(1 for line in lines if line.get("websocket", {}).get("eventType") == "DISCONNECT"):
                break
            asyncio.run(asyncio.sleep(0.05))
            lines = [json.loads(line) for line in record.read_text().splitlines()]
        recorded = tmp_path / "recorded.jsonl"  # what it recorded so far: the replay below is recorded too
        recorded.write_text(record.read_text())
        target = replay(str(recorded), "-s", str(spec), "--target", base, env=env)
    schema = json.loads((REPO / "apigw_cli" / "schemas" / "record.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    assert [error.message for line in lines for error in validator.iter_errors(line)] == []  # the published schema
    events = [line["websocket"] for line in lines if "websocket" in line]
    first = events[0]["connectionId"]
    sockets = [event for event in events if event["connectionId"] == first]
    assert [event["eventType"] for event in sockets] == [
        "CONNECT",
        "MESSAGE",
        "MESSAGE",
        "MESSAGE",
        "MESSAGE",
        "DISCONNECT",
    ]
    (refused,) = [event for event in events if event["connectionId"] != first]
    assert refused["eventType"] == "CONNECT" and refused["status"] == 403
    connect = sockets[0]
    assert connect["query"] == "room=7" and ["x-api-key", "[redacted]"] in connect["headers"]
    assert sockets[2]["routeKey"] == "postBack" and len(sockets[2]["replies"]) == 1  # the post, recorded with it
    assert sockets[3]["message"]["encoding"] == "base64"
    assert "replies" not in sockets[4]  # a route without route responses sends nothing
    assert sockets[5]["closeCode"] == 1000
    # the @connections call is not an exchange of the recording (its post is, with the message)
    assert not any("@connections" in line.get("request", {}).get("path", "") for line in lines)
    assert target.returncode == 0, target.stdout + target.stderr

    # in-process there is no server for the postBack handler's boto3 call: replay the rest
    alone = tmp_path / "alone.jsonl"
    alone.write_text("".join(line + "\n" for line in recorded.read_text().splitlines() if "postBack" not in line))
    same = replay(str(alone), "-s", str(spec), env=env)
    assert same.returncode == 0, same.stdout + same.stderr
    handlers = tmp_path / "ws.py"
    handlers.write_text(handlers.read_text().replace('"default:"', '"changed:"'))
    changed = replay(str(alone), "-s", str(spec), env=env)
    assert changed.returncode == 1
    assert "WS $default" in changed.stdout and "changed:AQI=" in changed.stdout
