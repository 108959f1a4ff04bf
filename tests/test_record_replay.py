"""Recording while serving, and replaying: matches, a changed handler's mismatch with the field
named, ignore rules, redaction, torn last lines and unusable input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from apigw_cli.cli import app
from tests.helpers import SPECS, serve_process, write

runner = CliRunner()


def record_userapi(tmp_path: Path, *extra: str) -> Path:
    record = tmp_path / "traffic.jsonl"
    env = {"APIGW_USERS_DB": str(tmp_path / "record.db")}
    with serve_process(str(SPECS / "userapi.yaml"), "--record", str(record), *extra, env=env) as base:
        with httpx.Client(base_url=base, timeout=5) as client:
            client.post(
                "/users", json={"name": "Ada", "email": "ada@example.com"}, headers={"authorization": "Bearer s3cret"}
            )
            client.get("/users/1", headers={"x-api-key": "k-123", "cookie": "session=abc"})
            client.get("/users?limit=5")
            client.get("/users/999")
            client.post("/users", json={"name": "Bo"})
    return record


def lines(record: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in record.read_text().splitlines()]


def test_each_exchange_is_one_whole_line_with_secrets_redacted(tmp_path: Path) -> None:
    records = lines(record_userapi(tmp_path))
    probes = [r for r in records if r["request"]["path"] == "/_apigw/health"]
    exchanges = [r for r in records if r not in probes]
    assert [(r["request"]["method"], r["response"]["status"]) for r in exchanges] == [
        ("POST", 201), ("GET", 200), ("GET", 200), ("GET", 404), ("POST", 400)
    ]  # fmt: skip
    first = exchanges[0]
    assert first["route"] == "POST /users" and first["integration"] == "python"
    assert ["authorization", "[redacted]"] in first["request"]["headers"]
    second = exchanges[1]["request"]["headers"]
    assert ["x-api-key", "[redacted]"] in second and ["cookie", "[redacted]"] in second
    assert json.loads(first["request"]["body"]) == {"name": "Ada", "email": "ada@example.com"}


def test_record_secrets_keeps_them(tmp_path: Path) -> None:
    records = lines(record_userapi(tmp_path, "--record-secrets"))
    assert any(["authorization", "Bearer s3cret"] in r["request"]["headers"] for r in records)


def test_replay_against_the_same_spec_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = record_userapi(tmp_path)
    monkeypatch.setenv("APIGW_USERS_DB", str(tmp_path / "replay.db"))  # a fresh store: the same ids come back
    result = runner.invoke(
        app,
        [
            "replay",
            str(record),
            "-s",
            str(SPECS / "userapi.yaml"),
            "--ignore",
            "/**/createdAt",
            "--ignore",
            "/createdAt",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "matched, 0 mismatched, 0 errors" in result.output


def test_a_changed_handler_is_a_mismatch_naming_the_field(tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    shutil.copytree(SPECS, folder)
    record = tmp_path / "hello.jsonl"
    with serve_process(str(folder / "hello-python.yaml"), "--record", str(record), "--no-reload") as base:
        assert httpx.get(f"{base}/hello/you", timeout=5).status_code == 200
    handler = folder / "handlers" / "hello.py"
    handler.write_text(handler.read_text().replace("{greeting}, ", "{greeting}; "))
    result = runner.invoke(app, ["replay", str(record), "-s", str(folder / "hello-python.yaml")])
    assert result.exit_code == 1
    assert '/message: recorded "Hello, you!", now "Hello; you!"' in result.output
    ignored = runner.invoke(
        app, ["replay", str(record), "-s", str(folder / "hello-python.yaml"), "--ignore", "/message"]
    )
    assert ignored.exit_code == 0


def test_a_torn_last_line_is_skipped_and_a_bad_line_is_named(tmp_path: Path) -> None:
    good = {
        "request": {"method": "GET", "path": "/hello/a", "headers": []},
        "response": {"status": 200, "body": '{"message": "Hello, a!"}', "encoding": "text", "headers": []},
    }
    record = write(tmp_path, "torn.jsonl", json.dumps(good) + "\n" + '{"request": {"meth')
    result = runner.invoke(app, ["replay", str(record), "-s", str(SPECS / "hello-python.yaml")])
    assert result.exit_code == 0, result.output
    assert "1 sent, 1 matched" in result.output
    broken = write(tmp_path, "broken.jsonl", "not json\n" + json.dumps(good) + "\n")
    result = runner.invoke(app, ["replay", str(broken), "-s", str(SPECS / "hello-python.yaml")])
    assert result.exit_code == 2
    assert "broken.jsonl:1: not a JSON record" in result.output


def test_two_workers_recording_at_once_write_only_whole_lines(tmp_path: Path) -> None:
    import concurrent.futures

    record = tmp_path / "workers.jsonl"
    with serve_process(
        str(SPECS / "petstore-mock.yaml"), "--workers", "2", "--record", str(record), "--no-reload"
    ) as base:

        def fetch(index: int) -> int:
            return httpx.get(f"{base}/pets/{index}", timeout=5).status_code

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(fetch, range(1, 201)))  # petId has minimum: 1
    assert statuses == [200] * 200
    records = lines(record)  # every line parses: no two writes interleaved
    assert sum(1 for r in records if r["request"]["path"].startswith("/pets/")) == 200


def test_a_killed_server_loses_at_most_the_line_it_was_writing(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.helpers import REPO, free_port

    record = tmp_path / "killed.jsonl"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "apigw_cli", "serve", str(SPECS / "petstore-mock.yaml"), "--port", str(port),
         "--record", str(record), "--no-reload"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/pets", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        for index in range(50):
            httpx.get(f"http://127.0.0.1:{port}/pets/{index}", timeout=5)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
    result = runner.invoke(app, ["replay", str(record), "-s", str(SPECS / "petstore-mock.yaml")])
    assert result.exit_code == 0, result.output
    assert "51 sent, 51 matched" in result.output  # the readiness probe and fifty requests


def test_recorded_lines_follow_the_published_schema(tmp_path: Path) -> None:
    import jsonschema

    schema = json.loads(runner.invoke(app, ["schema", "record"]).output)
    validator = jsonschema.Draft202012Validator(schema)
    for record in lines(record_userapi(tmp_path)):
        assert [error.message for error in validator.iter_errors(record)] == []


def test_replay_against_a_running_server(tmp_path: Path) -> None:
    record = tmp_path / "pets.jsonl"
    with serve_process(str(SPECS / "petstore-mock.yaml"), "--record", str(record), "--no-reload") as base:
        for index in range(5):
            httpx.get(f"{base}/pets/{index}", timeout=5)
    with serve_process(str(SPECS / "petstore-mock.yaml"), "--no-reload") as other:
        result = runner.invoke(app, ["replay", str(record), "--target", other])
        parallel = runner.invoke(app, ["replay", str(record), "--target", other, "--concurrency", "3", "--rate", "50"])
    assert result.exit_code == 0, result.output
    assert "5 sent, 5 matched" in result.output
    assert parallel.exit_code == 0, parallel.output
    assert "5 sent, 5 matched" in parallel.output


def test_more_headers_can_be_redacted_and_the_body_cap_is_configurable(tmp_path: Path) -> None:
    record = tmp_path / "traffic.jsonl"
    env = {"APIGW_USERS_DB": str(tmp_path / "cap.db")}
    options = ("--record", str(record), "--redact", "X-Tenant", "--record-max-body", "10", "--no-reload")
    with serve_process(str(SPECS / "userapi.yaml"), *options, env=env) as base:
        created = httpx.post(
            f"{base}/users", json={"name": "Ada", "email": "ada@example.com"}, headers={"x-tenant": "acme"}, timeout=5
        )
        assert created.status_code == 201
    [exchange] = [r for r in lines(record) if r["request"]["path"] == "/users"]
    assert ["x-tenant", "[redacted]"] in exchange["request"]["headers"]
    request_body = exchange["request"]
    assert request_body["truncated"] is True and len(request_body["body"]) == 10
    assert request_body["size"] == len(json.dumps({"name": "Ada", "email": "ada@example.com"}, separators=(",", ":")))
    result = runner.invoke(app, ["serve", str(SPECS / "userapi.yaml"), "--record-max-body", "-1"])
    assert result.exit_code == 2
    assert "Invalid value for '--record-max-body': -1 is not in the range x>=0" in result.output
