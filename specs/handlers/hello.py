"""An async handler in payload format 2.0, using the shortcut: a plain dict becomes a 200 JSON response."""

from __future__ import annotations

from typing import Any


async def hello(event: dict[str, Any], context: Any) -> dict[str, str]:
    greeting = (event.get("queryStringParameters") or {}).get("greeting", "Hello")
    return {"message": f"{greeting}, {event['pathParameters']['name']}!"}
