"""Hot reload, apart from serving: watch the spec, every file it `$ref`s and the handler modules,
build a new snapshot off the event loop, and swap the app's one reference only when that works.

Requests in flight finish on the snapshot they started on; the replaced snapshot is closed once
it is idle. A broken edit leaves the last good snapshot serving.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from apigw_cli.errors import ApigwError
from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.integrations.handlers import forget_project_modules
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.validation.schema import SchemaValidator

RETIRE_TIMEOUT = 60.0  # seconds a replaced snapshot may take to finish its requests


@dataclass(frozen=True)
class RouteChange:
    kind: str  # "added", "removed", "changed"
    route: str
    detail: str = ""


@dataclass(frozen=True)
class ReloadResult:
    changes: tuple[RouteChange, ...]
    seconds: float
    error: str | None = None  # set when the new version could not be built


class ReloadReporter(Protocol):
    """What the reloader tells the user; the console implements it, tests collect it."""

    def reloaded(self, result: ReloadResult) -> None: ...

    def failed(self, result: ReloadResult) -> None: ...


def route_changes(old: Gateway, new: Gateway) -> tuple[RouteChange, ...]:
    before = {route.operation.route_key: route for route in old.routes}
    after = {route.operation.route_key: route for route in new.routes}
    changes = [RouteChange("added", key) for key in after if key not in before]
    changes += [RouteChange("removed", key) for key in before if key not in after]
    for key, route in after.items():
        previous = before.get(key)
        if previous is None or previous.operation.fingerprint == route.operation.fingerprint:
            continue
        details = []
        integration, was = route.integration, previous.integration
        if (was.kind, was.target) != (integration.kind, integration.target):
            details.append(f"integration: {integration.kind} {integration.target}")
        if previous.auth != route.auth:
            details.append(f"auth: {route.auth}")
        if previous.throttle != route.throttle:
            details.append(f"throttle: {route.throttle or 'none'}")
        if previous.cache != route.cache:
            details.append(f"cache: {route.cache or 'off'}")
        detail = ", ".join(details) or "parameters, body or responses"
        changes.append(RouteChange("changed", key, detail))
    return tuple(changes)


def warm_used_routes(old: Gateway, new: Gateway) -> int:
    """Readies, on the build thread, the validators of routes the old snapshot had served (its
    validators compile on first use), so the first requests after a swap do not pay for it on the
    serving thread: a validator whose schema did not change is taken over from the old snapshot,
    any other is compiled. Returns how many were readied."""
    used: dict[str, list[SchemaValidator]] = {}
    for operation in old.operations:
        validators = list(operation.validators())
        if any(v.compiled for v in validators):
            used[operation.route_key] = validators
    readied = 0
    for operation in new.operations:
        previous = used.get(operation.route_key)
        if previous is None:
            continue
        for index, validator in enumerate(operation.validators()):
            if validator.compiled:
                continue
            if index < len(previous) and validator.adopt(previous[index]):
                readied += 1
                continue
            try:
                validator.warm()
            except Exception:
                continue
            readied += 1
    return readied


class Reloader:
    def __init__(
        self,
        build: Callable[[], Gateway],
        reporter: ReloadReporter,
        extra_files: Iterable[Path] = (),
        debounce_ms: int = 150,
    ):
        self._build = build
        self._reporter = reporter
        self._extra_files = tuple(path.resolve() for path in extra_files)
        self._debounce_ms = debounce_ms
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        self.app: GatewayApp | None = None

    def watched_files(self) -> set[Path]:
        assert self.app is not None
        return {path.resolve() for path in self.app.gateway.files} | set(self._extra_files)

    async def start(self, app: GatewayApp) -> None:
        """The app's start-up hook: watch until stop()."""
        self.app = app
        self._task = asyncio.create_task(self._watch(), name="apigw-reload")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait([self._task], timeout=5)
        for task in list(self._retiring):
            task.cancel()

    async def _watch(self) -> None:
        import watchfiles

        while not self._stop.is_set():
            files = self.watched_files()
            folders = {path.parent for path in files}

            def relevant(change: watchfiles.Change, path: str, files: set[Path] = files) -> bool:
                return Path(path).resolve() in files

            async for _ in watchfiles.awatch(
                *folders, watch_filter=relevant, debounce=self._debounce_ms, step=50, stop_event=self._stop
            ):
                await self.reload()
                break  # the set of files may have changed: watch anew

    async def reload(self) -> ReloadResult:
        """Build a new snapshot and swap it in; keep the current one when the build fails."""
        assert self.app is not None
        started = time.perf_counter()
        old = self.app.gateway
        try:
            new, changes = await asyncio.to_thread(self._build_fresh, old)
        except ApigwError as exc:
            result = ReloadResult((), time.perf_counter() - started, str(exc))
            self._reporter.failed(result)
            return result
        except Exception as exc:  # a handler's import-time crash, for one
            result = ReloadResult((), time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            self._reporter.failed(result)
            return result
        await new.startup()
        self.app.gateway = new
        result = ReloadResult(changes, time.perf_counter() - started)
        self._reporter.reloaded(result)
        task = asyncio.create_task(self._retire(old))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)
        return result

    def _build_fresh(self, current: Gateway) -> tuple[Gateway, tuple[RouteChange, ...]]:
        """Runs on a worker thread, so the event loop stays free to take requests; a build is
        CPU-bound Python, so a large spec's requests are slower while it runs (accepted: see the
        README's reload section for the figures)."""
        forget_project_modules(current.spec_path.parent)
        fresh = self._build()
        changes = route_changes(current, fresh)
        warm_used_routes(current, fresh)
        return fresh, changes

    @staticmethod
    async def _retire(old: Gateway) -> None:
        await old.in_flight.wait_idle(RETIRE_TIMEOUT)
        await old.aclose()
