"""What outlives a snapshot: the store of buckets, counters and cache, the clock, the recorder, the
metrics, the directory of open WebSocket connections and the stateful mocks' resources. A server
process makes one and hands it to every build, so a reload keeps limits, cached answers, counts,
connections and mocked resources where they were."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.gateway.clock import Clock, SystemClock
from apigw_cli.gateway.stores.memory import MemoryStore
from apigw_cli.gateway.stores.mock_state import MemoryMockState, MockState
from apigw_cli.gateway.websocket.connections import ConnectionDirectory, MemoryDirectory

if TYPE_CHECKING:
    from apigw_cli.gateway.metrics import GatewayMetrics
    from apigw_cli.gateway.stores.base import Store
    from apigw_cli.record.writer import RecordWriter
    from apigw_cli.webconsole.feed import ConsoleFeed


class GatewayState:
    def __init__(
        self,
        store: Store | None = None,
        clock: Clock | None = None,
        recorder: RecordWriter | None = None,
        metrics: GatewayMetrics | None = None,
        connections: ConnectionDirectory | None = None,
        mock_state: MockState | None = None,
        console: ConsoleFeed | None = None,
    ):
        self.store: Store = store if store is not None else MemoryStore()
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.recorder = recorder  # serve --record
        self.metrics = metrics  # this process's; counts survive reloads
        # open WebSocket connections: a reload keeps them reachable (Redis lists them for every worker)
        self.connections: ConnectionDirectory = connections if connections is not None else MemoryDirectory()
        self.mock_state: MockState = mock_state if mock_state is not None else MemoryMockState()
        self.console = console  # the console page's feed (serve); None: no page

    async def aclose(self) -> None:
        await self.store.aclose()
        await self.connections.aclose()
        self.mock_state.close()
        if self.recorder is not None:
            self.recorder.close()
