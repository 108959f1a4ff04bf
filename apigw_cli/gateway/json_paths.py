"""JSONPath as the managed gateway evaluates it (Jayway's JsonPath, for `$input.path`, `$input.json`
and `$request.body.x` mappings): a definite path (`$.a.b`, `$.items[0]`) gives its one value, or
nothing; an indefinite one (`$..id`, `$.items[*]`, a filter) gives the list of what it matched.
Paths are compiled once (python-jsonpath) and cached."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


class Nothing:
    """What a definite path that matches nothing evaluates to (unlike null, which it may match)."""

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING = Nothing()


@lru_cache(maxsize=1024)
def _compiled(path: str) -> Any:
    import jsonpath

    return jsonpath.compile(path)


_SIMPLE = re.compile(r"^\$((?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\]|\['[^'\\]*'\])*)$")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\['([^'\\]*)'\]")


@lru_cache(maxsize=1024)
def _steps(path: str) -> tuple[str | int, ...] | None:
    """The keys of a plain definite path (`$`, `$.a.b`, `$.items[0]`, `$['a b']`), walked without
    the JSONPath engine (most templates use only these); None for anything else."""
    found = _SIMPLE.match(path)
    if found is None:
        return None
    return tuple(
        name if name else (int(index) if index else quoted) for name, index, quoted in _STEP.findall(found.group(1))
    )


def evaluate(path: str, document: Any) -> Any:
    """The value(s) `path` picks in `document`; `NOTHING` when a definite path matches nothing.
    ValueError for a path that is not JSONPath."""
    steps = _steps(path if path.startswith("$") else "$." + path)
    if steps is not None:
        value = document
        for step in steps:
            if isinstance(step, int):
                if not isinstance(value, list) or step >= len(value):
                    return NOTHING
            elif not isinstance(value, dict) or step not in value:
                return NOTHING
            value = value[step]
        return value
    import jsonpath

    try:
        compiled = _compiled(path if path.startswith("$") else "$." + path)
    except jsonpath.JSONPathError as exc:
        raise ValueError(f"JSONPath {path!r}: {exc}") from None
    found = compiled.findall(document)
    if compiled.singular_query():
        return found[0] if found else NOTHING
    return found
