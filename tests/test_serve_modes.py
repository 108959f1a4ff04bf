"""`apigw serve --workers N` (every worker reloads) and `--reload-mode process` (the process restarts)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx

from tests.helpers import SPECS, serve_process


def copy_hello(tmp_path: Path) -> Path:
    shutil.copytree(SPECS, tmp_path / "specs")
    return tmp_path / "specs"


def edit_greeting(folder: Path, mark: str) -> None:
    handler = folder / "handlers" / "hello.py"
    handler.write_text(handler.read_text().replace("{greeting}, ", f"{{greeting}}{mark} "))


def all_say(base: str, text: str, requests: int = 12, timeout: float = 15) -> None:
    """Every one of `requests` fresh connections (spread over the workers) answers `text`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answers = {httpx.get(f"{base}/hello/you", timeout=5).json()["message"] for _ in range(requests)}
        if answers == {text}:
            return
        time.sleep(0.2)
    raise AssertionError(f"not every worker answers {text!r} in time")


def test_every_worker_reloads(tmp_path: Path) -> None:
    folder = copy_hello(tmp_path)
    with serve_process(str(folder / "hello-python.yaml"), "--workers", "2") as base:
        all_say(base, "Hello, you!")
        edit_greeting(folder, "!!")
        all_say(base, "Hello!! you!")


def test_process_reload_mode_restarts_the_server(tmp_path: Path) -> None:
    folder = copy_hello(tmp_path)
    log = tmp_path / "serve.log"
    with serve_process(
        str(folder / "hello-python.yaml"), "--reload-mode", "process", env={"APIGW_TEST_LOG": str(log)}
    ) as base:
        all_say(base, "Hello, you!", requests=1)
        time.sleep(1)  # uvicorn's watcher starts after the server answers its first request
        edit_greeting(folder, "??")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/hello/you", timeout=2).json()["message"] == "Hello?? you!":
                    break
            except httpx.TransportError:
                pass  # the process is restarting
            time.sleep(0.2)
        else:
            raise AssertionError(f"the restarted process did not pick up the edit:\n{log.read_text()}")
    assert "Reloading" in log.read_text()


def test_workers_with_process_reload_is_refused() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "apigw_cli", "serve", str(SPECS / "hello-python.yaml"), "--workers", "2",
         "--reload-mode", "process"],
        capture_output=True, text=True, timeout=20,
    )  # fmt: skip
    assert result.returncode == 2
    assert "use it without --workers" in result.stderr
