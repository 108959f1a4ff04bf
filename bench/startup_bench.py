"""Start-up: whole-process wall time of `apigw --help`, `apigw lint` on a 3 KB spec beside Redocly
CLI on the same file, and `apigw invoke /users` beside `python -c pass`; then where the time goes
(`python -X importtime`: the heaviest modules each command imports). Prints markdown tables.

Usage: python bench/startup_bench.py [--rounds 10] [--redocly /tmp/peers/node_modules/.bin/redocly]

Method: every round runs each command once, in turn, so drift on a shared machine hits all rows
alike; the table gives medians and the ratio to the row's reference from the same rounds.
apigw_cli is byte-compiled first, as `pip install` does, and PYTHONDONTWRITEBYTECODE is dropped:
with it set (as on these machines) and an editable install, every start compiles ~150 modules.
Redocly comes from ../shared/bench/lint_peers.sh's install (/tmp/peers); without it the lint row
says so. Nothing but local processes is started; no network is used.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PETSTORE = REPO / "specs" / "petstore-mock.yaml"
USERAPI = REPO / "specs" / "userapi.yaml"
QUIET_ENV = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_UPDATE_NOTIFIER": "1"}


def apigw_command() -> list[str]:
    """The console script beside this interpreter (what a user runs), else `python -m apigw_cli`."""
    script = Path(sys.executable).with_name("apigw")
    return [str(script)] if script.exists() else [sys.executable, "-m", "apigw_cli"]


def wall(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_table(command: list[str], env: dict[str, str], top: int) -> list[tuple[str, float]]:
    """The `top` heaviest modules by cumulative import time (ms), as `python -X importtime` reports them."""
    argv = [sys.executable, "-X", "importtime", "-m", "apigw_cli", *command[1:]]
    run = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    rows: list[tuple[str, float]] = []
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        if depth <= 1:  # top-level imports and their direct children: the ones a change can move
            rows.append((name.strip(), int(cumulative) / 1000))
    rows.sort(key=lambda row: -row[1])
    return rows[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--redocly", type=Path, default=Path("/tmp/peers/node_modules/.bin/redocly"))
    parser.add_argument("--top", type=int, default=8, help="modules listed per command in the import table")
    args = parser.parse_args()
    env = {**os.environ, **QUIET_ENV, "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "apigw_cli")], check=True, env=env)
    apigw = apigw_command()
    rows: dict[str, list[str]] = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "apigw --help": [*apigw, "--help"],
        "apigw lint petstore-mock.yaml": [*apigw, "lint", str(PETSTORE)],
        "apigw invoke /users": [*apigw, "invoke", "/users", "-s", str(USERAPI)],
    }
    if args.redocly.exists():
        rows["redocly lint petstore-mock.yaml"] = [str(args.redocly), "lint", "--extends", "recommended", str(PETSTORE)]
    for command in rows.values():  # warm the page cache and .pyc files
        wall(command, env)
    times: dict[str, list[float]] = {name: [] for name in rows}
    cpu: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(args.rounds):
        for name, command in rows.items():
            elapsed, used = wall(command, env)
            times[name].append(elapsed)
            cpu[name].append(used)
    median = {name: statistics.median(values) for name, values in times.items()}

    def cell(name: str) -> str:
        values = times[name]
        return f"{median[name]:.3f} s ({min(values):.3f}-{max(values):.3f}; CPU {statistics.median(cpu[name]):.3f} s)"

    print(f"{args.rounds} rounds, wall medians (min-max; median CPU seconds, user + system), {os.cpu_count()} cores,")
    print(f"{sys.executable}\n")
    print("| command | apigw | reference | ratio | goal |\n|---|---:|---:|---:|---:|")
    print(f"| `apigw --help` | {cell('apigw --help')} | python -c pass {cell('python -c pass')} | "
          f"{median['apigw --help'] / median['python -c pass']:.1f}x | |")  # fmt: skip
    if "redocly lint petstore-mock.yaml" in median:
        ratio = median["apigw lint petstore-mock.yaml"] / median["redocly lint petstore-mock.yaml"]
        print(f"| `apigw lint petstore-mock.yaml` (3.6 KB) | {cell('apigw lint petstore-mock.yaml')} | "
              f"Redocly CLI {cell('redocly lint petstore-mock.yaml')} | {ratio:.2f}x Redocly | <= 0.5x |")  # fmt: skip
    else:
        print(f"| `apigw lint petstore-mock.yaml` | {cell('apigw lint petstore-mock.yaml')} | "
              f"Redocly CLI not at {args.redocly} (../shared/bench/lint_peers.sh installs it) | | |")  # fmt: skip
    ratio = median["apigw invoke /users"] / median["python -c pass"]
    print(f"| `apigw invoke /users` (userapi.yaml) | {cell('apigw invoke /users')} | "
          f"python -c pass {cell('python -c pass')} | {ratio:.1f}x | <= 8x |")  # fmt: skip

    print("\nWhere the time goes: heaviest imports (cumulative ms, top level and their children, one run each)\n")
    for name in ("apigw --help", "apigw lint petstore-mock.yaml", "apigw invoke /users"):
        listed = ", ".join(f"{module} {ms:.0f}" for module, ms in import_table(rows[name], env, args.top))
        print(f"- `{name}`: {listed}")
    if shutil.which("taskset") is None:
        print("\n(taskset missing: processes were not pinned)")


if __name__ == "__main__":
    main()
