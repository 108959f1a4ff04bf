"""The performance issue's table, each row with apigw and its reference side by side from one run:
the http proxy (GET, validated POST, against a bare aiohttp passthrough and Prism's validating
proxy, p50 at 250 req/s: ../shared/bench/proxy_peers.sh through bench/proxy_vs_prism.sh), the
python handler against a starlette route calling it in the thread pool (bench/gateway_bench.py),
and start-up (bench/startup_bench.py: lint against Redocly CLI, invoke against `python -c pass`).

Usage: python bench/perf_table.py [--proxy-md FILE] [--rounds 2] [--duration 8]
       --proxy-md reads the proxy rows from a finished proxy_vs_prism.sh run (its RESULTS_MD)
       instead of running it (~7 minutes). Needs what those scripts need (nginx, wrk, node for Prism
       and Redocly). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"


def proxy_rows(markdown: str) -> dict[str, list[str]]:
    """case -> its cells, from the peer benchmark's table."""
    rows: dict[str, list[str]] = {}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) > 8 and cells[0] in ("apigw_serve", "py-aiohttp", "prism-proxy"):
            rows[cells[0]] = cells
    missing = {"apigw_serve", "py-aiohttp", "prism-proxy"} - set(rows)
    if missing:
        raise SystemExit(f"the proxy table has no row for {', '.join(sorted(missing))}")
    return rows


def number(cell: str, index: int = 0) -> float:
    """The index-th number of a cell ('1,523 ±1%' -> 1523; '657 / 788', 1 -> 788)."""
    found = re.findall(r"[\d,]+(?:\.\d+)?", cell)
    return float(found[index].replace(",", ""))


def run_proxy(rounds: int, duration: int) -> str:
    with tempfile.NamedTemporaryFile("r", suffix=".md") as out:
        env = {**os.environ, "RESULTS_MD": out.name, "ROUNDS": str(rounds), "DURATION": str(duration)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run(["bash", str(BENCH / "proxy_vs_prism.sh")], check=True, env=env, stdout=subprocess.DEVNULL)
        return Path(out.name).read_text(encoding="utf-8")


def handler_row() -> tuple[float, float]:
    """apigw's and the direct route's req/s for the python handler's GET (gateway_bench's servers)."""
    sys.path.insert(0, str(BENCH))
    import gateway_bench

    args = argparse.Namespace(duration=5.0, connections=16)
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp:
        env = {**os.environ, "APIGW_USERS_DB": str(Path(tmp) / "users.db"), "NO_COLOR": "1"}
        ours = gateway_bench.measure_apigw(env, args)
        direct = gateway_bench.measure_direct(env, Path(tmp), args)
    return ours["GET"]["rps"], direct["GET"]["rps"]


def startup_rows() -> str:
    out = subprocess.run(
        [sys.executable, str(BENCH / "startup_bench.py"), "--rounds", "10"], check=True, capture_output=True, text=True
    ).stdout
    return "\n".join(line for line in out.splitlines() if line.startswith(("| `apigw lint", "| `apigw invoke")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxy-md", type=Path, help="a finished proxy_vs_prism.sh table (RESULTS_MD)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=8)
    args = parser.parse_args()
    markdown = args.proxy_md.read_text(encoding="utf-8") if args.proxy_md else run_proxy(args.rounds, args.duration)
    rows = proxy_rows(markdown)
    ours, bare, prism = rows["apigw_serve"], rows["py-aiohttp"], rows["prism-proxy"]
    print("| path | apigw | reference in the same run | ratio | goal |\n|---|---:|---:|---:|---:|")
    for label, column, index in (("http proxy GET, validation on", 1, 0), ("validated POST", 2, 1)):
        a, b = number(ours[column]), number(bare[column])
        cpu_a, cpu_b = number(ours[7], index), number(bare[7], index)
        print(
            f"| {label} | {a:,.0f} req/s, {cpu_a:.0f} µs of server CPU a request | bare aiohttp passthrough "
            f"{b:,.0f} req/s, {cpu_b:.0f} µs | {a / b:.2f}x | >= 0.9x |"
        )
    get_x, post_x = number(ours[1]) / number(prism[1]), number(ours[2]) / number(prism[2])
    print(f"| the same against Prism's validating proxy | GET {get_x:.2f}x, POST {post_x:.2f}x | | | >= 2x both |")
    p50_a, p50_b = number(ours[3]), number(bare[3])
    print(f"| p50 at 250 req/s, GET | {p50_a:.2f} ms | bare aiohttp {p50_b:.2f} ms | {p50_a / p50_b:.2f}x | <= 1.1x |")
    handler, direct = handler_row()
    print(
        f"| python handler, reload and access log on | {handler:,.0f} req/s | starlette route -> same handler "
        f"in the thread pool {direct:,.0f} | {handler / direct:.2f}x | >= 0.9x |"
    )
    print(startup_rows())


if __name__ == "__main__":
    main()
