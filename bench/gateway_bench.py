"""Gateway benchmark: throughput and latency of `apigw serve`, `apigw invoke` wall time, and
compiling a 13 MB spec. Prints one markdown table; figures are only comparable within one run.

Usage: python bench/gateway_bench.py [--duration 5] [--connections 16] [--corpus ../shared/corpus/large]

Rows:
- apigw python GET / validated POST: `apigw serve specs/userapi.yaml` (SQLite on /dev/shm).
- console on vs --no-console: the same server without the console page's feed (the default has it).
- direct GET / POST: the same handler functions called from a bare starlette route in the
  thread pool under the same uvicorn (no routing, validation or event building): the ceiling.
Load comes from a small keep-alive HTTP/1.1 client on raw asyncio sockets, pinned to the
other core where taskset exists; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "specs" / "userapi.yaml"

DIRECT_APP = """
import json, sys
sys.path.insert(0, {handlers!r})
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route
import users

async def get_user(request):
    event = {{"pathParameters": {{"id": request.path_params["id"]}}}}
    result = await run_in_threadpool(users.get_user, event, None)
    return Response(result["body"], result["statusCode"], media_type="application/json")

async def create_user(request):
    event = {{"body": (await request.body()).decode()}}
    result = await run_in_threadpool(users.create_user, event, None)
    return Response(result["body"], result["statusCode"], media_type="application/json")

app = Starlette(routes=[Route("/users/{{id}}", get_user), Route("/users", create_user, methods=["POST"])])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def wait_ready(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


async def _one_connection(
    port: int, requests: list[bytes], stop_at: float, latencies: list[float], statuses: dict[int, int], first: int
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = first  # connections start apart, so requests that must be unique (new users) stay unique
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(requests[index % len(requests)])
            index += 1
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await asyncio.wait_for(reader.readexactly(length), 10)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def load(port: int, requests: list[bytes], duration: float, connections: int) -> dict[str, float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def run() -> None:
        stop_at = time.perf_counter() + duration
        share = max(1, len(requests) // connections)
        await asyncio.gather(
            *(_one_connection(port, requests, stop_at, latencies, statuses, n * share) for n in range(connections))
        )

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        "non_2xx": sum(count for status, count in statuses.items() if not 200 <= status < 300),
    }


def get_request(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def post_requests(count: int) -> list[bytes]:
    out = []
    for index in range(count):
        body = json.dumps({"name": f"User {index}", "email": f"user{index}-{time.time_ns()}@example.com"}).encode()
        head = (
            f"POST /users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


def measure_server(command: list[str], env: dict[str, str], args: argparse.Namespace) -> dict[str, dict[str, float]]:
    port = int(command[command.index("--port") + 1])
    process = subprocess.Popen(
        pinned(1) + command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO
    )
    try:
        wait_ready(port)
        load(port, post_requests(1), 0.2, 1)  # one user to GET, and a warm-up
        load(port, [get_request("/users/1")], 1, args.connections)
        return {
            "GET": load(port, [get_request("/users/1")], args.duration, args.connections),
            "POST": load(port, post_requests(200_000), args.duration, args.connections),
        }
    finally:
        process.terminate()
        process.wait(10)


def measure_apigw(env: dict[str, str], args: argparse.Namespace, *options: str) -> dict[str, dict[str, float]]:
    """`apigw serve specs/userapi.yaml` with `options`."""
    command = [sys.executable, "-m", "apigw_cli", "serve", str(SPEC), "--port", str(free_port()), *options]
    return measure_server(command, env, args)


def measure_direct(env: dict[str, str], tmp: Path, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """The same handlers from a bare starlette route in the thread pool (its app written to `tmp`)."""
    (tmp / "direct_app.py").write_text(DIRECT_APP.format(handlers=str(REPO / "specs" / "handlers")))
    env_direct = {**env, "APIGW_USERS_DB": str(tmp / "direct.db"), "PYTHONPATH": str(tmp)}
    return measure_server(
        [sys.executable, "-m", "uvicorn", "direct_app:app", "--http", "httptools", "--log-level", "warning",
         "--no-access-log", "--port", str(free_port())],
        env_direct,
        args,
    )  # fmt: skip


def median_wall(command: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=REPO, timeout=60)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


COMPILE_PROBE = """
import resource, sys, time, json
from pathlib import Path
started = time.perf_counter()
from apigw_cli.config import Settings
from apigw_cli.loading import build_gateway
gateway = build_gateway(Settings(spec=Path(sys.argv[1])))
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mb": peak, "operations": len(gateway.operations)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "large")
    args = parser.parse_args()

    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp:
        env = {**os.environ, "APIGW_USERS_DB": str(Path(tmp) / "users.db"), "NO_COLOR": "1"}
        ours = measure_apigw(env, args)
        no_console = measure_apigw({**env, "APIGW_USERS_DB": str(Path(tmp) / "no-console.db")}, args, "--no-console")
        direct = measure_direct(env, Path(tmp), args)
    for kind, label in (("GET", "python GET /users/{id}"), ("POST", "validated POST /users")):
        a, b = ours[kind], direct[kind]
        rows.append(
            (
                label,
                f"{a['rps']:.0f} req/s (p50 {a['p50']:.2f} ms, p99 {a['p99']:.2f} ms, non-2xx {a['non_2xx']:.0f}) | "
                f"direct {b['rps']:.0f} req/s (p50 {b['p50']:.2f} ms, p99 {b['p99']:.2f} ms) | "
                f"ratio {a['rps'] / b['rps']:.2f}",
            )
        )
    for kind in ("GET", "POST"):
        on, off = ours[kind], no_console[kind]
        rows.append(
            (
                f"{kind}: console on (the default) vs --no-console",
                f"{on['rps']:.0f} vs {off['rps']:.0f} req/s (p50 {on['p50']:.2f} vs {off['p50']:.2f} ms) | "
                f"ratio {on['rps'] / off['rps']:.2f}",
            )
        )
    invoke_wall = median_wall([sys.executable, "-m", "apigw_cli", "invoke", "/users", "GET", "-s", str(SPEC)])
    rows.append(("apigw invoke /users GET (wall, median of 5)", f"{invoke_wall:.3f} s"))
    github = args.corpus / "github-api.github.com.json"
    if github.exists():
        probe = subprocess.run(
            [sys.executable, "-c", COMPILE_PROBE, str(github)], capture_output=True, text=True, check=True, cwd=REPO
        )
        found = json.loads(probe.stdout)
        rows.append(
            (
                f"compile {github.name} ({found['operations']} operations, all mocked)",
                f"{found['seconds']:.2f} s, peak RSS {found['peak_mb']:.0f} MB",
            )
        )
        routes_wall = median_wall([sys.executable, "-m", "apigw_cli", "routes", str(github), "--json"], runs=3)
        rows.append((f"apigw routes {github.name} (wall, median of 3)", f"{routes_wall:.2f} s"))
    print(f"duration {args.duration:g} s per row, {args.connections} connections, {os.cpu_count()} cores\n")
    print("| measurement | result |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
