"""`x-integration` -> an Integration, inherited from the root and the path item key by key. Each
`type` is one entry of `X_INTEGRATIONS` (type -> builder): a new integration type is a builder
here and its class in `gateway/integrations/`. The builders the AWS types share (a Python handler,
an http backend) are here too."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.compiling.context import CompileContext
from apigw_cli.gateway.integrations.base import Integration
from apigw_cli.gateway.integrations.http import HttpIntegration, UrlTemplate
from apigw_cli.gateway.integrations.mock import MockIntegration
from apigw_cli.gateway.integrations.python import DEFAULT_TIMEOUT, PythonIntegration
from apigw_cli.gateway.streaming import StreamLimits
from apigw_cli.spec.document import Location
from apigw_cli.spec.walk import template_parameters

if TYPE_CHECKING:
    from apigw_cli.gateway.mapping.http_api import HttpApiRequestParameters, HttpApiResponseParameters
    from apigw_cli.gateway.mapping.parameters import RequestParameters

Located = tuple[Any, Location]
# (context, the x-integration mapping, where it stands, the operation's path template) -> integration
Builder = Callable[[CompileContext, dict[str, Any], Location, str], Integration]
PAYLOAD_VERSIONS = ("1.0", "2.0")


def inherit(own: Located | None, inherited: Located | None) -> Located | None:
    """An operation's x-integration over its path item's over the root's: keys of the nearer one win,
    and a nearer one of another `type` replaces the inherited one whole."""
    if own is None or inherited is None:
        return own or inherited
    mine, at = own
    base = inherited[0]
    if not isinstance(mine, dict) or not isinstance(base, dict):
        return own
    if "type" in mine and mine["type"] != base.get("type"):
        return own
    return {**base, **mine}, at


def located(container: dict[str, Any], at: Location, key: str) -> Located | None:
    return (container[key], at.child(key)) if key in container else None


def positive_seconds(context: CompileContext, value: Any, at: Location) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise context.error(f"timeout {value!r} must be a positive number of seconds", at)
    return float(value)


def stream_limits(context: CompileContext, value: Any, at: Location) -> StreamLimits | None:
    """`stream: true`, or `stream: {idleTimeout, maxDuration}` (seconds): the response is streamed
    with those limits (the serve flags' defaults otherwise); absent or false: read whole."""
    settings = context.settings
    defaults = StreamLimits(settings.stream_idle_timeout, settings.stream_max_duration)
    if value is None or value is False:
        return None
    if value is True:
        return defaults
    if not isinstance(value, dict):
        raise context.error(f"stream {value!r} must be true, false or {{idleTimeout, maxDuration}}", at)
    unknown = sorted(set(value) - {"idleTimeout", "maxDuration"})
    if unknown:
        raise context.error(f"stream: unknown key {unknown[0]!r} (idleTimeout, maxDuration)", at.child(unknown[0]))
    idle = positive_seconds(context, value.get("idleTimeout", defaults.idle_timeout), at.child("idleTimeout"))
    total = positive_seconds(context, value.get("maxDuration", defaults.max_duration), at.child("maxDuration"))
    return StreamLimits(idle, total)


def python_integration(
    context: CompileContext,
    reference: str,
    payload: str,
    timeout: float,
    at: Location,
    stream: StreamLimits | None = None,
) -> PythonIntegration:
    function = context.load_handler(reference, at)
    share = context.settings.handler_threads // 2  # a route whose calls keep timing out: half the pool at most
    return PythonIntegration(function, reference, payload, timeout, context.executor, context.deployment, share, stream)


def http_integration(
    context: CompileContext,
    url: str,
    url_at: Location,
    template: str,
    method: str | None,
    timeout: float,
    known_params: set[str] | None = None,
    mapping: RequestParameters | None = None,
    http_api: tuple[HttpApiRequestParameters, HttpApiResponseParameters] | None = None,
    stream: StreamLimits | None = None,
) -> HttpIntegration:
    url = context.deployment.substitute(url, context.document, url_at)
    try:
        parsed = UrlTemplate.parse(url)
    except ValueError as exc:
        raise context.error(str(exc), url_at) from None
    declared = known_params if known_params is not None else template_parameters(template)
    unknown = [name for name in parsed.names if name not in declared]
    if unknown:
        raise context.error(f"url uses {{{unknown[0]}}} but the path {template} has no such parameter", url_at)
    return HttpIntegration(
        parsed,
        method,
        timeout,
        context.backend,
        context.options.max_response_bytes,
        url,
        mapping,
        context.deployment,
        http_api,
        context.settings.trust_proxy,
        stream,
    )


def _http(context: CompileContext, raw: dict[str, Any], at: Location, template: str) -> Integration:
    url = raw.get("url")
    if not isinstance(url, str):
        raise context.error("an http integration needs 'url: http://host:port/path'", at)
    method = str(raw["method"]).upper() if raw.get("method") else None
    timeout = positive_seconds(context, raw.get("timeout", DEFAULT_TIMEOUT), at.child("timeout"))
    stream = stream_limits(context, raw.get("stream"), at.child("stream"))
    return http_integration(context, url, at.child("url"), template, method, timeout, stream=stream)


def _mock(context: CompileContext, raw: dict[str, Any], at: Location, template: str) -> Integration:
    status = raw.get("status")
    if status is not None and not (isinstance(status, int) and 100 <= status <= 599):
        raise context.error(f"mock status {status!r} is not an HTTP status code", at.child("status"))
    state = raw.get("state", "collection" if context.settings.stateful else None)
    if state not in (None, "collection", "none"):
        raise context.error(f"mock state {state!r} is not 'collection' (or 'none')", at.child("state"))
    return mock_integration(context, template, status, stateful=state == "collection")


def mock_integration(
    context: CompileContext, template: str, status: int | None = None, stateful: bool | None = None
) -> Integration:
    """A mock answering from the declared responses; a stateful one (keeping its path family's
    resources) when asked, or when `serve --stateful` is on and the spec does not say otherwise."""
    plain = MockIntegration(status)
    if not (context.settings.stateful if stateful is None else stateful):
        return plain
    from apigw_cli.gateway.compiling.stateful_mock import stateful_mock

    return stateful_mock(context, template, plain)


def _python(context: CompileContext, raw: dict[str, Any], at: Location, template: str) -> Integration:
    handler = raw.get("handler")
    if not isinstance(handler, str):
        raise context.error("a python integration needs 'handler: file.py:function'", at)
    payload = str(raw.get("payload", "1.0"))
    if payload not in PAYLOAD_VERSIONS:
        raise context.error(f'payload {payload!r} must be "1.0" or "2.0"', at.child("payload"))
    timeout = positive_seconds(context, raw.get("timeout", DEFAULT_TIMEOUT), at.child("timeout"))
    stream = stream_limits(context, raw.get("stream"), at.child("stream"))
    return python_integration(context, handler, payload, timeout, at.child("handler"), stream)


X_INTEGRATIONS: Mapping[str, Builder] = {"python": _python, "mock": _mock, "http": _http}


def x_integration(context: CompileContext, config: Located, template: str) -> Integration:
    raw, at = config
    if not isinstance(raw, dict):
        raise context.error("x-integration must be a mapping with a 'type'", at)
    kind = raw.get("type")
    builder = X_INTEGRATIONS.get(kind) if isinstance(kind, str) else None
    if builder is None:
        raise context.error(f"x-integration type {kind!r} is not one of: {', '.join(X_INTEGRATIONS)}", at.child("type"))
    return builder(context, raw, at, template)
