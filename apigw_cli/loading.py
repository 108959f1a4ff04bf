"""From a spec path to a ready snapshot: load, then compile. What every command starts with."""

from __future__ import annotations

from apigw_cli.config import Settings
from apigw_cli.gateway.compiling import compile_gateway
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.stages.access_log import AccessLogSink
from apigw_cli.gateway.state import GatewayState
from apigw_cli.lambda_map import read_lambda_map
from apigw_cli.spec.document import load_spec


def build_gateway(
    settings: Settings, access_log: AccessLogSink | None = None, state: GatewayState | None = None
) -> Gateway:
    lambda_map = read_lambda_map(settings.lambda_map) if settings.lambda_map else ()
    document = load_spec(settings.spec)
    return compile_gateway(document, settings, access_log, lambda_map, state=state)
