"""From a spec path to a ready snapshot: load, then compile. What every command starts with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.gateway.compiling import compile_gateway
from apigw_cli.lambda_map import read_lambda_map
from apigw_cli.spec.document import SpecDocument, load_spec

if TYPE_CHECKING:
    from apigw_cli.config import Settings
    from apigw_cli.gateway.snapshot import Gateway
    from apigw_cli.gateway.stages.access_log import AccessLogSink
    from apigw_cli.gateway.state import GatewayState


def build_gateway(
    settings: Settings, access_log: AccessLogSink | None = None, state: GatewayState | None = None
) -> Gateway:
    return load_and_build(settings, access_log, state)[1]


def load_and_build(
    settings: Settings, access_log: AccessLogSink | None = None, state: GatewayState | None = None
) -> tuple[SpecDocument, Gateway]:
    """The loaded document and its snapshot (what coverage and export read both of)."""
    lambda_map = read_lambda_map(settings.lambda_map) if settings.lambda_map else ()
    document = load_spec(settings.spec)
    return document, compile_gateway(document, settings, access_log, lambda_map, state=state)
