"""Template values as Java shows them: the managed gateway runs Velocity on the JVM, so a map
renders `{a=1, b=2}`, a list `[1, 2]`, a boolean `true`, null (inside a collection) `null`, and
strings, maps and lists have Java's methods (`$s.toUpperCase()`, `$m.keySet()`, `$l.size()`).

A value parsed from JSON (`$input.path`, `$util.parseJson`) is a `JsonMap` / `JsonList`: a JSON
list renders as compact JSON (`[{"c":5}]`), as recorded on AWS for `$input.path` (LocalStack
#12379: `$input.path('$')` of `{"a":1,"b":[{"c":5}]}` renders `{a=1, b=[{"c":5}]}`).

Method tables map a Java name to a Python function of (self, *args); `method(value, name)` looks
one up. Only these names are callable from a template: no Python attribute of a value is.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


class TemplateObject:
    """A value a template reaches by name (`$input`, `$util`): only the names in `exposed` are
    reachable, as properties (`$input.body`) or methods (`$util.toJson(x)`)."""

    exposed: ClassVar[frozenset[str]] = frozenset()


class JsonMap(dict[str, Any]):
    """A JSON object, read as a Java map."""


class JsonList(list[Any]):
    """A JSON array: renders as compact JSON."""


def from_json(value: Any) -> Any:
    """A parsed JSON document with its objects and arrays as JsonMap / JsonList, recursively."""
    if isinstance(value, dict):
        return JsonMap((key, from_json(item)) for key, item in value.items())
    if isinstance(value, list):
        return JsonList(from_json(item) for item in value)
    return value


def to_json(value: Any) -> str:
    """Compact JSON, as the managed gateway serialises (`$input.json`, `$util.toJson`)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=java_text)


def java_text(value: Any) -> str:
    """How `$value` renders inside a template (a string renders as itself)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _double(value)
    if isinstance(value, JsonList):
        return to_json(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_text(key)}={java_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list | tuple | range):
        return "[" + ", ".join(java_text(item) for item in value) + "]"
    return str(value)


def _double(value: float) -> str:
    """Java's Double.toString: `1.0`, `0.5`, `1.0E10`, `1.2345E-5`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "e" not in text else f"{value:f}".rstrip("0")
    _sign, digits, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    assert isinstance(exponent, int)
    shown = "".join(str(digit) for digit in digits)
    mantissa = shown[0] + "." + (shown[1:] or "0")
    return ("-" if value < 0 else "") + f"{mantissa}E{len(digits) - 1 + exponent}"


@dataclass(frozen=True, slots=True)
class Entry:
    """A `Map.Entry` of `$map.entrySet()`."""

    key: Any
    value: Any

    def getKey(self) -> Any:
        return self.key

    def getValue(self) -> Any:
        return self.value

    def __str__(self) -> str:
        return f"{java_text(self.key)}={java_text(self.value)}"


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _replacement(template: str) -> Callable[[re.Match[str]], str]:
    """Java's replacement string: `$1` and `${name}` are groups, a backslash quotes the next character."""
    pieces: list[tuple[bool, str]] = []  # (is a group, literal text or group name/number)
    literal = ""
    index = 0
    while index < len(template):
        char = template[index]
        group = _GROUP_REFERENCE.match(template, index) if char == "$" else None
        if char == "\\" and index + 1 < len(template):
            literal += template[index + 1]
            index += 2
        elif group is not None:
            pieces += [(False, literal), (True, group.group(1) or group.group(2))]
            literal = ""
            index = group.end()
        else:
            literal += char
            index += 1
    pieces.append((False, literal))

    def expand(found: re.Match[str]) -> str:
        out = []
        for is_group, text in pieces:
            if is_group:
                out.append(found.group(int(text) if text.isdigit() else text) or "")
            else:
                out.append(text)
        return "".join(out)

    return expand


_GROUP_REFERENCE = re.compile(r"\$(?:\{(\w+)\}|(\d))")


def _split(text: str, pattern: str, limit: int = 0) -> list[str]:
    """Java's String.split: by a regex; a zero-width match at the start splits nothing off; with
    no limit, trailing empty strings are dropped; no match at all gives the string itself."""
    parts: list[str] = []
    start = 0
    for found in _regex(pattern).finditer(text):
        if 0 < limit <= len(parts) + 1:
            break
        if found.end() == 0:
            continue
        parts.append(text[start : found.start()])
        start = found.end()
    if not parts:
        return [text]
    parts.append(text[start:])
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def _index_of(text: str, sub: Any, start: int = 0) -> int:
    return text.find(str(sub), start)


def _substring(text: str, begin: int, end: int | None = None) -> str:
    stop = len(text) if end is None else end
    if begin < 0 or stop > len(text) or begin > stop:
        raise IndexError(f"substring({begin}, {stop}) out of range for length {len(text)}")
    return text[begin:stop]


def _char_at(text: str, index: int) -> str:
    if not 0 <= index < len(text):
        raise IndexError(f"charAt({index}) out of range for length {len(text)}")
    return text[index]


STRING_METHODS: dict[str, Callable[..., Any]] = {
    "length": lambda s: len(s),
    "isEmpty": lambda s: len(s) == 0,
    "isBlank": lambda s: not s.strip(),
    "toUpperCase": lambda s: s.upper(),
    "toLowerCase": lambda s: s.lower(),
    "trim": lambda s: s.strip(" \t\n\r\x0b\x0c\x00"),
    "strip": lambda s: s.strip(),
    "contains": lambda s, other: java_text(other) in s,
    "startsWith": lambda s, prefix, offset=0: s.startswith(java_text(prefix), offset),
    "endsWith": lambda s, suffix: s.endswith(java_text(suffix)),
    "equals": lambda s, other: isinstance(other, str) and s == other,
    "equalsIgnoreCase": lambda s, other: isinstance(other, str) and s.lower() == other.lower(),
    "indexOf": _index_of,
    "lastIndexOf": lambda s, sub: s.rfind(java_text(sub)),
    "substring": _substring,
    "charAt": _char_at,
    "concat": lambda s, other: s + java_text(other),
    "replace": lambda s, old, new: s.replace(java_text(old), java_text(new)),
    "replaceAll": lambda s, pattern, repl: _regex(pattern).sub(_replacement(repl), s),
    "replaceFirst": lambda s, pattern, repl: _regex(pattern).sub(_replacement(repl), s, count=1),
    "matches": lambda s, pattern: _regex(pattern).fullmatch(s) is not None,
    "split": _split,
    "toString": lambda s: s,
    "compareTo": lambda s, other: (s > other) - (s < other),
}


def _put(mapping: dict[Any, Any], key: Any, value: Any) -> Any:
    previous = mapping.get(key)
    mapping[key] = value
    return previous


def _put_all(mapping: dict[Any, Any], other: dict[Any, Any]) -> None:
    mapping.update(other)


def _clear(container: dict[Any, Any] | list[Any]) -> None:
    container.clear()


MAP_METHODS: dict[str, Callable[..., Any]] = {
    "size": lambda m: len(m),
    "isEmpty": lambda m: len(m) == 0,
    "get": lambda m, key: m.get(key),
    "getOrDefault": lambda m, key, default: m.get(key, default),
    "put": _put,
    "putAll": _put_all,
    "remove": lambda m, key: m.pop(key, None),
    "containsKey": lambda m, key: key in m,
    "containsValue": lambda m, value: value in m.values(),
    "keySet": lambda m: list(m.keys()),
    "values": lambda m: list(m.values()),
    "entrySet": lambda m: [Entry(key, value) for key, value in m.items()],
    "clear": _clear,
    "toString": lambda m: java_text(m),
}


def _list_get(items: list[Any], index: int) -> Any:
    if not isinstance(index, int) or not 0 <= index < len(items):
        raise IndexError(f"get({index}) out of range for size {len(items)}")
    return items[index]


def _list_add(items: list[Any], *args: Any) -> bool | None:
    if len(args) == 2:
        items.insert(args[0], args[1])
        return None
    items.append(args[0])
    return True


def _list_add_all(items: list[Any], other: Iterable[Any]) -> bool:
    before = len(items)
    items.extend(other)
    return len(items) != before


def _list_remove(items: list[Any], what: Any) -> Any:
    if isinstance(what, int) and not isinstance(what, bool):
        return items.pop(what)
    if what in items:
        items.remove(what)
        return True
    return False


def _list_set(items: list[Any], index: int, value: Any) -> Any:
    previous = _list_get(items, index)
    items[index] = value
    return previous


LIST_METHODS: dict[str, Callable[..., Any]] = {
    "size": lambda items: len(items),
    "isEmpty": lambda items: len(items) == 0,
    "get": _list_get,
    "contains": lambda items, value: value in items,
    "indexOf": lambda items, value: items.index(value) if value in items else -1,
    "add": _list_add,
    "addAll": _list_add_all,
    "remove": _list_remove,
    "set": _list_set,
    "clear": _clear,
    "subList": lambda items, start, end: items[start:end],
    "toString": lambda items: java_text(items),
}

_ENTRY_METHODS: dict[str, Callable[..., Any]] = {
    "getKey": lambda entry: entry.key,
    "getValue": lambda entry: entry.value,
    "toString": lambda entry: str(entry),
}


def methods_of(value: Any) -> dict[str, Callable[..., Any]] | None:
    """The Java method table of a string, map, list or map entry; None for anything else."""
    if isinstance(value, str):
        return STRING_METHODS
    if isinstance(value, dict):
        return MAP_METHODS
    if isinstance(value, list):
        return LIST_METHODS
    if isinstance(value, Entry):
        return _ENTRY_METHODS
    return None


def bean_property(value: Any, name: str) -> Any:
    """Velocity's `$value.name` on a string, list or entry: the getter `getName()` or `isName()`
    (so `$list.empty` is `isEmpty()`, `$entry.key` is `getKey()`); None when there is none."""
    table = methods_of(value)
    if table is None or not name:
        return None
    capital = name[0].upper() + name[1:]
    for getter in (f"get{capital}", f"is{capital}"):
        function = table.get(getter)
        if function is not None:
            return function(value)
    return None
