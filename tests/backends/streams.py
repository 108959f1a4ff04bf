"""A streaming starlette backend for the streaming tests, run in a thread by the test: server-sent
events that wait for the test's word before each next one (so that only a gateway that streams
lets them through), a large download in 64 KiB chunks, and a stream that goes quiet. It records
what it saw: the time each event was produced, and whether its client went away."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

CHUNK = 64 * 1024


class Observed:
    """What the backend saw, for the test thread to wait on (each wait bounded)."""

    def __init__(self) -> None:
        self.produced: list[float] = []  # time.time() each SSE event was produced
        self.received: list[threading.Event] = [threading.Event() for _ in range(16)]  # set by the test
        self.waited_out = 0  # events produced without the word that the one before arrived
        self.client_gone = threading.Event()
        self.finished = threading.Event()


def make_app(observed: Observed) -> Starlette:
    async def sse(request: Request) -> Response:
        count = int(request.query_params.get("count", "3"))

        async def events() -> AsyncIterator[bytes]:
            try:
                for number in range(count):
                    if number > 0:  # the event before must have reached the test's client first
                        arrived = await asyncio.to_thread(observed.received[number - 1].wait, 10)
                        observed.waited_out += 0 if arrived else 1
                    observed.produced.append(time.time())
                    yield f"id: {number}\ndata: event {number}\n\n".encode()
                observed.finished.set()
            except (asyncio.CancelledError, GeneratorExit):
                observed.client_gone.set()
                raise

        return StreamingResponse(events(), media_type="text/event-stream")

    async def download(request: Request) -> Response:
        size = int(request.query_params.get("bytes", str(CHUNK * 16)))

        async def chunks() -> AsyncIterator[bytes]:
            block = b"z" * CHUNK
            sent = 0
            while sent < size:
                piece = block[: min(CHUNK, size - sent)]
                sent += len(piece)
                yield piece

        headers = {"content-length": str(size)} if request.query_params.get("length") == "1" else {}
        return StreamingResponse(chunks(), media_type="application/octet-stream", headers=headers)

    async def quiet(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            try:
                yield b"first\n"
                await asyncio.sleep(60)
                yield b"never\n"
            except (asyncio.CancelledError, GeneratorExit):
                observed.client_gone.set()
                raise

        return StreamingResponse(chunks(), media_type="text/plain")

    async def plain(request: Request) -> Response:
        return Response(b"whole body", media_type="text/plain")

    return Starlette(
        routes=[Route("/sse", sse), Route("/download", download), Route("/quiet", quiet), Route("/plain", plain)]
    )
