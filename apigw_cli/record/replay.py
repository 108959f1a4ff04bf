"""Replays recorded exchanges (in-process or against a running server), paced and in parallel as
asked, and compares each answer with the recorded one. Records are streamed: memory stays flat
however long the recording. `run_replay` is `apigw replay` as a library call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apigw_cli.record.diff import Difference, compare_bodies, header_ignored
from apigw_cli.record.format import HOP_BY_HOP_HEADERS, REDACTED, decode_body
from apigw_cli.record.pacing import Pacer
from apigw_cli.record.reader import read_websocket_records
from apigw_cli.record.schema_check import SchemaCheck
from apigw_cli.record.selection import parse_filters
from apigw_cli.record.senders import HttpSender, InProcessSender, Sender
from apigw_cli.record.sources import InputFormat, count_exchanges, detect_format, read_exchanges
from apigw_cli.record.tally import Outcome, ReplayResults
from apigw_cli.record.ws_replay import InProcessOpener, Opener, SocketOpener, recorded_connections, replay_connections

if TYPE_CHECKING:
    from pathlib import Path

    from apigw_cli.config import Settings
    from apigw_cli.gateway.inprocess import Answer

# given how many exchanges there are (None: unknown), a progress display and its advance callback
Progress = Callable[[int | None], AbstractContextManager[Callable[[], None] | None]]

DEFAULT_COMPARED_HEADERS = ("content-type",)  # compared when the recording carries them


@dataclass(frozen=True)
class ReplayOptions:
    ignore: tuple[str, ...] = ()  # body pointer globs (/id, /**/created_at) and header names
    headers: tuple[str, ...] = ()  # --header names, lower case: compared even when the recording lacks them
    limit: int | None = None
    rate: float | None = None
    speed: float = 0.0
    concurrency: int = 1
    timeout: float = 60.0
    keep_host: bool = True  # in-process: send the recorded Host; to a --target: let the client set it


@dataclass(frozen=True)
class ReplayJob:
    """Everything `apigw replay` is asked: what to read, where to send it, how to compare."""

    log: Path
    settings: Settings | None  # the spec to replay against in-process (or to --check-schema with)
    target: str | None = None  # a running server's base URL instead of in-process
    input_format: InputFormat | None = None  # None: found from the file
    filters: tuple[str, ...] = ()
    check_schema: bool = False
    options: ReplayOptions = ReplayOptions()


def run_replay(job: ReplayJob, progress: Progress | None = None) -> ReplayResults:
    """Reads the recording, replays it and compares; ApigwError for unusable input."""
    from apigw_cli.gateway.asgi import GatewayApp
    from apigw_cli.loading import build_gateway

    chosen = job.input_format or detect_format(job.log)
    records = parse_filters(job.filters).select(read_exchanges(job.log, chosen))
    total = count_exchanges(job.log, chosen) if not job.filters else None
    if total is not None and job.options.limit is not None:
        total = min(total, job.options.limit)
    settings = job.settings
    gateway = build_gateway(settings) if settings is not None and (job.target is None or job.check_schema) else None
    schema_check = SchemaCheck(gateway) if job.check_schema and gateway is not None else None
    sender: Sender
    if job.target is not None:
        sender = HttpSender(job.target, job.options.concurrency, job.options.timeout)
    elif gateway is not None and settings is not None:
        sender = InProcessSender(GatewayApp(gateway, settings.max_body_bytes))
    else:
        raise ValueError("an in-process replay needs the settings of the spec to replay against")

    connections = recorded_connections(read_websocket_records(job.log)) if chosen == "record" else []

    async def replay_all() -> ReplayResults:
        if gateway is not None and job.target is None:
            await gateway.startup()
        results = ReplayResults()
        started = time.perf_counter()
        if connections:  # before the exchanges: an in-process sender closes the snapshot when done
            opener: Opener
            if job.target is not None:
                opener = SocketOpener(job.target)
            else:
                assert isinstance(sender, InProcessSender)
                opener = InProcessOpener(sender.app, job.options.timeout)
            await replay_connections(opener, connections, results, job.options.timeout, job.options.ignore)
        with progress(total) if progress is not None else nullcontext() as advance:
            await replay(sender, records, job.options, schema_check, advance, results)
        results.seconds = time.perf_counter() - started
        return results

    results = asyncio.run(replay_all())
    if job.target is not None and gateway is not None:
        asyncio.run(gateway.aclose())
    return results


async def replay(
    sender: Sender,
    records: Iterable[tuple[int, dict[str, Any]]],
    options: ReplayOptions,
    schema_check: SchemaCheck | None = None,
    progress: Callable[[], None] | None = None,
    results: ReplayResults | None = None,
) -> ReplayResults:
    """Replays the exchanges into `results` (new ones when not given)."""
    results = results if results is not None else ReplayResults()
    pacer = Pacer(options.rate, options.speed)
    slots = asyncio.Semaphore(options.concurrency)
    running: set[asyncio.Task[None]] = set()
    started = time.perf_counter()

    async def run(line: int, record: dict[str, Any]) -> None:
        try:
            results.add(await _one(sender, line, record, options, schema_check))
        finally:
            slots.release()
            if progress is not None:
                progress()

    try:
        for index, (line, record) in enumerate(records):
            if options.limit is not None and index >= options.limit:
                break
            await pacer.wait_turn(index, record)
            await slots.acquire()
            if options.concurrency == 1:
                await run(line, record)  # in order, and no task per exchange
                continue
            task = asyncio.create_task(run(line, record))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)
    finally:
        for task in running:
            task.cancel()
        await sender.aclose()
    results.seconds = time.perf_counter() - started
    return results


def route_of(record: dict[str, Any]) -> str:
    request = record["request"]
    route = record.get("route")
    return str(route) if route else f"{request.get('method', 'GET')} {request.get('path', '/')}"


async def _one(
    sender: Sender, line: int, record: dict[str, Any], options: ReplayOptions, schema_check: SchemaCheck | None
) -> Outcome:
    request, recorded = record["request"], record.get("response") or {}
    route = route_of(record)
    recorded_ms = record.get("latencyMs") if isinstance(record.get("latencyMs"), int | float) else None
    headers = []
    for name, value in request.get("headers") or []:
        lowered = str(name).lower()
        if lowered in HOP_BY_HOP_HEADERS or value == REDACTED or (lowered == "host" and not options.keep_host):
            continue
        headers.append((lowered, str(value)))
    method, path = str(request.get("method", "GET")).upper(), str(request.get("path") or "/")
    started = time.perf_counter()
    try:
        answer = await asyncio.wait_for(
            sender.send(method, path, str(request.get("query") or ""), headers, decode_body(request)), options.timeout
        )
    except TimeoutError:
        return Outcome(line, route, recorded_ms=recorded_ms, error=f"no answer within {options.timeout:g} s")
    except Exception as exc:
        return Outcome(line, route, recorded_ms=recorded_ms, error=f"{type(exc).__name__}: {exc}")
    now_ms = (time.perf_counter() - started) * 1000
    problem = schema_check.problem(method, path, answer) if schema_check is not None else None
    return Outcome(line, route, tuple(_differences(recorded, answer, options)), recorded_ms, now_ms, None, problem)


def _differences(recorded: dict[str, Any], answer: Answer, options: ReplayOptions) -> list[Difference]:
    found: list[Difference] = []
    if "status" in recorded and answer.status != recorded["status"]:
        found.append(Difference("status", recorded["status"], answer.status))
    if "headers" in recorded:
        recorded_headers = {str(name).lower(): value for name, value in recorded["headers"]}
        for name in dict.fromkeys((*DEFAULT_COMPARED_HEADERS, *options.headers)):
            if header_ignored(name, options.ignore):
                continue
            before, after = recorded_headers.get(name), answer.header(name)
            if before is None and name not in options.headers:
                continue  # a default header the recording does not carry (a hand-written line, a HAR)
            if before != after and before != REDACTED:
                found.append(Difference(f"header {name}", before, after))
    if "body" in recorded and not recorded.get("truncated"):
        found += compare_bodies(decode_body(recorded), answer.body, options.ignore)
    elif "body" in recorded:  # cut at --record-max-body (a streamed body, a large one): its first bytes
        kept = decode_body(recorded)
        if answer.body[: len(kept)] != kept:
            shown = f"body (first {len(kept)} bytes)"
            found.append(Difference(shown, _prefix_text(kept), _prefix_text(answer.body[: len(kept)])))
    return found


def _prefix_text(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return text if len(text) <= 120 else text[:117] + "..."
