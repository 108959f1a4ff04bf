"""Rate limits as values: a token bucket's rate and burst (`Throttle`), and a number of requests a
calendar period (`Quota`). The API, routes, deployment stages and usage plans each name some."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Period = Literal["DAY", "WEEK", "MONTH"]
DEFAULT_RATE = 10_000.0  # requests a second, the managed gateway's account default
DEFAULT_BURST = 5_000
# each period's last window: (start, end, key); a request inside it reuses it (datetime arithmetic
# and strftime cost ~5 µs, once a request with a quota)
_windows: dict[Period, tuple[float, float, str]] = {}


@dataclass(frozen=True, slots=True)
class Throttle:
    rate: float  # tokens a second
    burst: int  # bucket size

    def __str__(self) -> str:
        return f"{self.rate:g}/s burst {self.burst}"


@dataclass(frozen=True, slots=True)
class Quota:
    limit: int
    period: Period

    def window(self, now: float) -> tuple[str, float]:
        """The current period's start (as a key) and its end (epoch seconds), in UTC."""
        last = _windows.get(self.period)
        if last is not None and last[0] <= now < last[1]:
            return last[2], last[1]
        moment = datetime.fromtimestamp(now, UTC)
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.period == "DAY":
            start, end = day, day + timedelta(days=1)
        elif self.period == "WEEK":
            start = day - timedelta(days=day.weekday())
            end = start + timedelta(days=7)
        else:
            start = day.replace(day=1)
            days = calendar.monthrange(start.year, start.month)[1]
            end = start + timedelta(days=days)
        _windows[self.period] = (start.timestamp(), end.timestamp(), start.strftime("%Y%m%d"))
        return _windows[self.period][2], end.timestamp()

    def __str__(self) -> str:
        return f"{self.limit}/{self.period.lower()}"
