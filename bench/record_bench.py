"""What recording costs: `apigw serve` on the UserAPI, GET /users/{id}, with and without
`--record`: both servers run at once (pinned to the same core), loaded in turn.

Usage: python bench/record_bench.py [--duration 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gateway_bench import REPO, SPEC, free_port, get_request, load, pinned, post_requests, wait_ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    names = ("serve", "serve --record")
    windows: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        recorded = Path(tmp) / "traffic.jsonl"
        ports: dict[str, int] = {}
        servers = []
        try:
            for name, extra in zip(names, ([], ["--record", str(recorded)]), strict=True):
                port = ports[name] = free_port()
                env = {**os.environ, "APIGW_USERS_DB": str(Path(tmp) / f"{port}.db"), "NO_COLOR": "1"}
                command = [sys.executable, "-m", "apigw_cli", "serve", str(SPEC), "--port", str(port), "--no-reload"]
                servers.append(
                    subprocess.Popen(
                        [*pinned(1), *command, *extra],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        env=env,
                        cwd=REPO,
                    )
                )
                wait_ready(port)
                load(port, post_requests(1), 0.2, 1)
                load(port, [get_request("/users/1")], 1, args.connections)
            for _ in range(args.rounds):  # alternating windows: both rows see the same machine noise
                for name in names:
                    windows[name].append(load(ports[name], [get_request("/users/1")], args.duration, args.connections))
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)
        lines = sum(1 for _ in recorded.open()) if recorded.exists() else 0
    rows = {
        name: {key: statistics.median(w[key] for w in found) for key in found[0]} for name, found in windows.items()
    }
    base = rows["serve"]["rps"]
    print(
        f"GET /users/1, {args.rounds} alternating windows of {args.duration:g} s, {args.connections} connections, "
        f"medians; {lines} lines recorded\n"
    )
    print("| server | req/s | p50 | p99 | vs serve | per-window ratios |\n|---|---:|---:|---:|---:|---|")
    for name, found in rows.items():
        ratio = found["rps"] / base
        per_window = ", ".join(
            f"{r['rps'] / b['rps']:.2f}" for r, b in zip(windows[name], windows["serve"], strict=True)
        )
        print(
            f"| {name} | {found['rps']:.0f} | {found['p50']:.2f} ms | {found['p99']:.2f} ms | {ratio:.2f}x | "
            f"{per_window} |"
        )


if __name__ == "__main__":
    main()
