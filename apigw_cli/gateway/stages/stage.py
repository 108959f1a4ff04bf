"""What a pipeline stage is: `async (exchange, call_next) -> response`. A stage may answer by itself
(an error, a cached response) or call the rest of the pipeline and look at what comes back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from apigw_cli.gateway.exchange import Exchange, GatewayResponse

Handler = Callable[[Exchange], Awaitable[GatewayResponse]]


class Stage(Protocol):
    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse: ...
