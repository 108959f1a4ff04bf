"""Fuzz and soak: `apigw serve specs/userapi.yaml` (its SQLite on a temp folder) takes mutated raw
requests (byte flips, truncations, random methods, paths and headers, oversized heads) over
127.0.0.1 sockets, then a steady mixed load for a while. Prints one markdown table: crashes (the
server process gone: must be 0), 5xx answers (the UserAPI declares none: must be 0), the answers by
class, and the server's RSS and open file descriptors before and after each phase.

Usage: python bench/fuzz_bench.py [--requests 100000] [--soak 60] [--concurrency 32] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_bench import REPO, free_port, pinned, wait_ready

SPEC = REPO / "specs" / "userapi.yaml"
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "G3T", "", "get"]
PATHS = ["/users", "/users/1", "/users/0", "/users/-1", "/users/abc", "/users/" + "9" * 30, "/users?limit=0",
         "/users?limit=abc&offset=-5", "/users/%00", "/users/..%2f..%2fetc", "//users", "/", "/_apigw/health",
         "/users/1?" + "a=" * 500, "/" + "x" * 3000]  # fmt: skip
BODIES = [b'{"name": "Ada", "email": "ada@example.com"}', b"null", b"[]", b"{", b'{"name": 1}', b"\xff\xfe" * 40,
          b'{"name": "' + b"x" * 5000 + b'", "email": "a@b.co"}', b"[" * 2000]  # fmt: skip


def valid_request(rng: random.Random) -> bytes:
    body = json.dumps({"name": f"U{rng.randrange(10**9)}", "email": f"u{rng.randrange(10**12)}@example.com"})
    return (
        f"POST /users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def mutated(rng: random.Random) -> tuple[bytes, bool]:
    """A request, and whether it may be cut short (the client then closes its side: no more comes)."""
    kind = rng.randrange(6)
    if kind == 0:  # byte flips in a valid request
        flipped = bytearray(valid_request(rng))
        for _ in range(rng.randrange(1, 6)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        return bytes(flipped), True  # a flipped length may leave the server waiting for more
    if kind == 1:  # truncated
        whole = valid_request(rng)
        return whole[: rng.randrange(len(whole))], True
    if kind == 2:  # random method and path
        return f"{rng.choice(METHODS)} {rng.choice(PATHS)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode(), False
    if kind == 3:  # random headers
        headers = "".join(
            f"X-{rng.randrange(10**6)}: {'v' * rng.randrange(0, 400)}\r\n" for _ in range(rng.randrange(0, 40))
        )
        return f"GET /users/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode(), False
    if kind == 4:  # odd bodies, lengths that lie
        body = rng.choice(BODIES)
        length = rng.choice([len(body), len(body) + 10, max(0, len(body) - 3), 0])
        head = (
            f"POST /users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode()
        return head + body, length > len(body)
    oversized = f"GET /users?{'q' * rng.randrange(8000, 12000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    return oversized.encode(), False


def rss_and_fds(pid: int) -> tuple[float, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


async def send(port: int, data: bytes, statuses: dict[str, int], truncated: bool = False) -> None:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    except (OSError, TimeoutError):
        statuses["connect failed"] = statuses.get("connect failed", 0) + 1
        return
    try:
        writer.write(data)
        if truncated:
            writer.write_eof()  # a request cut short ends here: the server must not wait on it forever
        head = await asyncio.wait_for(reader.readuntil(b"\r\n"), 15)
        key = f"{head[9:10].decode(errors='replace')}xx" if head.startswith(b"HTTP/1.1 ") else "no status line"
    except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, asyncio.LimitOverrunError):
        key = "closed without an answer (cut short)" if truncated else "closed without an answer"
    finally:
        writer.close()
    statuses[key] = statuses.get(key, 0) + 1


async def fuzz(port: int, count: int, concurrency: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    statuses: dict[str, int] = {}
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            data, truncated = mutated(rng)
            await send(port, data, statuses, truncated)

    await asyncio.gather(*(one() for _ in range(count)))
    return statuses


async def soak(port: int, seconds: float, concurrency: int, seed: int, writes: bool = True) -> dict[str, int]:
    rng = random.Random(seed)
    statuses: dict[str, int] = {}
    stop_at = time.monotonic() + seconds

    async def worker() -> None:
        while time.monotonic() < stop_at:
            choice = rng.randrange(3) if writes else rng.randrange(1, 3)
            if choice == 0:
                data = valid_request(rng)
            elif choice == 1:
                data = b"GET /users?limit=5 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            else:
                data = f"GET /users/{rng.randrange(1, 50)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
            await send(port, data, statuses)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--soak", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--soak-reads-only",
        action="store_true",
        help="Soak with GETs only (no user is created: the database stays the same)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "APIGW_USERS_DB": str(Path(tmp) / "users.db"), "NO_COLOR": "1"}
        server = subprocess.Popen(
            [*pinned(1), sys.executable, "-m", "apigw_cli", "serve", str(SPEC), "--port", str(port), "--no-reload"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_ready(port)
            before = rss_and_fds(server.pid)
            started = time.perf_counter()
            fuzzed = asyncio.run(fuzz(port, args.requests, args.concurrency, args.seed))
            fuzz_seconds = time.perf_counter() - started
            after_fuzz = rss_and_fds(server.pid)
            fuzz_alive = server.poll() is None
            soaked: dict[str, int] = {}
            samples = []
            for turn in range(4 if fuzz_alive else 0):  # four quarters, measured after each (load stopped)
                load = soak(port, args.soak / 4, args.concurrency, args.seed + turn, not args.soak_reads_only)
                for key, value in asyncio.run(load).items():
                    soaked[key] = soaked.get(key, 0) + value
                time.sleep(1)  # the connections close
                samples.append(rss_and_fds(server.pid))
            after_soak = samples[-1] if samples else (0.0, 0)
            crashes = 0 if server.poll() is None else 1
        finally:
            server.terminate()
            server.wait(30)
    rows = [
        ("fuzz requests", f"{args.requests:,} in {fuzz_seconds:.0f} s ({args.requests / fuzz_seconds:,.0f}/s)"),
        ("server crashes", str(crashes)),
        ("fuzz answers", ", ".join(f"{key} {value:,}" for key, value in sorted(fuzzed.items()))),
        ("5xx answers (fuzz)", f"{fuzzed.get('5xx', 0):,}"),
        ("RSS / open fds: start, after fuzz",
         f"{before[0]:.0f} MB / {before[1]} -> {after_fuzz[0]:.0f} MB / {after_fuzz[1]}"),
        ("soak answers", ", ".join(f"{key} {value:,}" for key, value in sorted(soaked.items()))),
        (f"RSS / open fds after each quarter of a {args.soak:g} s soak",
         " -> ".join(f"{rss:.0f} MB / {fds}" for rss, fds in samples)),
        ("RSS growth over the last three quarters",
         f"{(after_soak[0] / samples[0][0] - 1) * 100 if samples else 0:+.1f}%"),
    ]  # fmt: skip
    print(f"seed {args.seed}, {args.concurrency} connections at a time, {os.cpu_count()} cores\n")
    print("| measurement | result |\n|---|---|")
    for label, result in rows:
        print(f"| {label} | {result} |")


if __name__ == "__main__":
    main()
