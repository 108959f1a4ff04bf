"""`apigw replay` as a user meets it: HAR and access-log inputs, filters, pacing, concurrency, the
schema check, reports, header rules and the progress bar."""

from __future__ import annotations

import json
import os
import pty
import random
import select
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from apigw_cli.cli import app
from apigw_cli.record.tally import KEEP_DETAILS, LatencyHistogram, Outcome, ReplayResults
from tests.helpers import REPO, serve_process, write

runner = CliRunner()

SPEC = """
openapi: 3.1.0
info: {title: Replay, version: 1.0.0}
paths:
  /items/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      x-integration: {type: python, handler: items.py:get_item}
      responses:
        "200":
          description: an item
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties: {id: {type: integer}, name: {type: string}}
        "404": {description: no such item}
    delete:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      x-integration: {type: python, handler: items.py:get_item}
      responses:
        "204": {description: deleted}
  /slow:
    get:
      x-integration: {type: python, handler: items.py:slow}
      responses:
        "200": {description: done}
"""

HANDLERS = """
import json
import os
import threading
import time

NAME = "widget"
_lock = threading.Lock()
_running = [0, 0]


def get_item(event, context):
    item_id = int(event["pathParameters"]["id"])
    if item_id > 100:
        return {"statusCode": 404, "body": ""}
    name = 7 if item_id == 7 else NAME  # item 7 breaks the spec: its name is a number
    body = json.dumps({"id": item_id, "name": name, "etag": os.urandom(4).hex()})
    return {"statusCode": 200, "headers": {"content-type": "application/json", "x-version": "1"}, "body": body}


def slow(event, context):
    with _lock:
        _running[0] += 1
        _running[1] = max(_running)
        peak = _running[1]
    with open(os.environ["APIGW_TEST_PEAK"], "w") as handle:
        handle.write(str(peak))
    time.sleep(0.15)
    with _lock:
        _running[0] -= 1
    return {"statusCode": 200, "body": "done"}
"""


def project(tmp_path: Path) -> Path:
    write(tmp_path, "items.py", HANDLERS)
    return write(tmp_path, "apigw.yaml", SPEC)


def exchange(
    path: str, status: int, body: Any = None, *, method: str = "GET", at: float = 0.0, route: str | None = None
) -> dict[str, Any]:
    recorded: dict[str, Any] = {"status": status, "headers": [["content-type", "application/json"]]}
    recorded["body"] = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    recorded["encoding"] = "text"
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1_700_000_000 + int(at)))
        + f".{int(at % 1 * 1000):03d}+00:00",
        "request": {"method": method, "path": path, "query": "", "headers": [], "body": "", "encoding": "text"},
        "response": recorded,
        "latencyMs": 1.5,
        "route": route or "GET /items/{id}",
    }


def jsonl(tmp_path: Path, name: str, records: list[dict[str, Any]]) -> Path:
    return write(tmp_path, name, "".join(json.dumps(record) + "\n" for record in records))


def replay(*args: str) -> Any:
    return runner.invoke(app, ["replay", *args])


def report_of(result: Any) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(result.stdout)
    return report


ITEM = {"id": 1, "name": "widget"}


def test_har_entries_replay_and_a_changed_body_is_named(tmp_path: Path) -> None:
    spec = project(tmp_path)
    entries = [
        {
            "startedDateTime": "2026-11-25T10:00:00.000Z",
            "time": 12.5,
            "request": {
                "method": "GET",
                "url": "http://localhost:3000/items/1",
                "httpVersion": "HTTP/2",
                "headers": [{"name": ":authority", "value": "localhost:3000"}, {"name": "accept", "value": "*/*"}],
                "queryString": [],
            },
            "response": {
                "status": 200,
                "headers": [{"name": "content-type", "value": "application/json"}],
                "content": {"mimeType": "application/json", "text": json.dumps({**ITEM, "name": name})},
            },
        }
        for name in ("widget", "gadget")
    ]
    entries.append(  # dev tools kept no body: only the status is compared
        {
            "startedDateTime": "2026-11-25T10:00:01.000Z",
            "request": {"method": "GET", "url": "http://localhost:3000/items/500", "headers": []},
            "response": {"status": 404, "headers": [], "content": {"size": 0}},
        }
    )
    har = write(tmp_path, "session.har", json.dumps({"log": {"version": "1.2", "entries": entries}}, indent=2))
    result = replay(str(har), "-s", str(spec), "--ignore", "/etag", "--json")
    assert result.exit_code == 1, result.output
    report = report_of(result)
    assert (report["sent"], report["matched"], report["mismatched"]) == (3, 2, 1)
    [mismatch] = report["mismatches"]
    assert mismatch["line"] == 2
    assert mismatch["differences"][0]["where"] == "/name"
    assert (mismatch["differences"][0]["recorded"], mismatch["differences"][0]["now"]) == ("gadget", "widget")


def test_a_broken_har_file_is_unusable_input(tmp_path: Path) -> None:
    spec = project(tmp_path)
    har = write(tmp_path, "broken.har", json.dumps({"log": {"entries": [{"request": {}}]}}))
    result = replay(str(har), "-s", str(spec))
    assert result.exit_code == 2
    assert "broken.har: log.entries[0]: not a HAR entry" in result.output


def test_a_json_access_log_from_serve_replays_by_status(tmp_path: Path) -> None:
    spec = project(tmp_path)
    log_path = tmp_path / "access.log"
    with serve_process(str(spec), "--log-format", "json", "--no-reload", env={"APIGW_TEST_LOG": str(log_path)}) as base:
        with httpx.Client(base_url=base, timeout=5) as client:
            assert client.get("/items/3").status_code == 200
            assert client.get("/items/300").status_code == 404
    lines = [line for line in log_path.read_text().splitlines() if line.startswith("{") and "/items/" in line]
    assert len(lines) == 2, log_path.read_text()
    result = replay(str(log_path), "-s", str(spec), "--json")
    assert result.exit_code == 0, result.output
    assert report_of(result)["routes"]["GET /items/{id}"]["matched"] == 2  # and the start-up health probe


def test_a_cloudwatch_export_of_the_managed_gateway_log(tmp_path: Path) -> None:
    spec = project(tmp_path)
    lines = [
        {"requestId": "a", "httpMethod": "GET", "path": "/prod/items/2", "stage": "prod", "status": "200",
         "resourcePath": "/items/{id}", "requestTimeEpoch": 1_700_000_000_000, "responseLatency": "12"},
        {"requestId": "b", "httpMethod": "GET", "path": "/prod/items/900", "stage": "prod", "status": "200",
         "resourcePath": "/items/{id}", "requestTimeEpoch": 1_700_000_000_100, "responseLatency": "9"},
    ]  # fmt: skip
    exported = jsonl(tmp_path, "cloudwatch.jsonl", [{"timestamp": 1, "message": json.dumps(line)} for line in lines])
    result = replay(str(exported), "-s", str(spec), "--json")
    assert result.exit_code == 1
    report = report_of(result)
    assert report["routes"]["GET /items/{id}"]["sent"] == 2
    [mismatch] = report["mismatches"]
    assert mismatch["line"] == 2 and mismatch["differences"][0]["where"] == "status"
    assert report["latencyMs"]["recorded"]["p99"] == pytest.approx(12, rel=0.02)


def test_filters_choose_what_is_sent(tmp_path: Path) -> None:
    spec = project(tmp_path)
    records = [
        exchange("/items/1", 200, ITEM),
        exchange("/items/2", 200, {"id": 2, "name": "widget"}),
        exchange("/items/404", 404),
        exchange("/slow", 200, "done", route="GET /slow"),
        exchange("/items/3", 204, method="DELETE", route="DELETE /items/{id}"),
    ]
    recording = jsonl(tmp_path, "traffic.jsonl", records)
    base = [str(recording), "-s", str(spec), "--ignore", "/etag", "--json"]
    sent = report_of(replay(*base, "--filter", "status=2xx", "--filter", "method=GET", "--filter", "route=/items/*"))
    assert sent["sent"] == 2 and sent["matched"] == 2
    assert report_of(replay(*base, "--filter", "status=400-499"))["sent"] == 1
    assert report_of(replay(*base, "--filter", "path=/items/40*,/items/1"))["sent"] == 2
    assert report_of(replay(*base, "--filter", "method=get", "--limit", "1"))["sent"] == 1
    bad = replay(*base, "--filter", "colour=red")
    assert bad.exit_code == 2 and "--filter 'colour=red'" in bad.output
    bad = replay(*base, "--filter", "status=2yy")
    assert bad.exit_code == 2 and "'2yy' is not a status" in bad.output


def test_rate_and_speed_pace_the_sends(tmp_path: Path) -> None:
    spec = project(tmp_path)
    records = [exchange(f"/items/{n}", 200, {"id": n, "name": "widget"}, at=n * 0.2) for n in range(1, 5)]
    recording = jsonl(tmp_path, "timed.jsonl", records)
    base = [str(recording), "-s", str(spec), "--ignore", "/etag", "--json"]
    paced = report_of(replay(*base, "--rate", "10"))
    assert paced["matched"] == 4 and paced["seconds"] >= 0.3  # sends at 0, 0.1, 0.2 and 0.3 s
    timed = report_of(replay(*base, "--speed", "2"))
    assert timed["matched"] == 4 and timed["seconds"] >= 0.3  # recorded 0.6 s apart end to end, twice as fast
    both = replay(*base, "--rate", "5", "--speed", "2")
    assert both.exit_code == 2 and "not both" in both.output


def test_concurrency_puts_requests_in_flight_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = project(tmp_path)
    peak = tmp_path / "peak"
    monkeypatch.setenv("APIGW_TEST_PEAK", str(peak))
    recording = jsonl(tmp_path, "slow.jsonl", [exchange("/slow", 200, "done", route="GET /slow") for _ in range(8)])
    serial = replay(str(recording), "-s", str(spec), "--ignore", "content-type")
    assert serial.exit_code == 0, serial.output
    assert peak.read_text() == "1"
    parallel = replay(str(recording), "-s", str(spec), "--ignore", "content-type", "--concurrency", "4")
    assert parallel.exit_code == 0, parallel.output
    assert int(peak.read_text()) >= 2


def test_check_schema_flags_responses_that_break_the_spec(tmp_path: Path) -> None:
    spec = project(tmp_path)
    records = [exchange("/items/1", 200, ITEM), exchange("/items/7", 200, {"id": 7, "name": 7})]
    recording = jsonl(tmp_path, "traffic.jsonl", records)
    unchecked = replay(str(recording), "-s", str(spec), "--ignore", "/etag")
    assert unchecked.exit_code == 0, unchecked.output
    checked = replay(str(recording), "-s", str(spec), "--ignore", "/etag", "--check-schema", "--json")
    assert checked.exit_code == 1
    report = report_of(checked)
    assert report["offSpec"] == 1 and report["matched"] == 1
    [problem] = report["mismatches"]
    assert (
        problem["line"] == 2
        and "/name" in problem["schemaProblem"]
        and "not of type 'string'" in problem["schemaProblem"]
    )


def test_check_schema_refuses_swagger_2_with_a_reason(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "swagger.yaml",
        """
        swagger: "2.0"
        info: {title: Old, version: "1"}
        paths:
          /ping:
            get:
              x-integration: {type: mock}
              responses: {"200": {description: pong}}
        """,
    )
    recording = jsonl(tmp_path, "ping.jsonl", [exchange("/ping", 200, route="GET /ping")])
    result = replay(str(recording), "-s", str(spec), "--check-schema")
    assert result.exit_code == 2
    assert "--check-schema reads OpenAPI 3.0 and 3.1 specs" in result.output


def test_reports_for_ci(tmp_path: Path) -> None:
    spec = project(tmp_path)
    records = [exchange("/items/1", 200, ITEM), exchange("/items/2", 200, {"id": 2, "name": "gizmo"})]
    records.append(exchange("/slow", 200, "done", route="GET /slow"))
    recording = jsonl(tmp_path, "traffic.jsonl", records)
    os.environ.setdefault("APIGW_TEST_PEAK", str(tmp_path / "peak"))
    base = [str(recording), "-s", str(spec), "--ignore", "/etag", "--ignore", "content-type"]

    junit = replay(*base, "--report", "junit", "-o", str(tmp_path / "replay.xml"))
    assert junit.exit_code == 1
    assert "3 sent, 2 matched, 1 mismatched" in junit.stdout  # the table and counts still print
    suite = ElementTree.parse(tmp_path / "replay.xml").getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    failure = cases["GET /items/{id}"].find("failure")
    assert failure is not None and '/name: recorded "gizmo", now "widget"' in (failure.text or "")
    assert cases["GET /slow"].find("failure") is None

    markdown = replay(*base, "--report", "markdown", "-o", str(tmp_path / "replay.md"))
    assert markdown.exit_code == 1
    text = (tmp_path / "replay.md").read_text()
    assert "| route | sent | matched | mismatched |" in text and "| GET /items/{id} | 2 | 1 | 1 |" in text
    assert '/name: recorded "gizmo", now "widget"' in text

    as_json = replay(*base, "--report", "json", "-o", str(tmp_path / "replay.json"))
    assert as_json.exit_code == 1
    figures = json.loads((tmp_path / "replay.json").read_text())
    assert figures["routes"]["GET /slow"]["matched"] == 1 and figures["mismatchesNotListed"] == 0

    unwritable = replay(*base, "--report", "json", "-o", str(tmp_path / "no" / "such" / "dir.json"))
    assert unwritable.exit_code == 2 and "cannot write the report" in unwritable.output


def test_header_comparison_and_ignoring_headers(tmp_path: Path) -> None:
    spec = project(tmp_path)
    record = exchange("/items/1", 200, ITEM)
    record["response"]["headers"] = [["content-type", "text/plain"], ["x-version", "0"]]
    recording = jsonl(tmp_path, "traffic.jsonl", [record])
    plain = replay(str(recording), "-s", str(spec), "--ignore", "/etag")
    assert plain.exit_code == 1 and 'header content-type: recorded "text/plain", now "application/json"' in plain.stdout
    asked = replay(
        str(recording), "-s", str(spec), "--ignore", "/etag", "--ignore", "content-type", "--header", "X-Version"
    )
    assert asked.exit_code == 1 and 'header x-version: recorded "0", now "1"' in asked.stdout
    ignored = replay(
        str(recording), "-s", str(spec), "--ignore", "/etag", "--ignore", "content-type", "--header", "x-version",
        "--ignore", "x-*",
    )  # fmt: skip
    assert ignored.exit_code == 0, ignored.stdout


def test_ignore_globs_reach_any_depth(tmp_path: Path) -> None:
    spec = project(tmp_path)
    recording = jsonl(tmp_path, "traffic.jsonl", [exchange("/items/1", 200, {"id": 1, "name": "old", "etag": "x"})])
    result = replay(str(recording), "-s", str(spec), "--ignore", "/**/etag", "--ignore", "/na*")
    assert result.exit_code == 0, result.output
    missed = replay(str(recording), "-s", str(spec), "--ignore", "/*/etag")  # one segment then etag: no match
    assert missed.exit_code == 1


def test_the_progress_bar_shows_on_a_terminal_and_not_under_ci(tmp_path: Path) -> None:
    spec = project(tmp_path)
    recording = jsonl(tmp_path, "traffic.jsonl", [exchange("/items/404", 404)] * 3)
    command = [sys.executable, "-m", "apigw_cli", "replay", str(recording), "-s", str(spec)]

    def run_on_a_terminal(ci: bool) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
        if ci:
            env["CI"] = "true"
        primary, secondary = pty.openpty()
        process = subprocess.Popen(command, stdout=secondary, stderr=secondary, env=env, cwd=REPO)
        os.close(secondary)
        output = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(primary, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        process.wait(timeout=10)
        os.close(primary)
        assert process.returncode == 0, output
        return output.decode("utf-8", "replace")

    assert "replaying" in run_on_a_terminal(ci=False)
    assert "replaying" not in run_on_a_terminal(ci=True)


def test_latency_percentiles_stay_within_one_percent() -> None:
    rng = random.Random(7)
    samples = [rng.lognormvariate(0, 1.2) for _ in range(20_000)]
    histogram = LatencyHistogram()
    for sample in samples:
        histogram.add(sample)
    ordered = sorted(samples)
    for share in (0.5, 0.9, 0.99):
        exact = ordered[int(len(ordered) * share) - 1]
        assert histogram.percentile(share) == pytest.approx(exact, rel=0.011)
    assert LatencyHistogram().percentile(0.5) is None


def test_only_the_first_mismatches_are_kept_in_memory() -> None:
    results = ReplayResults()
    for line in range(KEEP_DETAILS + 500):
        results.add(Outcome(line, "GET /x", error="refused"))
    assert len(results.details) == KEEP_DETAILS and results.details_dropped == 500
    assert results.total.errors == KEEP_DETAILS + 500 and results.failed


def test_throttles_are_off_unless_the_recorded_pace_is_kept(tmp_path: Path) -> None:
    spec = project(tmp_path)
    spec.write_text(spec.read_text().replace("info: {title: Replay, version: 1.0.0}", THROTTLED))
    recording = jsonl(
        tmp_path, "burst.jsonl", [exchange(f"/items/{n}", 200, {"id": n, "name": "widget"}) for n in (1, 2, 3)]
    )
    base = [str(recording), "-s", str(spec), "--ignore", "/etag", "--json"]
    assert report_of(replay(*base))["matched"] == 3  # as fast as it can, where the recording was not
    throttled = report_of(replay(*base, "--throttle"))
    assert throttled["matched"] == 1
    assert {d["now"] for m in throttled["mismatches"] for d in m["differences"] if d["where"] == "status"} == {429}


THROTTLED = """info: {title: Replay, version: 1.0.0}
x-gateway:
  throttle: {rate: 1, burst: 1}"""


def test_run_replay_is_the_command_as_a_library_call(tmp_path: Path) -> None:
    from apigw_cli.config import Settings
    from apigw_cli.record.replay import ReplayJob, ReplayOptions, run_replay

    spec = project(tmp_path)
    recording = jsonl(tmp_path, "traffic.jsonl", [exchange("/items/1", 200, ITEM), exchange("/items/2", 200, ITEM)])
    job = ReplayJob(
        log=recording,
        settings=Settings(spec=spec, validate_responses="off", throttle=False),
        filters=("path=/items/1",),
        options=ReplayOptions(ignore=("/etag",)),
    )
    results = run_replay(job)
    assert (results.total.sent, results.total.matched) == (1, 1)
    failing = run_replay(ReplayJob(log=recording, settings=job.settings))  # the etag is random: not ignored now
    assert failing.failed and failing.total.mismatched == 2
