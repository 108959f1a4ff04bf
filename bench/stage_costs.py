"""What each stage of the request path costs: the shared peer spec's GET /users/42 and validated
POST /users sent in-process (no sockets, no server; the integration mocked from the examples, so
the backend call is left out) through the pipeline as `serve` builds it, and again with one
feature turned off at a time. The difference is that feature's cost a request, in µs.

Usage: python bench/stage_costs.py [--requests 2000] [--rounds 15]
CPU time (time.process_time: what another process takes is not counted), the fastest of the
rounds, the variants interleaved in a turning order, the garbage collector run between rounds
(not during them); figures compare within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from apigw_cli import console
from apigw_cli.config import Settings
from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.inprocess import send_request
from apigw_cli.gateway.metrics import GatewayMetrics
from apigw_cli.gateway.state import GatewayState
from apigw_cli.loading import build_gateway
from apigw_cli.webconsole.feed import ConsoleFeed

REPO = Path(__file__).resolve().parent.parent
PEERS_SPEC = REPO.parent / "shared" / "bench" / "proxy_peers_spec.yaml"
BODY = (
    b'{"username":"grace.hopper","email":"grace.hopper@example.com","full_name":"Grace Brewster Murray Hopper",'
    b'"active":true,"roles":["admin","developer","operator"],"address":{"street":"1 Navy Yard Road",'
    b'"city":"Arlington","postal_code":"22202","country":"US"},"tags":["compilers","cobol","navy"],"age":85}'
)
# name: (settings over serve's defaults, console feed, metrics, access log)
VARIANTS: dict[str, tuple[dict[str, Any], bool, bool, bool]] = {
    "serve's defaults": ({}, True, True, True),
    "no console feed": ({"console": False}, False, True, True),
    "no metrics": ({}, True, False, True),
    "no access log": ({}, True, True, False),
    "--validate-responses off": ({"validate_responses": "off"}, True, True, True),
    "no throttle": ({"throttle": False}, True, True, True),
    "all of these off": ({"console": False, "validate_responses": "off", "throttle": False}, False, False, False),
}


def mocked_spec(folder: Path) -> Path:
    """The peer spec with its http integrations taken out: each operation answers its example."""
    document = yaml.safe_load(PEERS_SPEC.read_text(encoding="utf-8"))
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation.pop("x-integration", None)
    target = folder / "mocked.yaml"
    target.write_text(yaml.safe_dump(document), encoding="utf-8")
    return target


def app_for(spec: Path, variant: tuple[dict[str, Any], bool, bool, bool], log: Any) -> GatewayApp:
    options, feed, metrics, access_log = variant
    settings = Settings(spec=spec, **options)
    state = GatewayState(metrics=GatewayMetrics() if metrics else None, console=ConsoleFeed() if feed else None)
    sink = console.access_log_sink(log) if access_log else None
    return GatewayApp(build_gateway(settings, sink, state), settings.max_body_bytes)


async def per_request(app: GatewayApp, method: str, count: int) -> float:
    """µs a request, sequentially, through the in-process ASGI sender."""
    headers = [("content-type", "application/json")] if method == "POST" else []
    path, body = ("/users", BODY) if method == "POST" else ("/users/42", b"")
    answer = await send_request(app, method, path, headers=headers, body=body)
    if answer.status >= 300:
        raise RuntimeError(f"{method} {path}: {answer.status} {answer.body[:200]!r}")
    started = time.process_time()
    for _ in range(count):
        await send_request(app, method, path, headers=headers, body=body)
    return (time.process_time() - started) / count * 1e6


async def empty_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def harness(count: int) -> float:
    """The in-process sender's own cost, to take off every figure."""
    started = time.process_time()
    for _ in range(count):
        await send_request(empty_app, "GET", "/users/42")
    return (time.process_time() - started) / count * 1e6


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, open("/dev/null", "w", encoding="utf-8") as log:
        spec = mocked_spec(Path(tmp))
        apps = {name: app_for(spec, variant, log) for name, variant in VARIANTS.items()}
        for app in apps.values():
            await app.gateway.startup()
        figures: dict[tuple[str, str], list[float]] = {}
        floor: list[float] = []
        names = list(apps)
        gc.disable()  # a collection lands on whichever variant runs then; one runs between rounds
        try:
            for turn in range(args.rounds):
                gc.collect()
                floor.append(await harness(args.requests))
                order = names[turn % len(names) :] + names[: turn % len(names)]  # no variant always first
                for method in ("GET", "POST"):
                    for name in order:
                        figures.setdefault((name, method), []).append(
                            await per_request(apps[name], method, args.requests)
                        )
        finally:
            gc.enable()
        for app in apps.values():
            await app.gateway.aclose()
    base = min(floor)
    median = {key: min(values) - base for key, values in figures.items()}  # the least disturbed round
    print(f"{args.requests} requests a round, {args.rounds} rounds; in-process sender's own {base:.1f} µs taken off\n")
    print("| pipeline (integration mocked) | GET µs | POST µs | GET saved | POST saved |\n|---|---:|---:|---:|---:|")
    full = ("serve's defaults", "GET"), ("serve's defaults", "POST")
    for name in VARIANTS:
        get, post = median[(name, "GET")], median[(name, "POST")]
        saved = "" if name == "serve's defaults" else f" {median[full[0]] - get:.1f} | {median[full[1]] - post:.1f} |"
        print(f"| {name} | {get:.1f} | {post:.1f} |" + (saved or " | |"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=15)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
