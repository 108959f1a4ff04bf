"""What uvicorn imports in each worker process (`--workers N`, `--reload-mode process`): the serve
settings from the environment, the console's output, and the server's app. The one place where
the server and the console meet outside the CLI."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from apigw_cli import console
from apigw_cli.config import Settings
from apigw_cli.server import SETTINGS_VARIABLE, ServerOutput, serving_app

if TYPE_CHECKING:
    from apigw_cli.gateway.asgi import GatewayApp


def console_output(settings: Settings) -> ServerOutput:
    """A server's output on this process's stderr: the access log, reload reports, log records."""
    return ServerOutput(
        access_log=console.access_log_sink(sys.stderr, settings.log_format),
        reloads=console.ConsoleReloadReporter(),
        setup_logging=console.setup_logging,
    )


def create_app() -> GatewayApp:
    settings = Settings.from_json(os.environ[SETTINGS_VARIABLE])
    app, _ = serving_app(settings, console_output(settings))
    return app
