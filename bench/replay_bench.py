"""How fast `apigw replay` runs in-process with `--speed 0`, and whether its memory stays flat:
a recording made by `apigw serve --record` is repeated to 10,000 and 100,000 lines and replayed
against the same spec; each row is one `apigw replay` process (its peak RSS from wait4).

Usage: python bench/replay_bench.py [--lines 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gateway_bench import REPO, free_port, wait_ready

Request = tuple[str, str, object]
CASES: dict[str, tuple[Path, list[Request]]] = {
    "mock (petstore-mock.yaml)": (
        REPO / "specs" / "petstore-mock.yaml",
        [("GET", "/pets", None), ("GET", "/pets/1", None), ("POST", "/pets", {"name": "Rex", "kind": "dog"})],
    ),
    "python (hello-python.yaml)": (
        REPO / "specs" / "hello-python.yaml",
        [("GET", "/hello/ada", None), ("GET", "/hello/bo?greeting=Hi", None)],
    ),
}


def record(spec: Path, requests: list[Request], folder: Path) -> Path:
    import httpx

    recording = folder / f"{spec.stem}.jsonl"
    port = free_port()
    command = [sys.executable, "-m", "apigw_cli", "serve", str(spec), "--port", str(port), "--no-reload"]
    server = subprocess.Popen(
        [*command, "--record", str(recording)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO
    )
    try:
        wait_ready(port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(10):
                for method, path, body in requests:
                    client.request(method, path, json=body)
    finally:
        server.terminate()
        server.wait(10)
    return recording


def repeat(recording: Path, lines: int) -> Path:
    exchanges = [line for line in recording.read_text().splitlines() if "/_apigw/" not in line]
    target = recording.with_name(f"{recording.stem}-{lines}.jsonl")
    with target.open("w") as out:
        for index in range(lines):
            out.write(exchanges[index % len(exchanges)] + "\n")
    return target


def replay(spec: Path, recording: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "apigw_cli", "replay", str(recording), "-s", str(spec), "--json"]
    command += ["--ignore", "/id"]  # the mock's generated ids
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO, env={**os.environ, "CI": "1"}
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    report = json.loads(output)
    return {
        "sent": report["sent"],
        "matched": report["matched"],
        "seconds": report["seconds"],
        "wall": wall,
        "rss_mb": usage.ru_maxrss / 1024,
        "exit": os.waitstatus_to_exitcode(status),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    sizes = sorted({max(1, args.lines // 10), args.lines})
    print("| case | lines | matched | replay s | exchanges/s | wall s | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (spec, requests) in CASES.items():
            recording = record(spec, requests, Path(tmp))
            for lines in sizes:
                row = replay(spec, repeat(recording, lines))
                rate = row["sent"] / row["seconds"]
                print(
                    f"| {name} | {lines:,} | {row['matched']:,.0f} | {row['seconds']:.2f} | {rate:,.0f} | "
                    f"{row['wall']:.2f} | {row['rss_mb']:.0f} MB |"
                )


if __name__ == "__main__":
    main()
