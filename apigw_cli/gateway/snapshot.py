"""The immutable snapshot a spec compiles to: what serving needs, and nothing of the raw document."""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from apigw_cli.gateway.exchange import Exchange, GatewayRequest, GatewayResponse
from apigw_cli.gateway.request_ids import new_request_id

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from apigw_cli.gateway.integrations.backend_client import BackendClient
    from apigw_cli.gateway.operation import Operation
    from apigw_cli.gateway.router import Router
    from apigw_cli.gateway.routes import Route
    from apigw_cli.gateway.stages.stage import Handler
    from apigw_cli.gateway.websocket.api import WebSocketApi
    from apigw_cli.spec.document import Stamp


class InFlight:
    """How many requests a snapshot is serving, so a replaced one is closed only once idle."""

    def __init__(self) -> None:
        self.count = 0
        self._idle: asyncio.Event | None = None

    def enter(self) -> None:
        self.count += 1

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0 and self._idle is not None:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        if self.count == 0:
            return True
        self._idle = asyncio.Event()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass(frozen=True)
class Gateway:
    title: str
    api_version: str
    spec_path: Path
    openapi_version: str
    base_paths: tuple[str, ...]
    routes: tuple[Route, ...]  # in the spec's order; routes[i].operation.index == i
    router: Router[Operation]
    pipeline: Handler
    sources: dict[Path, Stamp]  # the spec, every file it $refs, and the handler modules, as they were read
    notices: tuple[str, ...]  # start-up lines for the user (e.g. how many operations are mocked)
    executor: ThreadPoolExecutor  # runs sync handlers
    backend: BackendClient  # the pooled client of http integrations
    deployment: str | None = None  # the x-gateway.stages entry this snapshot serves
    handler_modules: tuple[str, ...] = ()  # names in sys.modules of this snapshot's handler files
    in_flight: InFlight = field(default_factory=InFlight)
    websocket: WebSocketApi | None = None  # x-gateway.websocket

    @property
    def files(self) -> tuple[Path, ...]:
        return tuple(self.sources)

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(route.operation for route in self.routes)

    async def handle(self, request: GatewayRequest) -> GatewayResponse:
        exchange = Exchange(request=request, request_id=new_request_id(), received_at=time.time())
        response = await self.pipeline(exchange)
        response.headers.append(("x-amzn-requestid", exchange.request_id))
        return response

    async def startup(self) -> None:
        if self.backend.wanted:
            await self.backend.start()

    async def aclose(self) -> None:
        for route in self.routes:
            await route.integration.aclose()
        await self.backend.aclose()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for name in self.handler_modules:
            sys.modules.pop(name, None)  # a reloaded server would otherwise keep every version imported
