"""Requests go first while a reload builds a snapshot on another thread.

A build is CPU-bound Python and shares the GIL with the serving thread, so a request that arrives
mid-build runs at about half speed until the build is done. Long builds call `give_way()` between
their steps (a file, an operation, a member of a large JSON document); on a thread inside
`giving_way_to(traffic)` it waits there until no request is in flight. Anywhere else (the first
build, lint, invoke) it returns at once.

The waiting is bounded: under a load that never pauses, a build waits at most `PAUSE_CAP` per
step and `BUDGET` in all, then goes on at full speed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

BUDGET = 1.0  # seconds one build may spend waiting for requests
PAUSE_CAP = 0.01  # seconds one step waits for a pause in the traffic

_local = threading.local()


class Traffic:
    """How many requests the serving thread has in flight, across snapshots. Counted on the
    event loop's thread; a build thread waits on it for a quiet moment."""

    def __init__(self) -> None:
        self.count = 0
        self._waiting = False  # a builder waits: only then is the event touched by requests
        self._quiet = threading.Event()

    def enter(self) -> None:
        self.count += 1

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0 and self._waiting:
            self._quiet.set()

    @property
    def waited_on(self) -> bool:
        """A build is waiting for these requests to end."""
        return self._waiting

    def wait_quiet(self, timeout: float) -> None:
        # the order matters: a leave() between any two of these lines still ends the wait
        self._waiting = True
        self._quiet.clear()
        try:
            if self.count:
                self._quiet.wait(timeout)
        finally:
            self._waiting = False


class Builder:
    """One build's account of its waiting."""

    def __init__(self, traffic: Traffic, budget: float, pause_cap: float):
        self.traffic = traffic
        self.budget = budget
        self.pause_cap = pause_cap
        self.waited = 0.0
        self.pauses = 0


@contextmanager
def giving_way_to(traffic: Traffic, budget: float = BUDGET, pause_cap: float = PAUSE_CAP) -> Iterator[Builder]:
    """Within this block, `give_way()` on this thread waits for `traffic` to be quiet."""
    builder = Builder(traffic, budget, pause_cap)
    previous = getattr(_local, "builder", None)
    _local.builder = builder
    try:
        yield builder
    finally:
        _local.builder = previous


def in_build() -> bool:
    """This thread builds a snapshot while requests are being served (inside `giving_way_to`)."""
    return getattr(_local, "builder", None) is not None


def give_way() -> None:
    builder: Builder | None = getattr(_local, "builder", None)
    if builder is None or not builder.traffic.count or builder.waited >= builder.budget:
        return
    started = time.perf_counter()
    builder.traffic.wait_quiet(min(builder.pause_cap, builder.budget - builder.waited))
    builder.waited += time.perf_counter() - started
    builder.pauses += 1
