"""When replay sends each exchange: as fast as it can (the default, `--speed 0`), at a fixed
`--rate` per second, or on the recording's own timeline scaled by `--speed` (2 is twice as fast)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from apigw_cli.record.sources import recorded_epoch

logger = logging.getLogger("apigw")


class Pacer:
    def __init__(self, rate: float | None = None, speed: float = 0.0):
        self._rate = rate
        self._speed = speed
        self._start: float | None = None
        self._first_epoch: float | None = None
        self._untimed_warned = False

    async def wait_turn(self, index: int, record: dict[str, Any]) -> None:
        """Sleeps until exchange number `index` (from 0) is due."""
        now = time.monotonic()
        if self._start is None:
            self._start = now
        if self._rate:
            due = self._start + index / self._rate
        elif self._speed > 0:
            epoch = recorded_epoch(record)
            if epoch is None:
                if not self._untimed_warned:
                    logger.warning("--speed: some exchanges carry no time; they are sent at once")
                    self._untimed_warned = True
                return
            if self._first_epoch is None:
                self._first_epoch = epoch
            due = self._start + max(0.0, epoch - self._first_epoch) / self._speed
        else:
            return
        if due > now:
            await asyncio.sleep(due - now)
