"""The pipeline: an ordered list of stages folded once, at compile time, into one handler.

A stage is `async (exchange, call_next) -> response`; it may answer by itself (an error, a
cached response) or call the rest of the pipeline and look at what comes back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Protocol

from apigw_cli.gateway.exchange import Exchange, GatewayResponse

Handler = Callable[[Exchange], Awaitable[GatewayResponse]]


class Stage(Protocol):
    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse: ...


def fold(stages: Sequence[Stage], terminal: Handler) -> Handler:
    """`fold([a, b], t)` answers a request as a(b(t))."""
    handler = terminal
    for stage in reversed(stages):
        # a partial, not a wrapping coroutine: one frame per stage on the hot path instead of two
        handler = partial(stage.__call__, call_next=handler)
    return handler
