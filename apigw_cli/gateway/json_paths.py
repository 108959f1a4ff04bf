"""JSONPath as the managed gateway evaluates it (Jayway's JsonPath, for `$input.path`, `$input.json`
and `$request.body.x` mappings): a definite path (`$.a.b`, `$.items[0]`) gives its one value, or
nothing; an indefinite one (`$..id`, `$.items[*]`, a filter) gives the list of what it matched.
Paths are compiled once (python-jsonpath) and cached."""

from __future__ import annotations

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


def evaluate(path: str, document: Any) -> Any:
    """The value(s) `path` picks in `document`; `NOTHING` when a definite path matches nothing.
    ValueError for a path that is not JSONPath."""
    import jsonpath

    try:
        compiled = _compiled(path if path.startswith("$") else "$." + path)
    except jsonpath.JSONPathError as exc:
        raise ValueError(f"JSONPath {path!r}: {exc}") from None
    found = compiled.findall(document)
    if compiled.singular_query():
        return found[0] if found else NOTHING
    return found
