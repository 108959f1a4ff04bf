"""Tables from a py-spy `--format raw` profile (one `frame;frame;... count` line a stack): the
functions with the most own time, and each module's share (own time, and time with the module
anywhere on the stack: the cost of a stage and what it calls).

Usage: python bench/profile_table.py /tmp/apigw-profile/stacks-get.txt [--top 25]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# the command line's frames: every serve stack starts with them
ROOTS = {"apigw_cli.__main__", "apigw_cli.cli", "apigw_cli.server"}
FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def component(file: str) -> str:
    """apigw_cli/gateway/stages/auth.py -> apigw_cli.gateway.stages.auth; site-packages/x/y.py -> x;
    else the stdlib module."""
    path = file.replace("\\", "/")
    if "apigw_cli/" in path:
        return "apigw_cli." + path.split("apigw_cli/", 1)[1].removesuffix(".py").replace("/", ".")
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    name = path.rsplit("/", 1)[-1].removesuffix(".py")
    parent = path.rsplit("/", 2)[-2] if path.count("/") >= 2 else ""
    return f"{parent}.{name}" if parent in {"asyncio", "json", "http", "email", "concurrent"} else name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    own_function: Counter[str] = Counter()
    own_module: Counter[str] = Counter()
    under_module: Counter[str] = Counter()
    deepest: Counter[str] = Counter()
    total = 0
    for line in args.stacks.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [FRAME.match(frame) for frame in stack.split(";")]
        parsed = [(m["function"], m["file"]) for m in frames if m is not None]
        if not parsed:
            continue
        total += count
        function, file = parsed[-1]
        own_function[f"{function} ({component(file)})"] += count
        own_module[component(file)] += count
        for name in {component(f) for _, f in parsed}:
            under_module[name] += count
        ours = [component(f) for _, f in parsed if component(f).startswith("apigw_cli.")]
        inner = (
            ours[-1] if ours and ours[-1] not in ROOTS else "(server and event loop: no apigw_cli frame below serve)"
        )
        deepest[inner] += count
    if not total:
        raise SystemExit(f"{args.stacks}: no samples")

    def pct(count: int) -> str:
        return f"{100 * count / total:.1f}"

    print(f"{total} samples\n\n| function (module) | own % |\n|---|---:|")
    for name, count in own_function.most_common(args.top):
        print(f"| {name} | {pct(count)} |")
    print("\n| module | own % | on the stack % |\n|---|---:|---:|")
    ranked = sorted(under_module, key=lambda name: (-own_module[name], -under_module[name]))
    for name in ranked[: args.top]:
        print(f"| {name} | {pct(own_module[name])} | {pct(under_module[name])} |")
    print("\nPer stage: each sample goes to the innermost apigw_cli module on its stack (with the library code")
    print("it calls, e.g. aiohttp under the http integration, uvicorn's send under the ASGI adapter):\n")
    print("| innermost apigw_cli module | % of samples |\n|---|---:|")
    for name, count in deepest.most_common(args.top):
        print(f"| {name} | {pct(count)} |")
    stages = sorted((n for n in under_module if n.startswith("apigw_cli.")), key=lambda n: -under_module[n])
    print("\napigw_cli modules by time on the stack (a stage with what it calls):\n")
    print("| module | on the stack % |\n|---|---:|")
    for name in stages[: args.top]:
        print(f"| {name} | {pct(under_module[name])} |")


if __name__ == "__main__":
    main()
