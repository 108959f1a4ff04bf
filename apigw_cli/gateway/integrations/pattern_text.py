"""The shortest string a regular expression matches, for mock values of `pattern` strings.

Walks the parsed form of Python's regex engine; returns None for constructs it cannot
satisfy (lookarounds, backreferences), and the caller then falls back to a plain string.
"""

from __future__ import annotations

import re
from re import _parser as sre_parse  # type: ignore[attr-defined]  # the engine's own parser, 3.11+
from typing import Any

_CATEGORY_CHARS = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
}


class _Unsupported(Exception):
    pass


def text_for_pattern(pattern: str) -> str | None:
    try:
        parsed = sre_parse.parse(pattern)
        text = _sequence(parsed)
    except (_Unsupported, re.error, RecursionError):
        return None
    return text if re.search(pattern, text) else None


def _sequence(items: Any) -> str:
    return "".join(_item(op, arg) for op, arg in items)


def _item(op: Any, arg: Any) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "NOT_LITERAL":
        return "a" if chr(arg) != "a" else "b"
    if name == "ANY":
        return "a"
    if name == "IN":
        return _in(arg)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, body = arg
        return _sequence(body) * max(int(low), 0)
    if name == "SUBPATTERN":
        return _sequence(arg[-1])
    if name == "ATOMIC_GROUP":
        return _sequence(arg)
    if name == "BRANCH":
        return _sequence(arg[1][0])
    if name == "AT":
        return ""
    if name == "CATEGORY":
        return _CATEGORY_CHARS.get(str(arg), "a")
    raise _Unsupported(name)


def _in(items: Any) -> str:
    negate = any(str(op) == "NEGATE" for op, _ in items)
    if negate:
        excluded = {chr(arg) for op, arg in items if str(op) == "LITERAL"}
        for candidate in "aZ0_-":
            if candidate not in excluded:
                return candidate
        raise _Unsupported("negated set")
    op, arg = items[0]
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "RANGE":
        return chr(arg[0])
    if name == "CATEGORY":
        return _CATEGORY_CHARS.get(str(arg), "a")
    raise _Unsupported(name)
