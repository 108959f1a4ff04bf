"""Mapping template benchmark: the render of a compiled template with a 50-item `#foreach`, ours
(airspeed-ext with the managed gateway's dialect) beside airspeed-ext's own render of the same
template (in a process that never loads our dialect); and the throughput of an http route with a
request and a response template beside the same route as a plain http_proxy, against one backend.
Prints one markdown table; figures are only comparable within one run.

Usage: python bench/template_bench.py [--renders 2000] [--duration 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_bench import REPO, free_port, get_request, load, pinned, wait_ready

TEMPLATE = '[#foreach($item in $items){"id": $item.id, "name": "$item.name", "tags": "$item.tags.size()"}#if($foreach.hasNext),#end#end]'  # noqa: E501
ITEMS = [{"id": index, "name": f"item {index}", "tags": ["a", "b"]} for index in range(50)]

AIRSPEED_ALONE = """
import json, sys, time
import airspeed
template = airspeed.Template(sys.argv[1])
template.ensure_compiled()
items = json.loads(sys.argv[2])
renders = int(sys.argv[3])
template.merge({"items": items})
started = time.perf_counter()
for _ in range(renders):
    template.merge({"items": items})
print((time.perf_counter() - started) / renders * 1e6)
"""

BACKEND = """
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = b'{"id": 7, "name": "widget", "price": 9.5, "tags": ["a", "b", "c"]}'

async def item(request):
    await request.body()
    return Response(BODY, media_type="application/json")

app = Starlette(routes=[Route("/item", item, methods=["GET", "POST"])])
"""

SPEC = """
openapi: 3.0.1
info: {{title: template bench, version: "1"}}
paths:
  /plain:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration: {{type: http_proxy, httpMethod: GET, uri: "{backend}/item"}}
  /mapped:
    get:
      responses: {{"200": {{description: ok}}}}
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: "{backend}/item"
        requestTemplates:
          application/json: '{{"requestId": "$context.requestId", "page": "$input.params(''page'')"}}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '#set($root = $input.path(''$'')){{"id": $root.id, "label": "$util.escapeJavaScript($root.name)", "tags": $input.json(''$.tags'')}}'
"""  # noqa: E501


def ours_render(renders: int) -> tuple[float, float]:
    """µs per render: the template over a variable, and over `$input.path` of a JSON body."""
    from apigw_cli.gateway.vtl.engine import CompiledTemplate
    from apigw_cli.gateway.vtl.java import from_json
    from apigw_cli.gateway.vtl.variables import InputVariable, template_variables

    compiled = CompiledTemplate(TEMPLATE, "bench")
    items = from_json(ITEMS)
    compiled.render({"items": items})
    started = time.perf_counter()
    for _ in range(renders):
        compiled.render({"items": items})
    plain = (time.perf_counter() - started) / renders * 1e6
    through_input = CompiledTemplate("#set($items = $input.path('$.items'))" + TEMPLATE, "bench")
    body = json.dumps({"items": ITEMS}).encode()
    params: dict[str, dict[str, str]] = {"path": {}, "querystring": {}, "header": {}}
    started = time.perf_counter()
    for _ in range(renders):
        through_input.render(template_variables(InputVariable(body, params), {}, {}))
    with_input = (time.perf_counter() - started) / renders * 1e6
    return plain, with_input


def airspeed_render(renders: int) -> float:
    output = subprocess.run(
        [sys.executable, "-c", AIRSPEED_ALONE, TEMPLATE, json.dumps(ITEMS), str(renders)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return float(output.stdout)


def throughput(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "backend_app.py").write_text(BACKEND)
        backend_port, gateway_port = free_port(), free_port()
        backend = subprocess.Popen(
            [*pinned(0), sys.executable, "-m", "uvicorn", "backend_app:app", "--http", "httptools",
             "--log-level", "warning", "--no-access-log", "--port", str(backend_port)],
            cwd=tmp, env={**os.environ, "PYTHONPATH": tmp}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        spec = folder / "api.yaml"
        spec.write_text(SPEC.format(backend=f"http://127.0.0.1:{backend_port}"))
        gateway = subprocess.Popen(
            [*pinned(1), sys.executable, "-m", "apigw_cli", "serve", str(spec), "--port", str(gateway_port)],
            cwd=REPO, env={**os.environ, "NO_COLOR": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_ready(backend_port)
            wait_ready(gateway_port)
            results = {}
            for name in ("plain", "mapped"):
                load(gateway_port, [get_request(f"/{name}?page=2")], 1, args.connections)  # warm-up
                results[name] = load(gateway_port, [get_request(f"/{name}?page=2")], args.duration, args.connections)
            return results
        finally:
            for process in (gateway, backend):
                process.terminate()
                process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    theirs = airspeed_render(args.renders)
    plain, with_input = ours_render(args.renders)
    served = throughput(args)
    rows = [
        ("render, 50-item #foreach, airspeed-ext alone", f"{theirs:.0f} µs"),
        ("render, the same template, ours", f"{plain:.0f} µs (ratio to airspeed-ext {plain / theirs:.2f})"),
        ("render, the same over $input.path of a 4 KB body", f"{with_input:.0f} µs"),
    ]
    labels = (("plain", "http_proxy route, no mapping"), ("mapped", "http route, request + response template"))
    for name, label in labels:
        found = served[name]
        rows.append(
            (label, f"{found['rps']:.0f} req/s (p50 {found['p50']:.2f} ms, p99 {found['p99']:.2f} ms, "
                    f"non-2xx {found['non_2xx']:.0f})")
        )  # fmt: skip
    rows.append(("mapped / unmapped throughput", f"{served['mapped']['rps'] / served['plain']['rps']:.2f}"))
    shown = f"{args.renders} renders, {args.duration:g} s per route, {args.connections} connections"
    print(f"{shown}, {os.cpu_count()} cores\n")
    print("| measurement | result |\n|---|---|")
    for label, value in rows:
        print(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
