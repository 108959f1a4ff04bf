"""Everything apigw prints: errors, the access log, `invoke` results, the route table.

The access log is written with plain ANSI codes rather than rich, because it runs once per
request; everything else uses rich, imported when first needed.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from apigw_cli.gateway.clock import SecondText, clf_time

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from rich.console import Console

    from apigw_cli.config import Settings
    from apigw_cli.coverage import Coverage
    from apigw_cli.gateway.reload import ReloadResult
    from apigw_cli.gateway.snapshot import Gateway
    from apigw_cli.gateway.stages.access_log import AccessLogEntry, AccessLogSink
    from apigw_cli.invoke import InvokeResult
    from apigw_cli.record.tally import ReplayResults


def _color_enabled(stream: TextIO) -> bool:
    return "NO_COLOR" not in os.environ and stream.isatty()


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, no_color="NO_COLOR" in os.environ, highlight=False)


def stdout_console() -> Console:
    from rich.console import Console

    # piped or redirected output is not cut to 80 columns: tables stay whole for grep and diff
    width = None if sys.stdout.isatty() else 240
    return Console(no_color="NO_COLOR" in os.environ, highlight=False, soft_wrap=True, width=width)


def print_error(message: str) -> None:
    stream = sys.stderr
    prefix = "\x1b[1;31merror:\x1b[0m" if _color_enabled(stream) else "error:"
    stream.write(f"{prefix} {message}\n")
    stream.flush()


class _RichOnFirstRecord(logging.Handler):
    """rich's log handler, made when the first record comes: importing rich costs ~30 ms of a
    command's start, and most runs of `invoke` log nothing."""

    def __init__(self) -> None:
        super().__init__()
        self._rich: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._rich is None:
            from rich.logging import RichHandler

            self._rich = RichHandler(console=stderr_console(), show_path=False, rich_tracebacks=False)
        self._rich.handle(record)


def setup_logging(level: int = logging.INFO) -> None:
    """Route apigw's log records (handler tracebacks, response mismatches) to stderr through rich."""
    logger = logging.getLogger("apigw")
    logger.handlers[:] = [_RichOnFirstRecord()]
    logger.setLevel(level)


_STATUS_COLORS = {2: "32", 3: "36", 4: "33", 5: "31"}
# access-log lines written within this many seconds of each other go out in one write
ACCESS_LOG_BATCH_SECONDS = 0.02


class BatchedLines:
    """Lines for a stream, written together: inside an event loop, a line waits up to
    ACCESS_LOG_BATCH_SECONDS for the others of its batch (one write and flush instead of one per
    request); outside one, and at exit, it is written at once."""

    def __init__(self, out: TextIO):
        from asyncio import get_running_loop

        self._running_loop = get_running_loop
        self._out = out
        self._pending: list[str] = []
        self._scheduled = False
        atexit.register(self.flush)

    def write(self, line: str) -> None:
        self._pending.append(line)
        if self._scheduled:
            return
        try:
            loop = self._running_loop()
        except RuntimeError:
            self.flush()
            return
        self._scheduled = True
        loop.call_later(ACCESS_LOG_BATCH_SECONDS, self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        try:
            self._out.write("".join(lines))
            self._out.flush()
        except (OSError, ValueError):  # a closed or broken stream (the reader went away): the lines go
            pass


def access_log_sink(stream: TextIO | None = None, log_format: str = "text") -> AccessLogSink:
    """A sink writing one line per request: coloured text on a terminal, or JSON lines."""
    out = stream or sys.stderr
    color = _color_enabled(out)
    batch = BatchedLines(out)
    clock_text = SecondText("%H:%M:%S", utc=False)

    def write_text(entry: AccessLogEntry) -> None:
        stamp = clock_text(entry.request_time)
        status = str(entry.status)
        if color:
            status = f"\x1b[{_STATUS_COLORS.get(entry.status // 100, '0')}m{status}\x1b[0m"
        route = f" -> {entry.resource_path} [{entry.integration}]" if entry.resource_path else ""
        line = f"{stamp} {entry.http_method:<6} {entry.path} {status} {entry.latency_ms:.1f}ms{route}"
        if entry.first_byte_ms is not None:
            line += f"  (streamed {entry.response_length} bytes, first byte {entry.first_byte_ms:.1f}ms)"
        if entry.error:
            line += f"  ({entry.error})"
        for note in entry.notes:
            if note != entry.error:
                line += f"  [{note}]"
        batch.write(line + "\n")

    def write_json(entry: AccessLogEntry) -> None:
        batch.write(json.dumps(entry_fields(entry), separators=(",", ":")) + "\n")

    return write_json if log_format == "json" else write_text


def entry_fields(entry: AccessLogEntry) -> dict[str, Any]:
    """The managed gateway's `$context` names for an access-log entry."""
    return {
        "requestId": entry.request_id,
        "ip": entry.ip,
        "requestTime": clf_time(entry.request_time),
        "requestTimeEpoch": int(entry.request_time * 1000),
        "httpMethod": entry.http_method,
        "path": entry.path,
        "resourcePath": entry.resource_path,
        "status": entry.status,
        "protocol": entry.protocol,
        "responseLength": entry.response_length,
        "latency": round(entry.latency_ms, 3),
        "integrationLatency": round(entry.integration_latency_ms, 3) if entry.integration_latency_ms else None,
        "integration": entry.integration,
        "error": entry.error,
        **({"firstByteLatency": round(entry.first_byte_ms, 3)} if entry.first_byte_ms is not None else {}),
    }


class ConsoleReloadReporter:
    """Prints each reload: the routes it changed and how long it took, or why it was refused."""

    def __init__(self, stream: TextIO | None = None):
        self._out = stream or sys.stderr
        self._color = _color_enabled(self._out)

    def _paint(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self._color else text

    def reloaded(self, result: ReloadResult) -> None:
        marks = {"added": ("32", "+"), "removed": ("31", "-"), "changed": ("33", "~")}
        lines = [f"{self._paint('1;32', 'reloaded')} in {result.seconds * 1000:.0f} ms"]
        if not result.changes:
            lines[0] += " (no route changed)"
        for change in result.changes:
            code, mark = marks[change.kind]
            detail = f"  ({change.detail})" if change.detail else ""
            lines.append(f"  {self._paint(code, mark)} {change.route}{detail}")
        self._out.write("\n".join(lines) + "\n")
        self._out.flush()

    def failed(self, result: ReloadResult) -> None:
        self._out.write(
            f"{self._paint('1;31', 'reload failed:')} {result.error}\n"
            f"{self._paint('33', 'still serving the previous version')}; fix the file and save to reload\n"
        )
        self._out.flush()


def print_serving(gateway: Gateway, settings: Settings, watched: int | None = None) -> None:
    console = stderr_console()
    title = gateway.title or gateway.spec_path.name
    stage = f", stage {gateway.deployment}" if gateway.deployment else ""
    console.print(
        f"[bold]apigw[/] serving [cyan]{title}[/] {gateway.api_version} "
        f"({len(gateway.operations)} operations, OpenAPI {gateway.openapi_version}{stage})"
    )
    for notice in gateway.notices:
        console.print(f"[yellow]note:[/] {notice}")
    if watched is not None:
        console.print(f"reloading on change of {watched} files (spec, refs, handlers); --no-reload turns it off")
    elif settings.reload and settings.reload_mode == "process":
        console.print(f"restarting the server process on change below {settings.spec.resolve().parent}")
    if settings.record is not None:
        console.print(f"recording each exchange to {settings.record}")
        if settings.record_secrets:
            console.print("[yellow]warning:[/] --record-secrets: the record keeps Authorization, cookies and API keys")
    if settings.workers > 1:
        console.print(
            f"{settings.workers} worker processes, each reloading itself"
            if settings.reload
            else f"{settings.workers} worker processes"
        )
    if not is_loopback(settings.host) and not settings.admin_token:
        console.print(
            f"[yellow]warning:[/] the gateway's own endpoints ({settings.admin_prefix}/health, "
            f"{settings.admin_prefix}/metrics) are reachable on {settings.host}: --admin-token (or "
            "APIGW_ADMIN_TOKEN) protects them"
        )
    console.print(f"listening on [bold]http://{settings.host}:{settings.port}[/]  (Ctrl+C to stop)")
    if settings.console:
        shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        token = "?token=ADMIN_TOKEN" if settings.admin_token else ""
        workers = "  (each worker keeps its own traffic)" if settings.workers > 1 else ""
        console.print(f"console: http://{shown}:{settings.port}{settings.admin_prefix.rstrip('/')}/{token}{workers}")


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


ROUTE_COLUMNS = ("method", "path", "integration", "target", "mapping", "auth", "throttle", "cache", "operationId")


def route_rows(gateway: Gateway) -> list[dict[str, Any]]:
    from apigw_cli.gateway.route_table import route_table

    return route_table(gateway.routes, gateway.websocket)


def print_routes(gateway: Gateway, as_json: bool) -> None:
    rows = route_rows(gateway)
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    from rich.markup import escape
    from rich.table import Table

    stage = f" (stage {gateway.deployment})" if gateway.deployment else ""
    table = Table(
        title=f"{gateway.title or gateway.spec_path.name} {gateway.api_version}{stage}".strip(), title_justify="left"
    )
    for column in ROUTE_COLUMNS:
        table.add_column(column)
    for row in rows:
        cells = [escape(str(row[column] or "")) for column in ROUTE_COLUMNS]
        if not row["runsLocally"]:
            cells[ROUTE_COLUMNS.index("integration")] = f"[red]{cells[ROUTE_COLUMNS.index('integration')]}[/]"
        table.add_row(*cells)
    console = stdout_console()
    console.print(table)
    for notice in gateway.notices:
        console.print(f"note: {notice}")


def print_coverage(report: Coverage, output_format: str) -> None:
    if output_format == "json":
        sys.stdout.write(json.dumps(report.as_json(), indent=2) + "\n")
        return
    from rich.markup import escape
    from rich.table import Table

    console = stdout_console()
    colours = {"runs": "green", "approximated": "yellow", "unavailable": "red", "ignored": "dim"}
    table = Table(title="operations", title_justify="left")
    for column in ("method", "path", "status", "why"):
        table.add_column(column)
    for o in report.operations:
        status = o.status + (f" ({o.answer})" if o.answer else "")
        table.add_row(o.method, escape(o.path), f"[{colours[o.status]}]{status}[/]", escape("; ".join(o.why)))
    console.print(table)
    if report.extensions:
        extensions = Table(title="x-amazon-apigateway-* extensions", title_justify="left")
        for column in ("extension", "uses", "status", "what apigw does"):
            extensions.add_column(column)
        for name, uses, status, what in report.extensions:
            extensions.add_row(name, str(uses), f"[{colours.get(status, 'dim')}]{status}[/]", escape(what))
        console.print(extensions)
    console.print(report.summary)


def print_invoke(result: InvokeResult, as_json: bool) -> None:
    if as_json:
        body: Any = result.text()
        content_type = next((v for k, v in result.headers if k.lower() == "content-type"), "")
        if "json" in content_type:
            try:
                body = json.loads(result.body)
            except ValueError:
                pass
        payload = {
            "status": result.status,
            "headers": dict(result.headers),
            "body": body,
            "elapsedMs": round(result.elapsed_ms, 3),
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    out = sys.stdout
    color = _color_enabled(out)
    status_line = f"HTTP {result.status} {result.reason}"
    if color:
        status_line = f"\x1b[1;{_STATUS_COLORS.get(result.status // 100, '0')}m{status_line}\x1b[0m"
    out.write(status_line + "\n")
    for name, value in result.headers:
        out.write(f"{name}: {value}\n")
    out.write("\n")
    text = result.text()
    content_type = next((v for k, v in result.headers if k.lower() == "content-type"), "")
    if "json" in content_type:
        try:
            text = json.dumps(json.loads(result.body), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    if text:
        out.write(text + ("\n" if not text.endswith("\n") else ""))


_REPLAY_SHOWN = 20  # differing exchanges printed; the rest are counted (and listed in --report)


def print_replay(results: ReplayResults) -> None:
    """The differing exchanges (the first few), the summary table, and one line with the counts."""
    from rich.table import Table

    from apigw_cli.record.reports import SUMMARY_COLUMNS, describe, summary_rows, tally_text

    out = sys.stdout
    details = results.sorted_details()
    for outcome in details[:_REPLAY_SHOWN]:
        out.write("\n".join(describe(outcome)) + "\n")
    more = len(details) - _REPLAY_SHOWN + results.details_dropped
    if more > 0:
        out.write(f"... and {more} more differing exchanges (--report json -o FILE lists them)\n")
    table = Table(*SUMMARY_COLUMNS, title="apigw replay", title_justify="left")
    for column in table.columns[1:]:
        column.justify = "right"
    rows = summary_rows(results)
    for row in rows[:-1]:
        table.add_row(*row)
    table.add_row(*rows[-1], style="bold", end_section=True)
    stdout_console().print(table)
    rate = results.total.sent / results.seconds if results.seconds > 0 else 0.0
    out.write(f"{tally_text(results.total)} in {results.seconds:.2f} s ({rate:,.0f}/s)\n")


@contextmanager
def replay_progress(total: int | None) -> Iterator[Callable[[], None] | None]:
    """A progress bar on stderr while replaying; none when stderr is not a terminal or under CI."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=stderr_console()
    ) as progress:
        task = progress.add_task("replay", total=total)
        yield lambda: progress.advance(task)
