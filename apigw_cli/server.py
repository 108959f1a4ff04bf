"""Runs the gateway under uvicorn (httptools parser, forwarded headers not trusted): one process
with an in-process reloader, or several workers (each reloading itself), or one process that
uvicorn restarts on change (`--reload-mode process`). What a server prints comes in as
`ServerOutput`: this module prints nothing itself."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.reload import Reloader, ReloadReporter, ReloadResult
from apigw_cli.gateway.state import GatewayState
from apigw_cli.gateway.websocket.api import MAX_MESSAGE_BYTES

if TYPE_CHECKING:
    from collections.abc import Callable

    from apigw_cli.config import Settings
    from apigw_cli.gateway.snapshot import Gateway
    from apigw_cli.gateway.stages.access_log import AccessLogSink

SETTINGS_VARIABLE = "APIGW_SERVE_SETTINGS"  # how worker processes get the serve settings
WORKER_FACTORY = "apigw_cli.workers:create_app"  # what uvicorn imports in each worker process
WATCHED_PATTERNS = ["*.yaml", "*.yml", "*.json", "*.py"]


@dataclass(frozen=True)
class ServerOutput:
    """Where a server process writes: its access log, its reload reports, and the set-up of the
    `apigw` logger (handler tracebacks, response mismatches)."""

    access_log: AccessLogSink | None
    reloads: ReloadReporter
    setup_logging: Callable[[], None]


def process_state(settings: Settings) -> GatewayState:
    """The store of this server process (Redis when --redis is given, else memory), its recorder
    and its metrics."""
    from apigw_cli.gateway.metrics import GatewayMetrics

    metrics = GatewayMetrics()
    recorder = None
    if settings.record is not None:
        from apigw_cli.record.writer import RecordWriter

        recorder = RecordWriter(settings.record)
    store = None
    connections = None
    if settings.redis:
        from apigw_cli.gateway.stores.redis import RedisStore

        unavailable = metrics.store_unavailable

        def count(operation: str) -> None:
            unavailable.labels(operation).inc()

        store = RedisStore(settings.redis, settings.redis_failure, on_unavailable=count)
        from apigw_cli.gateway.stores.redis_connections import RedisDirectory

        connections = RedisDirectory(settings.redis)  # a post reaching any worker finds the connection
    from apigw_cli.gateway.stores.mock_state import open_mock_state

    mock_state = open_mock_state(settings.mock_state)  # workers share a file (run() names one if need be)
    console = None
    if settings.console:
        from apigw_cli.webconsole.feed import ConsoleFeed

        console = ConsoleFeed(settings.console_history)
    return GatewayState(
        store, recorder=recorder, metrics=metrics, connections=connections, mock_state=mock_state, console=console
    )


def serving_app(settings: Settings, output: ServerOutput) -> tuple[GatewayApp, Reloader | None]:
    """The app a server process runs: its snapshot, its state, and its own reloader."""
    from apigw_cli.loading import build_gateway

    output.setup_logging()
    state = process_state(settings)  # one per process: every reloaded snapshot uses the same buckets
    gateway = build_gateway(settings, output.access_log, state)
    reloader = None
    if settings.reload and not settings.process_reload:
        reloader = Reloader(
            lambda: build_gateway(settings, output.access_log, state),
            output.reloads if state.console is None else _BothReporters(output.reloads, state.console),
            extra_files=[
                path for path in (settings.lambda_map, settings.api_keys, settings.iam_credentials) if path is not None
            ],
        )

    async def shutdown() -> None:
        if reloader is not None:
            await reloader.stop()
        await state.aclose()

    on_startup = reloader.start if reloader is not None else None
    app = GatewayApp(
        gateway,
        settings.max_body_bytes,
        on_startup=on_startup,
        on_shutdown=shutdown,
        connection_limits=connection_limits(settings),
        on_drain=state.console.close if state.console is not None else None,
    )
    return app, reloader


class _BothReporters:
    """Each reload told to the terminal and to the console page."""

    def __init__(self, first: ReloadReporter, second: ReloadReporter):
        self._both = (first, second)

    def reloaded(self, result: ReloadResult) -> None:
        for reporter in self._both:
            reporter.reloaded(result)

    def failed(self, result: ReloadResult) -> None:
        for reporter in self._both:
            reporter.failed(result)


def connection_limits(settings: Settings) -> Any:
    """The connection's limits and deadlines (gateway/connection.py) from the settings."""
    from apigw_cli.gateway.connection import ConnectionLimits

    return ConnectionLimits(
        settings.max_request_line,
        settings.max_header_bytes,
        settings.max_headers,
        settings.head_timeout,
        settings.body_timeout,
    )


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    from apigw_cli.gateway.connection import GatewayProtocol
    from apigw_cli.gateway.websocket.frames import GatewayWebSocketProtocol

    return {
        "host": settings.host,
        "port": settings.port,
        # httptools (it refuses a CL+TE smuggled request that h11 lets through), with head limits and deadlines
        "http": GatewayProtocol,
        "ws": GatewayWebSocketProtocol,  # websockets-sansio with the 32 KiB frame quota
        "ws_max_size": MAX_MESSAGE_BYTES,  # the managed gateway's 128 KiB message quota: larger closes with 1009
        "timeout_keep_alive": settings.keep_alive_timeout,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
        # a local gateway has no proxy in front: X-Forwarded-For from loopback must not be trusted
        "proxy_headers": False,
        "lifespan": "on",
        "access_log": False,
        "log_level": "warning",
        "server_header": False,
    }


def run(
    settings: Settings,
    output: ServerOutput,
    on_started: Callable[[Gateway, Reloader | None], None] | None = None,
) -> None:
    """Serve until stopped. With workers or process reload, uvicorn starts processes that import
    WORKER_FACTORY, which builds its own output (it cannot be handed across processes)."""
    import uvicorn

    limit_malloc_arenas()

    if settings.workers > 1 or settings.process_reload:
        if settings.mock_state is None:
            import tempfile

            # stateful mocks' resources outlive a process restart and are shared by workers in a file
            state_folder = Path(tempfile.mkdtemp(prefix="apigw-mock-state-"))
            settings = replace(settings, mock_state=state_folder / "resources.sqlite")
        os.environ[SETTINGS_VARIABLE] = settings.to_json()
        if settings.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            import tempfile

            # the workers' metrics are summed from files in one folder (prometheus-client multiprocess)
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="apigw-metrics-")
        folder = str(settings.spec.resolve().parent)
        uvicorn.run(
            WORKER_FACTORY,
            factory=True,
            workers=settings.workers,
            reload=settings.process_reload,
            reload_dirs=[folder] if settings.process_reload else None,
            reload_includes=WATCHED_PATTERNS if settings.process_reload else None,
            **_uvicorn_options(settings),
        )
        return
    app, reloader = serving_app(settings, output)
    server = uvicorn.Server(uvicorn.Config(app, **_uvicorn_options(settings)))
    if on_started is not None:
        original = server.startup

        async def startup(sockets: object = None) -> None:
            await original(sockets)  # type: ignore[arg-type]
            if server.started:
                on_started(app.gateway, reloader)

        server.startup = startup  # type: ignore[method-assign]
    # uvicorn raises a signal it shut down on again once it is done: SIGTERM then ends the process
    # as killed (143). A graceful shutdown on SIGTERM exits 0 instead; Ctrl+C stays 130.
    previous = signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)


def limit_malloc_arenas(count: int = 2) -> None:
    """glibc gives each thread that allocates an arena of its own; with the handler pool's threads
    a busy server's RSS kept growing (bench/fuzz_bench.py, a 60 s read-only soak: +11.5% over its
    last 45 s with glibc's default, +0.7% with two arenas). Two arenas, before any thread starts,
    here and (through the environment) in worker processes; a MALLOC_ARENA_MAX already set wins."""
    if "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return
    os.environ["MALLOC_ARENA_MAX"] = str(count)
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, count)  # M_ARENA_MAX, for this process already running
    except (OSError, AttributeError):
        pass  # not glibc (musl has no arenas to limit)


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)
