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
        edit_greeting(folder, "??")
        handler = folder / "handlers" / "hello.py"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/hello/you", timeout=2).json()["message"] == "Hello?? you!":
                    break
            except httpx.TransportError:
                pass  # the process is restarting
            # uvicorn's own watcher starts some time after the server answers, and an edit before
            # it runs is not seen: write the file again (the same text) until the restart shows it
            handler.write_text(handler.read_text())
            time.sleep(0.5)
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


def test_serve_prints_each_reload_and_each_refused_edit(tmp_path: Path) -> None:
    folder = copy_hello(tmp_path)
    spec = folder / "hello-python.yaml"
    log = tmp_path / "serve.log"
    original = spec.read_text()
    with serve_process(str(spec), env={"APIGW_TEST_LOG": str(log)}) as base:
        spec.write_text(original.replace("paths:\n", "paths:\n  /extra:\n    get:\n      x-integration: {type: mock}\n"
                                         "      responses: {'200': {description: ok}}\n", 1))  # fmt: skip
        wait_for_text(log, "+ GET /extra")
        assert httpx.get(f"{base}/extra", timeout=5).status_code == 200
        spec.write_text(original + "  /broken: [\n")
        wait_for_text(log, "still serving the previous version")
        assert httpx.get(f"{base}/extra", timeout=5).status_code == 200
    text = log.read_text()
    assert "reloaded in " in text
    end_of_file = len(original.splitlines()) + 2  # where the parser gives up on the unclosed `[`
    assert f"reload failed: {spec}:{end_of_file}:1: invalid YAML" in text  # outside the working folder: shown whole


def wait_for_text(log: Path, text: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"{text!r} not printed in time:\n{log.read_text()}"
        time.sleep(0.05)
