"""JSON text from a client or backend, parsed with a bound: a document nested deeper than Python's
recursion allows (100,000 `[`) is a ValueError like any other bad JSON, answered 400, not the
RecursionError that reached the error boundary as a 500. The body size limit bounds the rest."""

from __future__ import annotations

import json
from typing import Any


class JsonTooDeep(ValueError):
    """A JSON document nested too deeply to parse."""


def loads(text: str | bytes) -> Any:
    """json.loads; JsonTooDeep (a ValueError) for a document too deep to parse."""
    try:
        return json.loads(text)
    except RecursionError:
        raise JsonTooDeep("JSON nested too deeply") from None
