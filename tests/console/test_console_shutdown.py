"""The console page's event stream is endless; a server stopping with a page open must not wait
its whole drain for it: the stream ends cleanly at SIGTERM and the server exits 0, while the drain
(60 s here) would still let a real request in flight finish."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from tests.helpers import REPO, free_port


def test_an_open_console_event_stream_does_not_hold_the_shutdown() -> None:
    port = free_port()
    command = [sys.executable, "-m", "apigw_cli", "serve", str(REPO / "specs" / "petstore-mock.yaml"),
               "--no-reload", "--shutdown-timeout", "60", "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/_apigw/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "apigw serve did not start"
                time.sleep(0.1)
        with httpx.stream("GET", f"{base}/_apigw/console/events", timeout=30) as events:
            chunks = events.iter_raw()
            assert next(chunks).startswith(b"retry:")
            os.kill(process.pid, signal.SIGTERM)
            rest = b"".join(chunks)  # the stream ends cleanly: no error from a cut chunked body
        assert b"event:" not in rest
        assert process.wait(timeout=20) == 0  # well inside the 60 s drain
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
