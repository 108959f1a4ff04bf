"""Hot reload latency: time from a file write to the first request the new snapshot answers, for
the bundled UserAPI, the 13 MB GitHub spec and the 4 MB Stripe YAML spec (every operation
mocked), and what a steady load saw meanwhile: p99 and the longest request (the pause a reload
caused) in the windows from a write to that first answer, against quiet windows of the same run.
Figures, not targets: a local gateway may pause while it rebuilds a huge spec. Prints a markdown
table.

Usage: python bench/reload_bench.py [--reloads 50] [--raw-client] [--corpus ../shared/corpus/large]
Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: object, timeout: float) -> float:
    """Seconds until `check()` is true (polled every 10 ms), or raise."""
    assert callable(check)
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if check():
            return time.perf_counter() - started
        time.sleep(0.01)
    raise RuntimeError("timed out")


_PROBE = httpx.Client(timeout=2)  # one keep-alive connection: polling must not load the server itself


def answers(base: str, path: str) -> bool:
    try:
        return _PROBE.get(base + path).status_code == 200
    except httpx.TransportError:
        return False


class SteadyLoad:
    """GETs at a fixed rate on a background thread over one keep-alive connection, recording each
    latency with its start time. `raw`: a bare socket instead of httpx, whose ~0.5 ms of client
    CPU a request competes for the same two cores as the server on a small machine."""

    def __init__(self, url: str, rate: float, raw: bool = False):
        self.url, self.interval, self.raw = url, 1 / rate, raw
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        get = self._raw_client() if self.raw else httpx.Client(timeout=10).get
        deadline = time.perf_counter() + 600
        while not self._stop.is_set() and time.perf_counter() < deadline:
            started = time.perf_counter()
            get(self.url)
            self.samples.append((started, time.perf_counter() - started))
            time.sleep(max(0.0, self.interval - (time.perf_counter() - started)))

    def _raw_client(self) -> Callable[[str], None]:
        host_port, _, path = self.url.split("://", 1)[1].partition("/")
        host, _, port = host_port.partition(":")
        sock = socket.create_connection((host, int(port)), timeout=10)
        request = f"GET /{path} HTTP/1.1\r\nhost: {host_port}\r\n\r\n".encode()

        def get(url: str) -> None:
            sock.sendall(request)
            received = b""
            while b"\r\n\r\n" not in received:
                received += _recv(sock)
            head, _, body = received.partition(b"\r\n\r\n")
            lengths = [line[15:] for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
            length = int(lengths[0])
            while len(body) < length:
                body += _recv(sock)

        return get

    def __enter__(self) -> SteadyLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)


def _recv(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("the server closed the connection")
    return data


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else float("nan")


_MARGIN = 0.2  # seconds around a reload that count as neither steady nor during


def measure(spec: Path, add_path: object, reloads: int, probe: str, raw: bool) -> dict[str, float]:
    assert callable(add_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "APIGW_USERS_DB": str(spec.parent / "users.db"), "NO_COLOR": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "apigw_cli", "serve", str(spec), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO,
    )  # fmt: skip
    try:
        wait_until(lambda: answers(base, probe), 120)
        latencies: list[float] = []
        windows: list[tuple[float, float]] = []
        with SteadyLoad(base + probe, rate=100, raw=raw) as load:
            time.sleep(1)
            for index in range(reloads):
                written = add_path(index)
                latencies.append(wait_until(lambda i=index: answers(base, f"/reload-probe-{i}"), 60))
                windows.append((written, time.perf_counter()))
                # quiet time after each reload as long as the reload plus the margins left out below,
                # so steady and during samples interleave and come in similar numbers
                time.sleep(latencies[-1] + 2 * _MARGIN + 0.1)
        during = [lat for start, lat in load.samples if any(a <= start <= b for a, b in windows)]
        steady = [
            lat for start, lat in load.samples if not any(a - _MARGIN <= start <= b + _MARGIN for a, b in windows)
        ]
        return {
            "during_n": len(during),
            "steady_n": len(steady),
            "median_ms": statistics.median(latencies) * 1000,
            "max_ms": max(latencies) * 1000,
            "p99_steady_ms": p99(steady),
            "p99_during_ms": p99(during),
            "longest_during_ms": max(during, default=float("nan")) * 1000,
            "longest_steady_ms": max(steady, default=float("nan")) * 1000,
        }
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=50)
    parser.add_argument("--raw-client", action="store_true", help="load from a bare socket, not httpx")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "large")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "specs"
        shutil.copytree(REPO / "specs", folder)
        spec = folder / "userapi.yaml"
        original = spec.read_text()

        def add_yaml_path(index: int) -> float:
            extra = "".join(
                f"  /reload-probe-{i}:\n    get:\n      x-integration: {{type: mock}}\n"
                f"      responses: {{'200': {{description: ok}}}}\n"
                for i in range(index + 1)
            )
            spec.write_text(original.replace("paths:\n", "paths:\n" + extra, 1))
            return time.perf_counter()

        rows.append(("specs/userapi.yaml", measure(spec, add_yaml_path, args.reloads, "/users", args.raw_client)))
        github = args.corpus / "github-api.github.com.json"
        if github.exists():
            target = Path(tmp) / "github.json"
            document = json.loads(github.read_text())
            target.write_text(json.dumps(document))
            probe = "/rate_limit"  # its mocked example matches its schema: no warning logged per request

            def add_json_path(index: int) -> float:
                for i in range(index + 1):
                    document["paths"][f"/reload-probe-{i}"] = {"get": {"responses": {"200": {"description": "ok"}}}}
                target.write_text(json.dumps(document))
                return time.perf_counter()

            found = measure(target, add_json_path, max(3, args.reloads // 3), probe, args.raw_client)
            rows.append((f"{github.name} (13 MB, all mocked)", found))
        stripe = args.corpus / "stripe-spec3.yaml"
        if stripe.exists():
            stripe_text = stripe.read_text()
            stripe_copy = Path(tmp) / "stripe.yaml"
            stripe_copy.write_text(stripe_text)

            def add_stripe_path(index: int) -> float:
                extra = "".join(
                    f"  /reload-probe-{i}:\n    get:\n      responses:\n        '200': {{description: ok}}\n"
                    for i in range(index + 1)
                )
                stripe_copy.write_text(stripe_text.replace("\npaths:\n", "\npaths:\n" + extra, 1))
                return time.perf_counter()

            found = measure(stripe_copy, add_stripe_path, max(3, args.reloads // 3), "/v1/balance", args.raw_client)
            rows.append((f"{stripe.name} (4 MB YAML, all mocked)", found))
    client = "a bare socket" if args.raw_client else "httpx"
    print(f"{args.reloads} reloads (a third for the large specs), steady GET load of 100 req/s from {client}\n")
    print(
        "| spec | write -> new snapshot answers (median / max) | p99 quiet (n) | p99 during reloads (n) "
        "| longest request quiet / during |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, found in rows:
        print(
            f"| {name} | {found['median_ms']:.0f} / {found['max_ms']:.0f} ms "
            f"| {found['p99_steady_ms']:.1f} ms ({found['steady_n']:.0f}) "
            f"| {found['p99_during_ms']:.1f} ms ({found['during_n']:.0f}) "
            f"| {found['longest_steady_ms']:.1f} / {found['longest_during_ms']:.1f} ms |"
        )


if __name__ == "__main__":
    main()
