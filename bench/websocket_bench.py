"""WebSocket round trips and connection set-up, apigw beside serverless-offline, on one handler file.

Rows (each a server on 127.0.0.1, the same Python handlers):
- apigw, post-back: the echo handler posts the message back through @connections (HTTP POST
  from the handler), which is what serverless-offline supports (it ignores route responses);
- apigw, route response: the handler returns the message and the route sends it back;
- serverless-offline (npm, python runtime), post-back: only when it is installed in --peer-dir
  (`npm install serverless@3 serverless-offline@13` there; ../shared/bench/ shows how peers are set up).

For each: messages a second over CONNECTIONS connections each doing sequential round trips
(send, wait for the echo) for --seconds, and the median and p90 time to open a connection
(handshake plus the $connect handler) and close it, over --connects tries. One run, ratios to
apigw's route-response row; these machines are shared, so absolute figures move between days.

Usage: python bench/websocket_bench.py [--seconds 5] [--connections 8] [--connects 200]
                                       [--peer-dir /tmp/ws-peer]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import websockets

HANDLERS = '''
import json, os, urllib.request

def connect(event, context):
    return {"statusCode": 200}

def echo_back(event, context):
    """Posts the message back to its sender through @connections, as a deployed Lambda would."""
    request = event["requestContext"]
    endpoint = os.environ.get("BENCH_ENDPOINT") or f"http://{request['domainName']}/{request['stage']}"
    post = urllib.request.Request(f"{endpoint}/@connections/{request['connectionId']}",
                                  data=event["body"].encode(), method="POST")
    urllib.request.urlopen(post, timeout=10).close()
    return {"statusCode": 200}

def echo(event, context):
    return {"statusCode": 200, "body": event["body"]}
'''

SPEC = """openapi: 3.0.3
info: {title: ws bench, version: "1"}
x-gateway:
  websocket:
    path: /
    routes:
      $connect: {type: python, handler: handler.py:connect}
      back: {type: python, handler: handler.py:echo_back}
      echo: {type: python, handler: handler.py:echo, routeResponse: true}
paths: {}
"""

SERVERLESS = """service: wsbench
frameworkVersion: '3'
provider: {name: aws, runtime: python3.11, region: us-east-1}
plugins: [serverless-offline]
custom:
  serverless-offline: {websocketPort: PORT, httpPort: HTTPPORT, lambdaPort: LAMBDAPORT, noPrependStageInUrl: true}
functions:
  connect: {handler: handler.connect, events: [{websocket: {route: $connect}}]}
  back:
    handler: handler.echo_back
    environment: {BENCH_ENDPOINT: "http://127.0.0.1:PORT"}
    events: [{websocket: {route: back}}]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_listening(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            async with websockets.connect(url):
                return
        except (OSError, websockets.exceptions.InvalidStatus, websockets.exceptions.InvalidMessage):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not start") from None
            await asyncio.sleep(0.3)


async def round_trips(url: str, action: str, connections: int, seconds: float) -> float:
    """Messages a second: each connection sends and waits for its echo, until the time is up."""
    count = 0
    deadline = time.monotonic() + seconds

    async def one() -> None:
        nonlocal count
        async with websockets.connect(url) as ws:
            for index in range(1_000_000):
                if time.monotonic() > deadline:
                    return
                message = f'{{"action": "{action}", "n": {index}}}'
                await ws.send(message)
                answer = await asyncio.wait_for(ws.recv(), 30)
                assert answer == message, answer
                count += 1

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(connections)))
    return count / (time.monotonic() - started)


async def set_up(url: str, tries: int) -> tuple[float, float]:
    """Median and p90 milliseconds to open (handshake + $connect) and close a connection."""
    times = []
    for _ in range(tries):
        started = time.perf_counter()
        async with websockets.connect(url):
            pass
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


@contextmanager
def process(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    log = open(cwd / "server.log", "w")
    child = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    try:
        yield
    finally:
        child.terminate()
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(5)
        log.close()


async def measure(url: str, action: str, args: argparse.Namespace) -> tuple[float, float, float]:
    await wait_listening(url)
    await round_trips(url, action, args.connections, 1.0)  # warm-up
    rate = await round_trips(url, action, args.connections, args.seconds)
    median, p90 = await set_up(url, args.connects)
    return rate, median, p90


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--connects", type=int, default=200)
    parser.add_argument("--peer-dir", type=Path, default=Path("/tmp/ws-peer"))
    args = parser.parse_args()
    rows: list[tuple[str, float, float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "handler.py").write_text(HANDLERS)
        (work / "api.yaml").write_text(SPEC)
        port = free_port()
        apigw = [sys.executable, "-m", "apigw_cli", "serve", str(work / "api.yaml"), "--no-reload", "--port", str(port)]
        with process(apigw, work):
            url = f"ws://127.0.0.1:{port}/"
            rows.append(("apigw, route response", *asyncio.run(measure(url, "echo", args))))
            rows.append(("apigw, post-back", *asyncio.run(measure(url, "back", args))))
        serverless = args.peer_dir / "node_modules" / ".bin" / "serverless"
        if serverless.exists() and shutil.which("node"):
            peer = work / "peer"
            peer.mkdir()
            (peer / "handler.py").write_text(HANDLERS)
            port = free_port()
            config = SERVERLESS.replace("HTTPPORT", str(free_port())).replace("LAMBDAPORT", str(free_port()))
            (peer / "serverless.yml").write_text(config.replace("PORT", str(port)))
            os.symlink(args.peer_dir / "node_modules", peer / "node_modules")
            env = {"SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off", "AWS_ACCESS_KEY_ID": "x",
                   "AWS_SECRET_ACCESS_KEY": "x"}  # fmt: skip
            with process([str(serverless), "offline", "start", "--host", "127.0.0.1"], peer, env):
                try:
                    rows.append(
                        ("serverless-offline, post-back", *asyncio.run(measure(f"ws://127.0.0.1:{port}", "back", args)))
                    )
                except RuntimeError as exc:
                    print(f"serverless-offline: {exc} (see {peer / 'server.log'})", file=sys.stderr)
                    print((peer / "server.log").read_text()[-2000:], file=sys.stderr)
        else:
            print(f"serverless-offline not installed in {args.peer_dir}: its row is left out", file=sys.stderr)
    base = rows[0][1]
    print(f"{'row':<32} {'msg/s':>9} {'x apigw rr':>10} {'connect p50 ms':>15} {'p90 ms':>8}")
    for name, rate, median, p90 in rows:
        print(f"{name:<32} {rate:>9.0f} {rate / base:>10.2f} {median:>15.2f} {p90:>8.2f}")
    print(f"({args.connections} connections, {args.seconds:g} s of round trips, {args.connects} connects a row)")


if __name__ == "__main__":
    main()
