"""Runs the gateway under uvicorn (httptools parser, forwarded headers not trusted)."""

from __future__ import annotations

from collections.abc import Callable

from apigw_cli.config import Settings
from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.reload import Reloader
from apigw_cli.gateway.snapshot import Gateway


def make_app(gateway: Gateway, settings: Settings, reloader: Reloader | None = None) -> GatewayApp:
    if reloader is None:
        return GatewayApp(gateway, settings.max_body_bytes)
    return GatewayApp(gateway, settings.max_body_bytes, on_startup=reloader.start, on_shutdown=reloader.stop)


def run_server(
    gateway: Gateway,
    settings: Settings,
    on_started: Callable[[], None] | None = None,
    reloader: Reloader | None = None,
) -> None:
    import uvicorn

    config = uvicorn.Config(
        make_app(gateway, settings, reloader),
        host=settings.host,
        port=settings.port,
        # httptools refuses a CL+TE smuggled request that h11 lets through
        http="httptools",
        # a local gateway has no proxy in front: X-Forwarded-For from loopback must not be trusted
        proxy_headers=False,
        lifespan="on",
        access_log=False,
        log_level="warning",
        server_header=False,
    )
    server = uvicorn.Server(config)
    if on_started is not None:
        original = server.startup

        async def startup(sockets: object = None) -> None:
            await original(sockets)  # type: ignore[arg-type]
            if server.started:
                on_started()

        server.startup = startup  # type: ignore[method-assign]
    server.run()
