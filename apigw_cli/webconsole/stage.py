"""The console's stage: serves the page and its data under the admin prefix, and hands every API
exchange to the feed (after it is answered, so it costs the request nothing before that).

    GET  {prefix}/                       the page (webconsole/assets/index.html)
    GET  {prefix}/console/assets/NAME    its script, style and icon; Swagger UI's files
    GET  {prefix}/console/openapi.json   the served spec, bundled, its servers the gateway itself
    GET  {prefix}/console/routes.json    the route table (`apigw routes --json`)
    GET  {prefix}/console/exchanges.json the last exchanges, newest last; /exchanges/ID.json one whole
    GET  {prefix}/console/reloads.json   the reload history
    GET  {prefix}/console/stage.json     the stage served and its variables (secret-looking ones masked)
    GET  {prefix}/console/metrics        the Prometheus counters of /metrics, for the charts
    GET  {prefix}/console/events         server-sent events: `exchange` and `reload`

The page's own requests are not API traffic: they are not counted in the metrics, throttled,
recorded or written to the access log."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.exchange import Exchange, GatewayResponse
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.stages.throttle import quota_key
from apigw_cli.gateway.streaming import ResponseStream, StreamLimits, StreamOutcome
from apigw_cli.record.format import REDACTED
from apigw_cli.webconsole.feed import END, Captured, ConsoleFeed

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Sequence

    from apigw_cli.gateway.clock import Clock
    from apigw_cli.gateway.deployment import Deployment
    from apigw_cli.gateway.metrics import GatewayMetrics
    from apigw_cli.gateway.stages.api_key import ApiKeys
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.gateway.stores.base import Store

ASSETS = Path(__file__).resolve().parent / "assets"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
_SWAGGER_FILES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css"})
_SECRET_NAME = re.compile(r"secret|token|password|passwd|key|credential|auth", re.IGNORECASE)
# everything the page loads comes from here; nothing it does can reach another host
_PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_EVENT_LIMITS = StreamLimits(idle_timeout=60.0, max_duration=3600.0)  # a page reconnects on its own
_HEARTBEAT = 15.0  # seconds between comments that keep an idle event stream open
_BODY_KEPT = 64 * 1024  # bytes of each body the page can show


@dataclass(frozen=True, slots=True)
class Usage:
    """What the stage view reads the usage plans' quotas from: the keys, and the store counting them."""

    keys: ApiKeys
    store: Store
    clock: Clock
    namespace: str


class ConsoleStage:
    def __init__(
        self,
        prefix: str,
        feed: ConsoleFeed,
        routes: Callable[[], list[dict[str, Any]]],
        spec_path: Path,
        base_path: str,
        deployment: Deployment,
        metrics: GatewayMetrics | None,
        secrets: frozenset[str] | None,
        max_body: int,
        usage: Usage | None = None,
    ):
        self._prefix = prefix.rstrip("/")
        self._console = self._prefix + "/console/"
        self._feed = feed
        self._routes = routes
        self._spec_path = spec_path
        self._base_path = base_path
        self._deployment = deployment
        self._metrics = metrics
        self._secrets = secrets
        self._max_body = min(max_body, _BODY_KEPT)
        self._usage = usage
        self._openapi: bytes | None = None

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        request = exchange.request
        path = request.path
        if path == self._prefix or path == self._prefix + "/" or path.startswith(self._console):
            exchange.quiet = True  # the page's own requests stay out of the access log
            if request.method not in ("GET", "HEAD"):
                return gateway_error("DEFAULT_4XX", "The console is read-only", status=405)
            return await self._answer(path)
        if path.startswith(self._prefix + "/"):
            return await call_next(exchange)  # health, metrics, mock reset: not API traffic either
        started = time.perf_counter()
        response = await call_next(exchange)
        stream = response.stream
        if stream is None:
            self._feed.add_exchange(self._entry(exchange, response, response.body, time.perf_counter() - started))
            return response
        stream.keep(self._max_body)

        def finished(outcome: StreamOutcome) -> None:
            entry = self._entry(exchange, response, outcome.kept, outcome.ended_at - started, outcome.size)
            self._feed.add_exchange(entry)

        stream.on_finish(finished)
        return response

    def _entry(
        self, exchange: Exchange, response: GatewayResponse, body: bytes, seconds: float, streamed: int | None = None
    ) -> Captured:
        request = exchange.request
        operation = exchange.operation
        limit = self._max_body
        request_body = request.body
        return Captured(
            exchange.request_id,
            exchange.received_at,
            request.method,
            request.path,
            request.query_string,
            response.status,
            seconds,
            operation.route_key if operation else None,
            operation.integration if operation else None,
            exchange.cache,
            exchange.principal,
            exchange.error,
            request.headers,
            request_body if len(request_body) <= limit else request_body[:limit],
            len(request_body),
            response.headers,
            body if len(body) <= limit else body[:limit],
            streamed if streamed is not None else len(body),
            streamed is not None,
        )

    async def _answer(self, path: str) -> GatewayResponse:
        if path == self._prefix:
            return GatewayResponse(308, [("location", self._prefix + "/")])  # the page's links are relative
        if path == self._prefix + "/":
            return _file(ASSETS / "index.html", [("content-security-policy", _PAGE_POLICY)])
        name = path[len(self._console) :]
        if name.startswith("assets/"):
            asset = name[len("assets/") :]
            if asset in _SWAGGER_FILES:
                folder = _swagger_folder()
                if folder is None:
                    return gateway_error("DEFAULT_4XX", "Swagger UI's files are not installed", status=404)
                return _file(folder / asset)
            found = ASSETS / asset
            if "/" in asset or asset.startswith(".") or not found.is_file():
                return gateway_error("DEFAULT_4XX", "Not Found", status=404, error_type="NotFoundException")
            return _file(found)
        if name == "openapi.json":
            if self._openapi is None:
                self._openapi = await asyncio.to_thread(self._bundled)
            return _json_bytes(self._openapi)
        if name == "routes.json":
            return _json(self._routes())
        if name == "exchanges.json":
            return _json([found.summary() for found in self._feed.exchanges])
        if name.startswith("exchanges/") and name.endswith(".json"):
            found_exchange = self._feed.exchange(name[len("exchanges/") : -len(".json")])
            if found_exchange is None:
                return gateway_error("DEFAULT_4XX", "No such exchange (it may have left the history)", status=404)
            return _json(found_exchange.detail(self._secrets))
        if name == "reloads.json":
            return _json([*self._feed.reloads])
        if name == "stage.json":
            return _json({**self._stage(), "usagePlans": await self._usage_plans()})
        if name == "metrics":
            text = self._metrics.exposition() if self._metrics is not None else b""
            return GatewayResponse(200, [("content-type", "text/plain; version=0.0.4; charset=utf-8")], text)
        if name == "events":
            return self._events()
        return gateway_error("DEFAULT_4XX", "Not Found", status=404, error_type="NotFoundException")

    def _bundled(self) -> bytes:
        """The spec as one document whose `servers` is this gateway (made at the page's first ask,
        in a thread: a large spec takes a while to bundle)."""
        from apigw_cli.spec.bundle import bundle
        from apigw_cli.spec.document import load_spec

        document: dict[str, Any] = dict(bundle(load_spec(self._spec_path)))
        if "swagger" in document:
            document["basePath"] = self._base_path or "/"
            document.pop("host", None)
            document.pop("schemes", None)
        else:
            document["servers"] = [{"url": self._base_path or "/", "description": "this gateway"}]
        return json.dumps(document).encode()

    def _stage(self) -> dict[str, Any]:
        variables = self._deployment.variables
        return {
            "stage": self._deployment.stage,
            "basePath": self._base_path or "/",
            "variables": {name: REDACTED if _SECRET_NAME.search(name) else value for name, value in variables.items()},
        }

    async def _usage_plans(self) -> list[dict[str, Any]]:
        """Each usage plan with its keys (names, never values) and what is left of their quota."""
        usage = self._usage
        if usage is None:
            return []
        now = usage.clock.now()
        plans: dict[str, dict[str, Any]] = {}
        for key in usage.keys.keys:
            plan = key.plan
            if plan is None:
                continue
            entry = plans.setdefault(
                plan.name,
                {
                    "name": plan.name,
                    "throttle": str(plan.throttle) if plan.throttle else None,
                    "quota": str(plan.quota) if plan.quota else None,
                    "keys": [],
                },
            )
            row: dict[str, Any] = {"name": key.name}
            if plan.quota is not None:
                period, ends = plan.quota.window(now)
                used = await usage.store.counted(quota_key(usage.namespace, key.name, period), now)
                row.update(used=used, remaining=max(0, plan.quota.limit - used), resetsAt=ends)
            entry["keys"].append(row)
        return list(plans.values())

    def _events(self) -> GatewayResponse:
        feed = self._feed
        queue = feed.listen()

        async def events() -> AsyncIterator[bytes]:
            yield b"retry: 1000\n\n"
            for _ in range(1 << 62):  # bounded by the stream's limits
                try:
                    event = await asyncio.wait_for(queue.get(), _HEARTBEAT)
                except TimeoutError:
                    event = b": still here\n\n"
                if event == END:
                    return  # the server is stopping; the page reconnects to whatever comes next
                yield event

        async def close(complete: bool) -> None:
            feed.forget(queue)

        headers = [("content-type", "text/event-stream"), ("cache-control", "no-cache")]
        return GatewayResponse(200, headers, stream=ResponseStream(events(), close, _EVENT_LIMITS))


def _file(path: Path, extra: Sequence[tuple[str, str]] = ()) -> GatewayResponse:
    headers = [("content-type", _TYPES.get(path.suffix, "application/octet-stream")), ("cache-control", "no-cache")]
    return GatewayResponse(200, [*headers, *extra], path.read_bytes())


def _json(value: Any) -> GatewayResponse:
    return _json_bytes(json.dumps(value, separators=(",", ":")).encode())


def _json_bytes(body: bytes) -> GatewayResponse:
    return GatewayResponse(200, [("content-type", "application/json"), ("cache-control", "no-store")], body)


@cache
def _swagger_folder() -> Path | None:
    """Swagger UI's files as the swagger-ui-py package ships them (found without importing it)."""
    import importlib.util

    found = importlib.util.find_spec("swagger_ui")
    if found is None or not found.submodule_search_locations:
        return None
    folder = Path(next(iter(found.submodule_search_locations))) / "static"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None
