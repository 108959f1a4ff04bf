"""What recording costs: `apigw serve` on the UserAPI, GET /users/{id}, with and without
`--record`, in one run.

Usage: python bench/record_bench.py [--duration 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gateway_bench import REPO, SPEC, free_port, get_request, load, pinned, post_requests, wait_ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (("serve", []), ("serve --record", ["--record", str(Path(tmp) / "traffic.jsonl")])):
            port = free_port()
            env = {**os.environ, "APIGW_USERS_DB": str(Path(tmp) / f"{len(rows)}.db"), "NO_COLOR": "1"}
            command = [sys.executable, "-m", "apigw_cli", "serve", str(SPEC), "--port", str(port), "--no-reload"]
            server = subprocess.Popen(
                [*pinned(1), *command, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO
            )
            try:
                wait_ready(port)
                load(port, post_requests(1), 0.2, 1)
                load(port, [get_request("/users/1")], 1, args.connections)
                rows[name] = load(port, [get_request("/users/1")], args.duration, args.connections)
            finally:
                server.terminate()
                server.wait(10)
        recorded = Path(tmp) / "traffic.jsonl"
        lines = sum(1 for _ in recorded.open()) if recorded.exists() else 0
    base = rows["serve"]["rps"]
    print(f"GET /users/1, {args.duration:g} s a row, {args.connections} connections; {lines} lines recorded\n")
    print("| server | req/s | p50 | p99 | vs serve |\n|---|---:|---:|---:|---:|")
    for name, found in rows.items():
        ratio = found["rps"] / base
        print(f"| {name} | {found['rps']:.0f} | {found['p50']:.2f} ms | {found['p99']:.2f} ms | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
