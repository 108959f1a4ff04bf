"""The clock policies read time from: the system's, or one a test moves by hand; and times of day
as text, formatted once a second."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to: deterministic tests of rates and quota periods."""

    def __init__(self, start: float = 1_700_000_000.0):
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


class SecondText:
    """Epoch seconds as text in a strftime `format` (UTC or local time), formatted once a second:
    strftime costs ~2 µs, and requests come many a second."""

    def __init__(self, format: str, utc: bool):
        self._format = format
        self._convert = time.gmtime if utc else time.localtime
        self._second = -1
        self._text = ""

    def __call__(self, epoch: float) -> str:
        second = int(epoch)
        if second != self._second:
            self._second, self._text = second, time.strftime(self._format, self._convert(second))
        return self._text


# CLF time (dd/MMM/yyyy:HH:mm:ss +0000): `$context.requestTime`, Lambda events, the JSON access log
clf_time = SecondText("%d/%b/%Y:%H:%M:%S +0000", utc=True)
