"""Streaming handlers for specs/streaming.yaml: each yields its prelude (status and headers), then
body chunks that the gateway sends as they are yielded."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any


def ticks(event: dict[str, Any], context: Any) -> Iterator[Any]:
    """Server-sent events, one a tenth of a second: `GET /ticks?count=5`."""
    count = int((event.get("queryStringParameters") or {}).get("count", "5"))
    yield {"statusCode": 200, "headers": {"content-type": "text/event-stream", "cache-control": "no-cache"}}
    try:
        for number in range(1, count + 1):
            yield f"id: {number}\nevent: tick\ndata: {json.dumps({'n': number, 'at': time.time()})}\n\n"
            time.sleep(0.1)
    except GeneratorExit:  # the client went away: the gateway closes the generator
        print(f"ticks: client gone after {number} events", flush=True)
        raise


async def tokens(event: dict[str, Any], context: Any) -> AsyncIterator[Any]:
    """An async generator, as an LLM backend streams tokens: `POST /tokens` with `{"prompt": "..."}`."""
    prompt = json.loads(event.get("body") or "{}").get("prompt", "hello streaming world")
    yield {"statusCode": 200, "headers": {"content-type": "application/x-ndjson"}}
    for word in str(prompt).split():
        yield json.dumps({"token": word}) + "\n"
        await asyncio.sleep(0.05)
