"""Replay results in bounded memory, however long the recording: counts and latency histograms
per route, and the details of the first mismatches only."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apigw_cli.record.diff import Difference

KEEP_DETAILS = 1000  # mismatches and errors whose differences are kept for the report
_FLOOR_MS = 0.001
_STEP = math.log(1.01)  # buckets 1% apart: percentiles within 1%


class LatencyHistogram:
    """Latencies in log-spaced buckets, so p50/p99 need no list of every sample."""

    def __init__(self) -> None:
        self._buckets: dict[int, int] = {}
        self.count = 0

    def add(self, ms: float) -> None:
        index = int(math.log(max(ms, _FLOOR_MS) / _FLOOR_MS) / _STEP)
        self._buckets[index] = self._buckets.get(index, 0) + 1
        self.count += 1

    def percentile(self, share: float) -> float | None:
        """The nearest-rank percentile (share 0.5 is p50), as the middle of its bucket."""
        if not self.count:
            return None
        rank = max(1, math.ceil(share * self.count))
        seen = 0
        for index in sorted(self._buckets):
            seen += self._buckets[index]
            if seen >= rank:
                return round(_FLOOR_MS * math.exp((index + 0.5) * _STEP), 3)
        return None  # unreachable: the buckets add up to count


@dataclass(frozen=True)
class Outcome:
    line: int
    route: str
    differences: tuple[Difference, ...] = ()
    recorded_ms: float | None = None
    now_ms: float | None = None
    error: str | None = None
    schema_problem: str | None = None  # --check-schema: how the response breaks the spec

    @property
    def matched(self) -> bool:
        return not self.differences and self.error is None and self.schema_problem is None


@dataclass
class Tally:
    sent: int = 0
    matched: int = 0
    mismatched: int = 0
    errors: int = 0
    off_spec: int = 0
    recorded: LatencyHistogram = field(default_factory=LatencyHistogram)
    now: LatencyHistogram = field(default_factory=LatencyHistogram)

    def add(self, outcome: Outcome) -> None:
        self.sent += 1
        if outcome.error is not None:
            self.errors += 1
        elif outcome.matched:
            self.matched += 1
        else:
            self.mismatched += 1
        if outcome.schema_problem is not None:
            self.off_spec += 1
        if outcome.recorded_ms is not None:
            self.recorded.add(outcome.recorded_ms)
        if outcome.now_ms is not None:
            self.now.add(outcome.now_ms)

    def figures(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "matched": self.matched,
            "mismatched": self.mismatched,
            "errors": self.errors,
            "offSpec": self.off_spec,
            "latencyMs": {
                "recorded": {"p50": self.recorded.percentile(0.5), "p99": self.recorded.percentile(0.99)},
                "now": {"p50": self.now.percentile(0.5), "p99": self.now.percentile(0.99)},
            },
        }


@dataclass
class ReplayResults:
    total: Tally = field(default_factory=Tally)
    routes: dict[str, Tally] = field(default_factory=dict)
    details: list[Outcome] = field(default_factory=list)  # the first KEEP_DETAILS that did not match
    details_dropped: int = 0
    seconds: float = 0.0

    def add(self, outcome: Outcome) -> None:
        self.total.add(outcome)
        tally = self.routes.get(outcome.route)
        if tally is None:
            tally = self.routes[outcome.route] = Tally()
        tally.add(outcome)
        if not outcome.matched:
            if len(self.details) < KEEP_DETAILS:
                self.details.append(outcome)
            else:
                self.details_dropped += 1

    @property
    def failed(self) -> bool:
        return self.total.mismatched > 0 or self.total.errors > 0

    def sorted_details(self) -> list[Outcome]:
        return sorted(self.details, key=lambda outcome: outcome.line)
