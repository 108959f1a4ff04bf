"""Past one core: `serve --workers 1` vs `--workers 2` on the python-handler path with the load
generator on the same two cores, and what the Redis-backed limits cost a request (a route with an
API key, three token buckets and a quota, served with the in-memory store vs `--redis`), with the
Redis round trips a request makes. Prints one markdown table; figures compare within one run.

Usage: python bench/scale_bench.py [--duration 8] [--connections 32]
Needs wrk and redis-server (Debian packages). Only 127.0.0.1 is contacted; everything started here
is stopped on exit.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gateway_bench import free_port, wait_ready  # bench/ is on the path of a bench script

REPO = Path(__file__).resolve().parent.parent
METERED_SPEC = """
openapi: 3.0.3
info: {title: metered, version: "1"}
x-integration: {type: mock}
x-gateway:
  throttle: {rate: 1000000, burst: 1000000}
  apiKeys: [{name: k, value: key-1}]
  usagePlans: [{name: plan, keys: [k], throttle: {rate: 1000000, burst: 1000000},
                quota: {limit: 100000000, period: DAY}}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /metered:
    get:
      security: [{key: []}]
      x-throttle: {rate: 1000000, burst: 1000000}
      responses: {"200": {description: ok, content: {application/json: {example: {ok: true}}}}}
"""
WRK_SCRIPT = 'wrk.headers["x-api-key"] = "key-1"\n'


@contextmanager
def started(command: list[str], port: int, env: dict[str, str], cwd: Path) -> Iterator[None]:
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, 30)
        yield
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wrk(url: str, seconds: float, connections: int, script: Path, pin: str | None) -> float:
    """Requests a second (2 s warm-up first); non-2xx answers make it fail."""
    base = (["taskset", "-c", pin] if pin and shutil.which("taskset") else []) + ["wrk", "-t1", f"-c{connections}"]
    subprocess.run([*base, "-d2s", "-s", str(script), url], check=True, capture_output=True, timeout=60)
    out = subprocess.run(
        [*base, f"-d{seconds:g}s", "-s", str(script), url], check=True, capture_output=True, text=True, timeout=300
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url}: answers other than 2xx:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"no rate in wrk's output:\n{out}")
    return float(found.group(1))


def evalsha_calls(port: int) -> int:
    out = subprocess.run(
        ["redis-cli", "-p", str(port), "info", "commandstats"], check=True, capture_output=True, text=True
    ).stdout
    found = re.search(r"cmdstat_evalsha:calls=(\d+)", out)
    return int(found.group(1)) if found else 0


def total_commands(port: int) -> int:
    out = subprocess.run(["redis-cli", "-p", str(port), "info", "stats"], check=True, capture_output=True, text=True)
    found = re.search(r"total_commands_processed:(\d+)", out.stdout)
    return int(found.group(1)) if found else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    for tool in ("wrk", "redis-server", "redis-cli"):
        if shutil.which(tool) is None:
            raise SystemExit(f"missing {tool}: apt-get install wrk redis-server")
    apigw = [sys.executable, "-m", "apigw_cli", "serve"]
    rows: list[str] = []
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "key.lua"
        script.write_text(WRK_SCRIPT)
        plain = tmp / "plain.lua"
        plain.write_text("")
        env = {**os.environ, "NO_COLOR": "1"}

        # --workers: the python handler, load unpinned on the same two cores
        rates = {}
        for workers in (1, 2):
            port = free_port()
            worker_env = {**env, "APIGW_USERS_DB": str(tmp / f"users-{workers}.db")}
            command = [*apigw, str(REPO / "specs" / "userapi.yaml"), "--port", str(port), "--workers", str(workers)]
            with started(command, port, worker_env, REPO):
                subprocess.run(
                    ["curl", "-s", "-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/json", "-d",
                     '{"name": "Ada", "email": "ada@example.com"}', f"http://127.0.0.1:{port}/users"],
                    check=True, timeout=30,
                )  # fmt: skip
                rates[workers] = wrk(f"http://127.0.0.1:{port}/users/1", args.duration, args.connections, plain, None)
        rows.append(
            f"| python handler GET, --workers 1 vs 2 (load on the same 2 cores) | {rates[1]:,.0f} req/s | "
            f"{rates[2]:,.0f} req/s | {rates[2] / rates[1]:.2f}x |"
        )

        # Redis-backed limits: key + 3 buckets + quota, server on core 1, wrk and redis on core 0
        spec = tmp / "metered.yaml"
        spec.write_text(METERED_SPEC)
        redis_port = free_port()
        redis_cmd = [
            "taskset",
            "-c",
            "0",
            "redis-server",
            "--port",
            str(redis_port),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        with started(redis_cmd, redis_port, env, tmp):
            measured = {}
            trips = 0.0
            for store in ("memory", "redis"):
                port = free_port()
                command = ["taskset", "-c", "1", *apigw, str(spec), "--port", str(port), "--no-console"]
                if store == "redis":
                    command += ["--redis", f"redis://127.0.0.1:{redis_port}/0"]
                with started(command, port, env, tmp):
                    before = (evalsha_calls(redis_port), total_commands(redis_port))
                    measured[store] = wrk(
                        f"http://127.0.0.1:{port}/metered", args.duration, args.connections, script, "0"
                    )
                    after = (evalsha_calls(redis_port), total_commands(redis_port))
                if store == "redis":
                    requests = measured[store] * (args.duration + 2)  # wrk's rate over its warm-up and run, roughly
                    trips = (after[1] - before[1]) / requests if requests else 0.0
                    scripts = (after[0] - before[0]) / requests if requests else 0.0
        cost = (1 / measured["redis"] - 1 / measured["memory"]) * 1e6
        rows.append(
            f"| key + 3 buckets + quota: in-memory store vs --redis | {measured['memory']:,.0f} req/s | "
            f"{measured['redis']:,.0f} req/s | {measured['redis'] / measured['memory']:.2f}x "
            f"({cost:+.0f} µs a request; ~{scripts:.2f} script calls, ~{trips:.2f} Redis commands a request) |"
        )
    print(f"wrk -t1 -c{args.connections}, {args.duration:g} s a row, {os.cpu_count()} cores\n")
    print("| row | first | second | second / first |\n|---|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
