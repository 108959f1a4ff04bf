"""`apigw lint` on the large published specs: wall time and peak memory per spec, beside the
floor of parsing the file alone (json.load / PyYAML's C loader), in one run.

Usage: python bench/lint_bench.py [--corpus ../shared/corpus/large] [--runs 3]
The side-by-side with Redocly and Spectral is ../shared/bench/lint_peers.sh (see the README).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PARSE_FLOOR = (
    "import json, sys, yaml\n"
    "p = sys.argv[1]\n"
    "text = open(p, encoding='utf-8').read()\n"
    "json.loads(text) if p.endswith('.json') else yaml.load(text, Loader=yaml.CSafeLoader)\n"
)


def measure(command: list[str], runs: int) -> tuple[float, float]:
    """Median wall seconds and median peak RSS (MB) of `command`, via GNU time when present."""
    walls: list[float] = []
    peaks: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True, cwd=REPO, timeout=600
        )
        walls.append(time.perf_counter() - started)
        last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "0"
        peaks.append(int(last) / 1024 if last.isdigit() else 0.0)
    return statistics.median(walls), statistics.median(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus" / "large")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    specs = sorted(p for p in args.corpus.glob("*") if p.suffix in (".json", ".yaml", ".yml"))
    if not specs:
        sys.exit(f"no specs in {args.corpus}")
    print(f"median of {args.runs} runs, whole process\n")
    print("| spec | size | apigw lint | peak RSS | parse floor | lint / floor |")
    print("|---|---:|---:|---:|---:|---:|")
    for spec in specs:
        lint_wall, lint_peak = measure(
            [sys.executable, "-m", "apigw_cli", "lint", str(spec), "--format", "json", "-o", "/dev/null"], args.runs
        )
        floor_wall, _ = measure([sys.executable, "-c", PARSE_FLOOR, str(spec)], args.runs)
        size = spec.stat().st_size / 1e6
        print(
            f"| {spec.name} | {size:.1f} MB | {lint_wall:.2f} s | {lint_peak:.0f} MB | {floor_wall:.2f} s "
            f"| {lint_wall / floor_wall:.1f}x |"
        )


if __name__ == "__main__":
    main()
