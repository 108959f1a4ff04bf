"""Response bodies sent as they are produced (`responseTransferMode: STREAM`, `x-integration:
{stream: true}`): a `ResponseStream` is the body of a `GatewayResponse` whose status and headers
(the prelude) are known and whose bytes are still coming from a backend or a generator.

The stream is pumped by whoever sends the response (`asgi.send_response`), chunk by chunk, each
sent before the next is asked for: nothing is buffered beyond one chunk. It ends when the source
ends, when the client goes away (the source is then closed: the backend connection is dropped, a
generator gets GeneratorExit at its yield), when the source is idle past `idle_timeout`, or when
it has run `max_duration` in all. Stages that need the whole exchange (access log, metrics,
record) subscribe with `on_finish` and get a `StreamOutcome` when it has ended.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

logger = logging.getLogger("apigw")
DEFAULT_IDLE_TIMEOUT = 300.0  # seconds: the managed gateway's idle timeout for regional streams
DEFAULT_MAX_DURATION = 900.0  # seconds: its 15-minute limit on a streamed response


@dataclass(frozen=True, slots=True)
class StreamLimits:
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT  # seconds without a chunk from the source
    max_duration: float = DEFAULT_MAX_DURATION  # seconds from the prelude to the last chunk


@dataclass(frozen=True, slots=True)
class StreamOutcome:
    """How a stream ended, for the access log, the metrics and the record."""

    size: int  # bytes sent
    started_at: float  # time.perf_counter() when the prelude was sent
    first_byte_at: float | None  # ... when the first chunk was sent
    ended_at: float
    kept: bytes  # the first bytes, as many as a subscriber asked to keep
    ended: str  # "complete", or why not: "client disconnected", "idle for 5 s", "failed: ..."

    @property
    def complete(self) -> bool:
        return self.ended == "complete"


class StreamAborted(Exception):
    """The stream did not end cleanly: the response must not look complete to the client."""


@dataclass(eq=False)
class ResponseStream:
    source: AsyncIterator[bytes]
    close: Callable[[bool], Awaitable[None]]  # release the source; True when it ended by itself
    limits: StreamLimits = field(default_factory=StreamLimits)
    length: int | None = None  # the length the backend declared, if any (else the body is chunked)
    grace: float = 0.0  # seconds a source mid-chunk gets to reach its next yield before it is cancelled
    _keep: int = 0
    _subscribers: list[Callable[[StreamOutcome], None]] = field(default_factory=list)
    _pumped: bool = False

    def keep(self, size: int) -> None:
        """Keep (at least) the first `size` bytes for the outcome."""
        self._keep = max(self._keep, size)

    def on_finish(self, callback: Callable[[StreamOutcome], None]) -> None:
        self._subscribers.append(callback)

    async def discard(self) -> None:
        """Close the stream without sending it (HEAD, 204/304, an answer replaced by an error)."""
        if not self._pumped:
            self._pumped = True
            await self.close(False)

    async def pump(self, emit: Callable[[bytes], Awaitable[None]], gone: asyncio.Future[None] | None = None) -> None:
        """Send every chunk through `emit`; StreamAborted when the stream did not end cleanly (the
        subscribers hear of it either way)."""
        if self._pumped:
            raise RuntimeError("a stream is sent once")
        self._pumped = True
        started = time.perf_counter()
        deadline = started + self.limits.max_duration
        first_byte_at: float | None = None
        size = 0
        kept: list[bytes] = []
        kept_size = 0
        ended = "complete"
        iterator = self.source.__aiter__()
        try:
            for _ in range(1 << 62):  # bounded by max_duration
                now = time.perf_counter()
                if now >= deadline:
                    ended = f"longer than the {self.limits.max_duration:g} s stream limit"
                    break
                step: asyncio.Future[bytes] = asyncio.ensure_future(iterator.__anext__())
                waiting: set[asyncio.Future[object]] = {step}  # type: ignore[arg-type]
                if gone is not None:
                    waiting.add(gone)  # type: ignore[arg-type]
                remaining = deadline - now
                timeout = min(self.limits.idle_timeout, remaining)
                done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if step not in done:
                    ended = (
                        "client disconnected"
                        if gone is not None and gone in done
                        else f"idle for {self.limits.idle_timeout:g} s"
                        if self.limits.idle_timeout < remaining  # the wait was for the idle timeout
                        else f"longer than the {self.limits.max_duration:g} s stream limit"
                    )
                    await self._stop(step)
                    break
                try:
                    chunk = step.result()
                except StopAsyncIteration:
                    break
                except Exception as exc:  # the backend or the generator failed mid-stream
                    ended = f"failed: {type(exc).__name__}: {exc}"
                    logger.error("streamed response %s", ended)
                    break
                if not chunk:
                    continue
                if kept_size < self._keep:
                    kept.append(chunk[: self._keep - kept_size])
                    kept_size += len(kept[-1])
                try:
                    await asyncio.wait_for(emit(chunk), max(0.0, deadline - time.perf_counter()))
                except TimeoutError:
                    ended = f"longer than the {self.limits.max_duration:g} s stream limit"
                    break
                size += len(chunk)
                if first_byte_at is None:
                    first_byte_at = time.perf_counter()
                if gone is not None and gone.done():
                    ended = "client disconnected"
                    break
        finally:
            try:
                await self.close(ended == "complete")
            finally:
                outcome = StreamOutcome(size, started, first_byte_at, time.perf_counter(), b"".join(kept), ended)
                for callback in self._subscribers:
                    try:
                        callback(outcome)
                    except Exception:  # a subscriber's failure must not stop the others
                        logger.exception("a stream subscriber failed")
        if ended != "complete":
            raise StreamAborted(ended)

    async def _stop(self, step: asyncio.Future[bytes]) -> None:
        """The step in progress is given `grace` to finish, then cancelled."""
        if self.grace > 0:
            await asyncio.wait({step}, timeout=self.grace)
        if not step.done():
            step.cancel()
        await asyncio.gather(step, return_exceptions=True)  # its outcome no longer matters, only that it ended
