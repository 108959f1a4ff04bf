"""A small starlette backend for proxy tests: echoes what it received, fails, or stalls on request."""

from __future__ import annotations

import asyncio
import base64

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.url.query,
            "headers": [[name.decode(), value.decode()] for name, value in request.scope["headers"]],
            "body": base64.b64encode(body).decode(),
        },
        headers={"x-backend": "echo", "connection": "keep-alive", "keep-alive": "timeout=5"},
        status_code=int(request.query_params.get("status", "200")),
    )


async def fail(request: Request) -> Response:
    return JSONResponse({"error": "backend broke"}, status_code=500)


async def slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("seconds", "2")))
    return Response("late")


async def big(request: Request) -> Response:
    return Response(b"x" * int(request.query_params.get("bytes", "100")), media_type="application/octet-stream")


async def gzipped(request: Request) -> Response:
    import gzip

    return Response(
        gzip.compress(b'{"zipped": true}'), headers={"content-encoding": "gzip"}, media_type="application/json"
    )


app = Starlette(
    routes=[
        Route("/fail", fail, methods=["GET", "POST"]),
        Route("/slow", slow),
        Route("/big", big),
        Route("/gzip", gzipped),
        Route("/{rest:path}", echo, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
    ]
)
