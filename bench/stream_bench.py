"""Streaming benchmark: time to first byte and throughput of a streamed 100 MB response, from an
nginx backend (a file, sent chunked) hit directly, through `apigw serve` (an http integration with
`stream: true`), and through nginx as a reverse proxy with buffering off (the reference proxy
that streams) and on (its default);
plus a python generator handler yielding 64 KiB chunks. One run; compare the ratios, not the
absolute figures (shared machines swing 2-3x between days).

Usage: python bench/stream_bench.py [--megabytes 100] [--runs 3]
Needs nginx and curl (Debian: apt-get install nginx-light curl). Only 127.0.0.1 is contacted;
curl is the client (`-w '%{time_starttransfer} %{size_download} %{time_total}'`), and each row
is the median of `--runs` downloads.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NGINX = """daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx.err warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    server {{
        listen 127.0.0.1:{backend};
        root {work}/www;
        chunked_transfer_encoding on;
        location /big {{ add_header X-Accel-Buffering no; }}
    }}
    upstream backend {{ server 127.0.0.1:{backend}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{proxy};
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }}
    }}
    server {{
        listen 127.0.0.1:{buffered};
        location / {{
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""
SPEC = """openapi: 3.0.3
info: {{title: stream bench, version: "1"}}
paths:
  /big:
    get:
      x-integration: {{type: http, url: "http://127.0.0.1:{backend}/big", stream: true}}
      responses: {{"200": {{description: the file}}}}
  /generated:
    get:
      x-integration: {{type: python, handler: "gen.py:chunks", stream: true}}
      responses: {{"200": {{description: generated}}}}
"""
GENERATOR = """
BLOCK = b"g" * 65536


def chunks(event, context):
    yield {{"statusCode": 200, "headers": {{"content-type": "application/octet-stream"}}}}
    for _ in range({blocks}):
        yield BLOCK
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def fetch(url: str, runs: int, expected: int) -> tuple[float, float]:
    """Median time to first byte (ms) and throughput (MB/s) of `runs` downloads with curl."""
    firsts: list[float] = []
    rates: list[float] = []
    for _ in range(runs):
        out = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{time_starttransfer} %{size_download} %{time_total}", url],
            capture_output=True, text=True, timeout=600, check=True,
        ).stdout.split()  # fmt: skip
        first, size, total = float(out[0]), int(out[1]), float(out[2])
        if size != expected:
            raise SystemExit(f"{url}: {size} bytes, expected {expected}")
        firsts.append(first * 1000)
        rates.append(size / 1e6 / total)
    return statistics.median(firsts), statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for tool in ("nginx", "curl"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (Debian: apt-get install nginx-light curl)")
    size = args.megabytes * 1024 * 1024
    backend, proxy, buffered, gateway = free_port(), free_port(), free_port(), free_port()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        work.chmod(0o755)  # nginx's workers read the file as their own user
        (work / "www").mkdir(mode=0o755)
        with (work / "www" / "big").open("wb") as out:
            block = b"b" * (1024 * 1024)
            for _ in range(args.megabytes):
                out.write(block)
        (work / "www" / "big").chmod(0o644)
        (work / "nginx.conf").write_text(NGINX.format(work=work, backend=backend, proxy=proxy, buffered=buffered))
        (work / "api.yaml").write_text(SPEC.format(backend=backend))
        (work / "gen.py").write_text(GENERATOR.format(blocks=size // 65536))
        nginx = subprocess.Popen(["nginx", "-p", str(work), "-c", str(work / "nginx.conf")])
        apigw = subprocess.Popen(
            [sys.executable, "-m", "apigw_cli", "serve", str(work / "api.yaml"), "--port", str(gateway),
             "--no-reload", "--validate-responses", "off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
        )  # fmt: skip
        try:
            for port in (backend, proxy, buffered, gateway):
                wait_port(port)
            rows = [
                ("nginx backend, direct", f"http://127.0.0.1:{backend}/big"),
                ("nginx proxy (proxy_buffering off: streams)", f"http://127.0.0.1:{proxy}/big"),
                ("nginx proxy (buffering on, its default)", f"http://127.0.0.1:{buffered}/big"),
                ("apigw serve, http stream: true", f"http://127.0.0.1:{gateway}/big"),
                ("apigw serve, python generator (64 KiB chunks)", f"http://127.0.0.1:{gateway}/generated"),
            ]
            results = {name: fetch(url, args.runs, size) for name, url in rows}
        finally:
            apigw.terminate()
            nginx.terminate()
            apigw.wait(10)
            nginx.wait(10)
    direct_rate = results[rows[0][0]][1]
    print(f"{args.megabytes} MB streamed, median of {args.runs} curl downloads each, one run\n")
    print("| path | time to first byte | throughput | vs direct |")
    print("|---|---:|---:|---:|")
    for name, (first, rate) in results.items():
        print(f"| {name} | {first:.2f} ms | {rate:,.0f} MB/s | {rate / direct_rate:.2f}x |")


if __name__ == "__main__":
    main()
