"""Hot reload, apart from serving: watch the spec, every file it `$ref`s and the handler modules,
build a new snapshot off the event loop, and swap the app's one reference only when that works.

Requests in flight finish on the snapshot they started on; the replaced snapshot is closed once
it is idle. A broken edit leaves the last good snapshot serving.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from apigw_cli.errors import ApigwError
from apigw_cli.gateway.integrations.handlers import forget_project_modules
from apigw_cli.spec.document import Stamp, file_stamp

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from apigw_cli.gateway.asgi import GatewayApp
    from apigw_cli.gateway.snapshot import Gateway
    from apigw_cli.gateway.validation.schema import SchemaValidator

RETIRE_TIMEOUT = 60.0  # seconds a replaced snapshot may take to finish its requests
STALE_CHECK_MS = 500  # how often the watched files are compared with their stamps, besides the watcher


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
    """Watches the files of the current snapshot and reloads on change. An edit is never lost: a
    file is also compared with its stamp from when the snapshot read it, at start and twice a
    second (`STALE_CHECK_MS`), which catches an edit that lands before the watcher runs or while
    it restarts."""

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
        # each watched file's stamp as of the last build attempt (the ones a build read, when it worked)
        self._seen: dict[Path, Stamp] = {}
        self._last_error: str | None = None  # what the last attempt failed with, until one works
        self.app: GatewayApp | None = None

    def watched_files(self) -> set[Path]:
        return set(self._seen)

    async def start(self, app: GatewayApp) -> None:
        """The app's start-up hook: watch until stop()."""
        self.app = app
        self._seen = self._sources(app.gateway, self._stamp_extra_files())
        self._task = asyncio.create_task(self._watch(), name="apigw-reload")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait([self._task], timeout=5)
        for task in list(self._retiring):
            task.cancel()

    def _stamp_extra_files(self) -> dict[Path, Stamp]:
        return {path: file_stamp(path) for path in self._extra_files}

    @staticmethod
    def _sources(gateway: Gateway, extra: dict[Path, Stamp]) -> dict[Path, Stamp]:
        return {**{path.resolve(): stamp for path, stamp in gateway.sources.items()}, **extra}

    def stale(self) -> bool:
        """Whether a watched file differs from what the last build attempt saw."""
        return any(file_stamp(path) != stamp for path, stamp in self._seen.items())

    def _relevant(self, change: object, path: str) -> bool:
        return Path(path).resolve() in self._seen

    async def _watch(self) -> None:
        import watchfiles

        while not self._stop.is_set():
            folders = {path.parent for path in self._seen}
            async for changes in watchfiles.awatch(
                *folders,
                watch_filter=self._relevant,
                debounce=self._debounce_ms,
                step=50,
                stop_event=self._stop,
                rust_timeout=STALE_CHECK_MS,
                yield_on_timeout=True,
            ):
                if not changes and not self.stale():
                    continue
                await self.reload(repeat_silently=not changes)
                if {path.parent for path in self._seen} != folders:
                    break  # a file in another folder joined the spec: watch the folders anew

    async def reload(self, repeat_silently: bool = False) -> ReloadResult:
        """Build a new snapshot and swap it in; keep the current one when the build fails.
        `repeat_silently`: a failure the last attempt reported already is not reported again (a
        file stamped while it settled is tried twice, not edited twice)."""
        assert self.app is not None
        started = time.perf_counter()
        old = self.app.gateway
        attempted = {path: file_stamp(path) for path in self._seen}  # before the build reads them
        extra = self._stamp_extra_files()
        try:
            new, changes = await asyncio.to_thread(self._build_fresh, old)
        except Exception as exc:  # an ApigwError, or a handler's import-time crash for one
            self._seen = attempted  # the same broken files are not tried again until they change
            error = str(exc) if isinstance(exc, ApigwError) else f"{type(exc).__name__}: {exc}"
            result = ReloadResult((), time.perf_counter() - started, error)
            if not (repeat_silently and error == self._last_error):
                self._reporter.failed(result)
            self._last_error = error
            return result
        await new.startup()
        self.app.gateway = new
        self._seen = self._sources(new, extra)
        self._last_error = None
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
