"""From a spec path to a ready snapshot: load, then compile. What every command starts with."""

from __future__ import annotations

from apigw_cli.config import Settings
from apigw_cli.gateway.compiling import compile_gateway
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.stages.access_log import AccessLogSink
from apigw_cli.spec.document import load_spec


def build_gateway(settings: Settings, access_log: AccessLogSink | None = None) -> Gateway:
    return compile_gateway(load_spec(settings.spec), settings, access_log)
