"""Runs the gateway under uvicorn (httptools parser, forwarded headers not trusted): one process
with an in-process reloader, or several workers (each reloading itself), or one process that
uvicorn restarts on change (`--reload-mode process`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from apigw_cli.config import Settings
from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.reload import Reloader
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.stores.base import GatewayState

SETTINGS_VARIABLE = "APIGW_SERVE_SETTINGS"  # how worker processes get the serve settings
WATCHED_PATTERNS = ["*.yaml", "*.yml", "*.json", "*.py"]


def make_app(
    gateway: Gateway, settings: Settings, reloader: Reloader | None = None, state: GatewayState | None = None
) -> GatewayApp:
    async def shutdown() -> None:
        if reloader is not None:
            await reloader.stop()
        if state is not None:
            await state.store.aclose()

    on_startup = reloader.start if reloader is not None else None
    return GatewayApp(gateway, settings.max_body_bytes, on_startup=on_startup, on_shutdown=shutdown)


def process_state(settings: Settings) -> GatewayState:
    """The store of this server process (Redis when --redis is given, else memory), its recorder
    and its metrics."""
    from apigw_cli.gateway.metrics import GatewayMetrics

    metrics = GatewayMetrics()
    recorder = None
    if settings.record is not None:
        from apigw_cli.record.writer import RecordWriter

        recorder = RecordWriter(settings.record)
    if settings.redis:
        from apigw_cli.gateway.stores.redis import FailurePolicy, RedisStore

        failure: FailurePolicy = "closed" if settings.redis_failure == "closed" else "open"
        return GatewayState(RedisStore(settings.redis, failure), recorder=recorder, metrics=metrics)
    return GatewayState(recorder=recorder, metrics=metrics)


def serving_app(settings: Settings) -> tuple[GatewayApp, Reloader | None]:
    """The app a server process runs: its snapshot, access log on stderr, and its own reloader."""
    from apigw_cli import console
    from apigw_cli.loading import build_gateway

    console.setup_logging()
    sink = console.access_log_sink(sys.stderr, settings.log_format)
    state = process_state(settings)  # one per process: every reloaded snapshot uses the same buckets
    gateway = build_gateway(settings, sink, state)
    reloader = None
    if settings.reload and settings.reload_mode == "inprocess":
        reloader = Reloader(
            lambda: build_gateway(settings, sink, state),
            console.ConsoleReloadReporter(),
            extra_files=[path for path in (settings.lambda_map, settings.api_keys) if path is not None],
        )
    return make_app(gateway, settings, reloader, state), reloader


def create_app() -> GatewayApp:
    """uvicorn's factory in worker processes: settings come from the environment."""
    app, _ = serving_app(Settings.from_json(os.environ[SETTINGS_VARIABLE]))
    return app


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        # httptools refuses a CL+TE smuggled request that h11 lets through
        "http": "httptools",
        # a local gateway has no proxy in front: X-Forwarded-For from loopback must not be trusted
        "proxy_headers": False,
        "lifespan": "on",
        "access_log": False,
        "log_level": "warning",
        "server_header": False,
    }


def run(settings: Settings, on_started: Callable[[Gateway, Reloader | None], None] | None = None) -> None:
    import uvicorn

    if settings.workers > 1 or (settings.reload and settings.reload_mode == "process"):
        os.environ[SETTINGS_VARIABLE] = settings.to_json()
        if settings.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
            import tempfile

            # the workers' metrics are summed from files in one folder (prometheus-client multiprocess)
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="apigw-metrics-")
        process_reload = settings.reload and settings.reload_mode == "process"
        folder = str(settings.spec.resolve().parent)
        uvicorn.run(
            "apigw_cli.server:create_app",
            factory=True,
            workers=settings.workers,
            reload=process_reload,
            reload_dirs=[folder] if process_reload else None,
            reload_includes=WATCHED_PATTERNS if process_reload else None,
            **_uvicorn_options(settings),
        )
        return
    app, reloader = serving_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, **_uvicorn_options(settings)))
    if on_started is not None:
        original = server.startup

        async def startup(sockets: object = None) -> None:
            await original(sockets)  # type: ignore[arg-type]
            if server.started:
                on_started(app.gateway, reloader)

        server.startup = startup  # type: ignore[method-assign]
    server.run()
