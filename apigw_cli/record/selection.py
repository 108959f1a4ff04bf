"""`replay --filter`: which recorded exchanges to send. Each filter is `key=value[,value...]`
(values of one key are alternatives; several filters must all hold): `method=GET,POST`,
`route=/users/*` (the operation's path template, or the path when the input has none),
`path=/users/1*`, `status=2xx`, `status=404`, `status=400-499`."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from apigw_cli.errors import ConfigError

Test = Callable[[dict[str, Any]], bool]
KEYS = ("method", "route", "path", "status")


@dataclass(frozen=True)
class ExchangeFilter:
    tests: tuple[Test, ...] = ()

    def __call__(self, record: dict[str, Any]) -> bool:
        return all(test(record) for test in self.tests)

    def select(self, records: Iterable[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, dict[str, Any]]]:
        return (item for item in records if self(item[1]))


def parse_filters(expressions: Iterable[str]) -> ExchangeFilter:
    return ExchangeFilter(tuple(_parse_one(expression) for expression in expressions))


def _parse_one(expression: str) -> Test:
    key, sep, raw = expression.partition("=")
    key = key.strip().lower()
    values = [value.strip() for value in raw.split(",") if value.strip()]
    if not sep or key not in KEYS or not values:
        raise ConfigError(
            f"--filter {expression!r}: expected KEY=VALUE[,VALUE] with KEY one of {', '.join(KEYS)} "
            "(e.g. method=GET, route=/users/*, status=2xx)"
        )
    if key == "method":
        methods = frozenset(value.upper() for value in values)
        return lambda record: str(record["request"].get("method", "")).upper() in methods
    if key == "status":
        ranges = [_status_range(expression, value) for value in values]
        return lambda record: _status_in(record, ranges)
    if key == "path":
        return lambda record: any(fnmatch.fnmatchcase(str(record["request"].get("path", "")), v) for v in values)
    return lambda record: any(fnmatch.fnmatchcase(route_template(record), value) for value in values)


def route_template(record: dict[str, Any]) -> str:
    """The path template of the recorded route ("GET /users/{id}" gives /users/{id}), else the path."""
    route = record.get("route")
    if isinstance(route, str) and " " in route:
        return route.split(" ", 1)[1]
    return str(record["request"].get("path", ""))


def _status_range(expression: str, value: str) -> tuple[int, int]:
    lowered = value.lower()
    if len(lowered) == 3 and lowered[0].isdigit() and lowered[1:] == "xx":
        return int(lowered[0]) * 100, int(lowered[0]) * 100 + 99
    low, dash, high = lowered.partition("-")
    if low.isdigit() and (not dash or high.isdigit()):
        return int(low), int(high if dash else low)
    raise ConfigError(f"--filter {expression!r}: {value!r} is not a status, a class such as 2xx, or a range 400-499")


def _status_in(record: dict[str, Any], ranges: list[tuple[int, int]]) -> bool:
    status = (record.get("response") or {}).get("status")
    return isinstance(status, int) and any(low <= status <= high for low, high in ranges)
