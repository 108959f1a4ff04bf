"""What the policy stages cost: the UserAPI's python-integration GET /users/{id} (a SQLite read)
served with no policies, the same with an API key and throttling checked on every request, and a
cache hit. One server, one run, with the memory store and then with Redis on localhost.

Usage: python bench/policy_bench.py [--duration 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gateway_bench import REPO, free_port, load, pinned, wait_ready

SPEC = """
openapi: 3.0.3
info: {title: policy bench, version: "1"}
x-integration: {type: python, handler: "HANDLERS/users.py:get_user", payload: "1.0"}
x-gateway:
  throttle: {rate: 1000000, burst: 1000000}
  apiKeys: [{name: bench, value: bench-key}]
  usagePlans: [{name: big, keys: [bench], throttle: {rate: 1000000, burst: 1000000}}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: x-api-key}
paths:
  /plain/{id}:
    get: {responses: {"200": {description: ok}}}
  /guarded/{id}:
    get:
      security: [{key: []}]
      x-throttle: {rate: 1000000, burst: 1000000}
      responses: {"200": {description: ok}}
  /cached/{id}:
    get:
      security: [{key: []}]
      x-cache: {ttl: 3600}
      responses: {"200": {description: ok}}
"""


def request(path: str, key: bool) -> bytes:
    extra = "x-api-key: bench-key\r\n" if key else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


def measure(args: argparse.Namespace, redis_url: str | None) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "api.yaml"
        spec.write_text(SPEC.replace("HANDLERS", str(REPO / "specs" / "handlers")))
        database = Path(tmp) / "users.db"
        seed = (
            "import sys; sys.path.insert(0, sys.argv[1]); import userstore; "
            "userstore.create_user('Ada', 'ada@example.com')"
        )
        subprocess.run(
            [sys.executable, "-c", seed, str(REPO / "specs" / "handlers")],
            check=True,
            env={**os.environ, "APIGW_USERS_DB": str(database)},
        )
        port = free_port()
        command = [sys.executable, "-m", "apigw_cli", "serve", str(spec), "--port", str(port), "--no-reload"]
        command += ["--redis", redis_url] if redis_url else []
        server = subprocess.Popen(
            [*pinned(1), *command],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
            env={**os.environ, "NO_COLOR": "1", "APIGW_USERS_DB": str(database)},
        )  # fmt: skip
        try:
            wait_ready(port)
            rows = {}
            for name, path, key in (("no policies", "/plain/1", False), ("API key + throttle", "/guarded/1", True),
                                    ("cache hit (API key + cache)", "/cached/1", True)):  # fmt: skip
                load(port, [request(path, key)], 1, args.connections)  # warm up (and fill the cache)
                rows[name] = load(port, [request(path, key)], args.duration, args.connections)
        finally:
            server.terminate()
            server.wait(10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    results = {"memory store": measure(args, None)}
    redis_server = shutil.which("redis-server")
    if redis_server:
        port = free_port()
        redis = subprocess.Popen(
            [*pinned(0), redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_ready(port)
            results["Redis store"] = measure(args, f"redis://127.0.0.1:{port}/0")
        finally:
            redis.terminate()
            redis.wait(10)
    print(f"{args.duration:g} s a row, {args.connections} connections, the UserAPI's get_user handler\n")
    print("| store | route | req/s | p50 | p99 | vs no policies |\n|---|---|---:|---:|---:|---:|")
    for store, rows in results.items():
        base = rows["no policies"]["rps"]
        for name, found in rows.items():
            ratio = found["rps"] / base
            print(
                f"| {store} | {name} | {found['rps']:.0f} | {found['p50']:.2f} ms | {found['p99']:.2f} ms "
                f"| {ratio:.2f}x |"
            )


if __name__ == "__main__":
    main()
