"""Policies compiled from the spec: throttles, quotas, usage plans and API keys."""

from __future__ import annotations

import calendar
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Period = Literal["DAY", "WEEK", "MONTH"]
DEFAULT_RATE = 10_000.0  # requests a second, the managed gateway's account default
DEFAULT_BURST = 5_000


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
        return start.strftime("%Y%m%d"), end.timestamp()

    def __str__(self) -> str:
        return f"{self.limit}/{self.period.lower()}"


@dataclass(frozen=True, slots=True)
class UsagePlan:
    name: str
    throttle: Throttle | None
    quota: Quota | None


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    value: str
    plan: UsagePlan | None


@dataclass(frozen=True, slots=True)
class ApiKeys:
    keys: tuple[ApiKey, ...]
    header: str  # lower-case header the key is read from: x-api-key, or authorization

    def find(self, presented: str | None) -> ApiKey | None:
        """The key `presented` is, compared in constant time against every key."""
        if not presented:
            return None
        found = None
        for key in self.keys:
            if hmac.compare_digest(key.value.encode(), presented.encode()):
                found = key
        return found


DEFAULT_CACHE_TTL = 300  # seconds, as the managed gateway
MAX_CACHE_TTL = 3600
MAX_CACHED_BYTES = 1024 * 1024  # larger responses are not cached


@dataclass(frozen=True, slots=True)
class CachePolicy:
    ttl: int
    keys: tuple[str, ...]  # request parts in the key: query.NAME, header.NAME
    # as the managed gateway's requireAuthorizationForCacheControl: only authenticated callers
    # (API key, JWT or authorizer) may skip the cache with Cache-Control: max-age=0
    authorized_refresh_only: bool = False

    def __str__(self) -> str:
        return f"{self.ttl}s" + (f" by {', '.join(self.keys)}" if self.keys else "")
