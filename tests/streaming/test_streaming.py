"""Streamed responses through a real `apigw serve` and a real streaming backend (starlette under
uvicorn, in a thread): events reach the client one by one while the backend is still producing
(each next event waits for the word that the one before arrived: a gateway that buffered would
hold them all until the backend gave up waiting), a 50 MB download with flat gateway memory, python
generator and async generator handlers, a client that goes away (the backend sees its connection
close, the generator gets GeneratorExit), an idle backend cut at the configured timeout, the
record, the access log and the metrics of a stream, and the non-streaming path unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.backends.streams import Observed, make_app
from tests.helpers import running_app, serve_process

SPEC = """openapi: 3.0.3
info: {{title: streams, version: "1"}}
paths:
  /sse:
    get:
      x-integration: {{type: http, url: "{backend}/sse", stream: true}}
      responses: {{"200": {{description: events, content: {{text/event-stream: {{schema: {{type: string}}}}}}}}}}
  /download:
    get:
      x-integration: {{type: http, url: "{backend}/download", stream: true}}
      responses: {{"200": {{description: bytes}}}}
  /quiet:
    get:
      x-integration: {{type: http, url: "{backend}/quiet", stream: {{idleTimeout: 0.5}}}}
      responses: {{"200": {{description: one line, then nothing}}}}
  /plain:
    get:
      x-integration: {{type: http, url: "{backend}/plain"}}
      responses: {{"200": {{description: not streamed}}}}
  /gen:
    get:
      x-integration: {{type: python, handler: "gens.py:sync_events", stream: true}}
      responses: {{"200": {{description: events}}}}
  /agen:
    get:
      x-integration: {{type: python, handler: "gens.py:async_events", stream: true}}
      responses: {{"200": {{description: events}}}}
  /forever:
    get:
      x-integration: {{type: python, handler: "gens.py:forever", stream: {{maxDuration: 0.5}}}}
      responses: {{"200": {{description: dots until the stream limit}}}}
  /undeclared:
    get:
      x-integration: {{type: python, handler: "gens.py:undeclared", stream: true}}
      responses: {{"200": {{description: the prelude says 201}}}}
"""
GENERATORS = """
import asyncio
import time
from pathlib import Path

FOLDER = Path(__file__).parent


def _arrived(name, wait):
    deadline = time.monotonic() + wait
    while not (FOLDER / name).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def sync_events(event, context):
    tag = event["queryStringParameters"]["tag"]
    wait = float(event["queryStringParameters"].get("wait", "10"))
    yield {"statusCode": 200, "headers": {"content-type": "text/event-stream"}}
    try:
        for number in range(3):
            if number and not _arrived(f"{tag}-got-{number - 1}", wait):
                (FOLDER / f"{tag}-waited-out").write_text("")
            yield f"data: {number}\\n\\n"
        (FOLDER / f"{tag}-finished").write_text("")
    except GeneratorExit as exc:
        (FOLDER / f"{tag}-closed").write_text(type(exc).__name__)
        raise


def forever(event, context):
    for _ in range(5000):
        yield "."
        time.sleep(0.02)


def undeclared(event, context):
    yield {"statusCode": 201, "headers": {"content-type": "text/plain"}}
    yield "made"


async def async_events(event, context):
    tag = event["queryStringParameters"]["tag"]
    yield {"statusCode": 200, "headers": {"content-type": "text/event-stream"}}
    try:
        for number in range(3):
            if number:
                for _ in range(1000):
                    if (FOLDER / f"{tag}-got-{number - 1}").exists():
                        break
                    await asyncio.sleep(0.01)
                else:
                    (FOLDER / f"{tag}-waited-out").write_text("")
            yield f"data: {number}\\n\\n".encode()
        (FOLDER / f"{tag}-finished").write_text("")
    except (GeneratorExit, asyncio.CancelledError) as exc:  # at a yield, or at a pending await
        (FOLDER / f"{tag}-closed").write_text(type(exc).__name__)
        raise
"""


@pytest.fixture()
def observed() -> Observed:
    return Observed()


@pytest.fixture()
def gateway(tmp_path: Path, observed: Observed) -> Iterator[tuple[str, Path, list[int]]]:
    with running_app(make_app(observed)) as backend:
        (tmp_path / "api.yaml").write_text(SPEC.format(backend=backend))
        (tmp_path / "gens.py").write_text(GENERATORS)
        log = tmp_path / "serve.log"
        pids: list[int] = []
        with serve_process(
            str(tmp_path / "api.yaml"), "--no-reload", "--log-format", "json", "--record",
            str(tmp_path / "record.jsonl"), "--record-max-body", "64",
            env={"APIGW_TEST_LOG": str(log)}, pids=pids,
        ) as base:  # fmt: skip
            yield base, tmp_path, pids
        for waiting in observed.received:
            waiting.set()  # a backend stream still waiting for a word lets its thread go


def read_events(response: httpx.Response, on_event: Callable[[int, bytes], None]) -> list[bytes]:
    """The SSE events of `response` as they arrive, `on_event(index, event)` called for each."""
    events: list[bytes] = []
    pending = b""
    for chunk in response.iter_raw():
        pending += chunk
        while b"\n\n" in pending:
            event, pending = pending.split(b"\n\n", 1)
            on_event(len(events), event)
            events.append(event)
    return events


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen in time"
        time.sleep(0.02)


def log_lines(folder: Path) -> list[dict[str, object]]:
    lines = (folder / "serve.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def test_backend_events_reach_the_client_one_by_one(gateway: tuple[str, Path, list[int]], observed: Observed) -> None:
    base, folder, _ = gateway
    arrived: list[float] = []

    def got(index: int, event: bytes) -> None:
        arrived.append(time.time())
        observed.received[index].set()  # the backend produces the next event only now

    with httpx.stream("GET", f"{base}/sse", params={"count": 4}, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-length" not in response.headers  # chunked: the backend said no length
        events = read_events(response, got)
    assert events == [f"id: {n}\ndata: event {n}".encode() for n in range(4)]
    assert observed.waited_out == 0  # every event arrived before the backend made the next one
    assert all(arrived[n] <= observed.produced[n + 1] for n in range(3))  # the timestamps say the same
    wait_until(lambda: any(line.get("path") == "/sse" for line in log_lines(folder)), "the access log line")
    line = next(line for line in log_lines(folder) if line.get("path") == "/sse")
    assert isinstance(line["firstByteLatency"], float) and isinstance(line["latency"], float)
    assert line["firstByteLatency"] <= line["latency"] and line["responseLength"] == sum(len(e) + 2 for e in events)
    metrics = httpx.get(f"{base}/_apigw/metrics", timeout=10).text
    assert 'apigw_first_byte_latency_count{api="streams",method="GET",resource="/sse",stage="$default"} 1.0' in metrics


def rss_peak_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def download(base: str, size: int, **params: str) -> tuple[int, httpx.Headers]:
    received = 0
    with httpx.stream("GET", f"{base}/download", params={"bytes": size, **params}, timeout=60) as response:
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += len(chunk)
        return received, response.headers


def test_a_50_mb_download_keeps_the_gateway_memory_flat(gateway: tuple[str, Path, list[int]]) -> None:
    base, folder, pids = gateway
    assert download(base, 4 * 1024 * 1024)[0] == 4 * 1024 * 1024  # warm: the buffers a stream uses exist
    before = rss_peak_kb(pids[0])
    size = 50 * 1024 * 1024
    received, headers = download(base, size)
    assert received == size and "content-length" not in headers
    grown_mb = (rss_peak_kb(pids[0]) - before) / 1024
    assert grown_mb < 16, f"the gateway's peak RSS grew {grown_mb:.1f} MB for a 50 MB stream"
    received, headers = download(base, 1_000_000, length="1")
    assert received == 1_000_000 and headers["content-length"] == "1000000"  # a declared length is kept
    record = [json.loads(line) for line in (folder / "record.jsonl").read_text().splitlines()]
    streamed = next(line for line in record if line["request"]["query"] == f"bytes={size}")
    assert streamed["response"]["streamed"] is True and streamed["response"]["size"] == size
    assert streamed["response"]["truncated"] is True and streamed["response"]["body"] == "z" * 64
    replay = [sys.executable, "-m", "apigw_cli", "replay", str(folder / "record.jsonl"), "--target", base]
    # the server records the replayed requests to the same file: the replay takes the lines it had
    same = subprocess.run(replay, capture_output=True, text=True, timeout=120)
    assert same.returncode == 0, same.stdout + same.stderr  # the kept first bytes compared: unchanged
    edited = (folder / "record.jsonl").read_text().replace('"body":"' + "z" * 64, '"body":"y' + "z" * 63)
    (folder / "changed.jsonl").write_text(edited)
    replay[4] = str(folder / "changed.jsonl")
    changed = subprocess.run(replay, capture_output=True, text=True, timeout=120)
    assert changed.returncode == 1 and "body (first 64 bytes)" in changed.stdout


@pytest.mark.parametrize("route", ["/gen", "/agen"])
def test_generator_handlers_stream_as_they_yield(gateway: tuple[str, Path, list[int]], route: str) -> None:
    base, folder, _ = gateway
    tag = route.strip("/")

    def got(index: int, event: bytes) -> None:
        (folder / f"{tag}-got-{index}").write_text("")

    with httpx.stream("GET", f"{base}{route}", params={"tag": tag}, timeout=30) as response:
        assert response.status_code == 200 and response.headers["content-type"] == "text/event-stream"
        events = read_events(response, got)
    assert events == [b"data: 0", b"data: 1", b"data: 2"]
    assert (folder / f"{tag}-finished").exists() and not (folder / f"{tag}-waited-out").exists()


@pytest.mark.parametrize("route", ["/gen", "/agen"])
def test_a_client_that_goes_away_closes_the_generator(gateway: tuple[str, Path, list[int]], route: str) -> None:
    base, folder, _ = gateway
    tag = f"{route.strip('/')}-gone"
    with httpx.stream("GET", f"{base}{route}", params={"tag": tag, "wait": "1"}, timeout=30) as response:
        first = next(response.iter_raw())
        assert first.startswith(b"data: 0")
    # the client is gone while the generator waits for a word that never comes: a sync generator meets
    # GeneratorExit at its next yield (its wait runs out first), an async one is cancelled at its await
    wait_until(lambda: (folder / f"{tag}-closed").exists(), "the handler's generator being closed")
    assert (folder / f"{tag}-closed").read_text() == ("GeneratorExit" if route == "/gen" else "CancelledError")
    assert not (folder / f"{tag}-finished").exists()
    wait_until(lambda: any("client disconnected" in str(line.get("error")) for line in log_lines(folder)), "the log")


def test_a_client_that_goes_away_closes_the_backend_connection(
    gateway: tuple[str, Path, list[int]], observed: Observed
) -> None:
    base, _, _ = gateway
    with httpx.stream("GET", f"{base}/sse", params={"count": 5}, timeout=30) as response:
        assert next(response.iter_raw()).startswith(b"id: 0")
    wait_until(observed.client_gone.is_set, "the backend seeing its client go")
    assert not observed.finished.is_set()


def test_an_idle_backend_ends_the_stream_at_the_idle_timeout(
    gateway: tuple[str, Path, list[int]], observed: Observed
) -> None:
    base, folder, _ = gateway
    received = b""
    with httpx.stream("GET", f"{base}/quiet", timeout=30) as response:
        with pytest.raises(httpx.RemoteProtocolError):  # cut: no end of the chunked body
            for chunk in response.iter_raw():
                received += chunk
    assert received == b"first\n"
    wait_until(observed.client_gone.is_set, "the backend connection closing")
    wait_until(lambda: any("idle for 0.5 s" in str(line.get("error")) for line in log_lines(folder)), "the log")


def test_the_non_streaming_path_is_unchanged(gateway: tuple[str, Path, list[int]]) -> None:
    base, _, _ = gateway
    answer = httpx.get(f"{base}/plain", timeout=10)
    assert answer.status_code == 200 and answer.content == b"whole body"
    assert answer.headers["content-length"] == "10" and "transfer-encoding" not in answer.headers


AWS_SPEC = """openapi: 3.0.1
info: {{title: aws streams, version: "1"}}
paths:
  /download:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "{backend}/download"
        timeoutInMillis: 300000
        responseTransferMode: {mode}
      responses: {{"200": {{description: bytes}}}}
"""


def test_response_transfer_mode_stream_on_an_aws_http_proxy(tmp_path: Path, observed: Observed) -> None:
    with running_app(make_app(observed)) as backend:
        spec = tmp_path / "aws.yaml"
        spec.write_text(AWS_SPEC.format(backend=backend, mode="STREAM"))
        with serve_process(str(spec), "--no-reload") as base:
            received, headers = download(base, 3 * 1024 * 1024)
            assert received == 3 * 1024 * 1024 and "content-length" not in headers


def test_response_transfer_mode_stream_needs_a_proxy_integration(tmp_path: Path) -> None:
    spec = tmp_path / "aws.yaml"
    spec.write_text(
        AWS_SPEC.format(backend="http://127.0.0.1:9", mode="STREAM").replace("type: http_proxy", "type: http")
    )
    result = subprocess.run(
        [sys.executable, "-m", "apigw_cli", "serve", str(spec), "--no-reload"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "responseTransferMode STREAM needs an HTTP_PROXY or AWS_PROXY integration, not http" in result.stderr


def test_a_stream_is_cut_at_its_max_duration(gateway: tuple[str, Path, list[int]]) -> None:
    base, folder, _ = gateway
    received = b""
    with httpx.stream("GET", f"{base}/forever", timeout=30) as response:
        assert response.headers["content-type"] == "application/octet-stream"  # no prelude: the default
        with pytest.raises(httpx.RemoteProtocolError):
            for chunk in response.iter_raw():
                received += chunk
    assert received and set(received) == {ord(".")} and len(received) < 5000
    wait_until(lambda: any("0.5 s stream limit" in str(line.get("error")) for line in log_lines(folder)), "the log")


def test_the_prelude_is_checked_against_the_spec(gateway: tuple[str, Path, list[int]]) -> None:
    base, _, _ = gateway
    answer = httpx.get(f"{base}/undeclared", timeout=10)
    assert answer.status_code == 201 and answer.text == "made"
    assert answer.headers["x-apigw-response-mismatch"].startswith("status 201 is not declared")


def open_fds(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def test_clients_that_go_away_leave_no_connection_behind(
    gateway: tuple[str, Path, list[int]], observed: Observed
) -> None:
    base, _, pids = gateway
    with httpx.stream("GET", f"{base}/quiet", timeout=30) as response:
        assert next(response.iter_raw()) == b"first\n"  # warm: the pool to the backend exists
    baseline = open_fds(pids[0])
    for _ in range(10):
        observed.client_gone.clear()
        with httpx.stream("GET", f"{base}/quiet", timeout=30) as response:
            assert next(response.iter_raw()) == b"first\n"
        wait_until(observed.client_gone.is_set, "the backend seeing its client go")
    wait_until(lambda: open_fds(pids[0]) <= baseline + 1, f"the gateway's descriptors back to {baseline}")


def test_the_bundled_streaming_spec_validates_before_it_streams() -> None:
    spec = str(Path(__file__).resolve().parents[2] / "specs" / "streaming.yaml")
    with serve_process(spec, "--no-reload") as base:
        assert httpx.get(f"{base}/ticks", params={"count": 0}, timeout=10).status_code == 400
        assert httpx.post(f"{base}/tokens", json={}, timeout=10).status_code == 400
        tokens = httpx.post(f"{base}/tokens", json={"prompt": "streamed word by word"}, timeout=30)
        assert tokens.headers["content-type"] == "application/x-ndjson"
        assert [json.loads(line)["token"] for line in tokens.text.splitlines()] == ["streamed", "word", "by", "word"]
        with httpx.stream("GET", f"{base}/ticks", params={"count": 2}, timeout=30) as response:
            events = read_events(response, lambda index, event: None)
        assert [event.split(b"\n")[:2] for event in events] == [[b"id: 1", b"event: tick"], [b"id: 2", b"event: tick"]]
