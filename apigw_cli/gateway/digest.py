"""One digest of JSON-like spec data, whatever its key order: what tells a reload that an operation
or a bundled schema is unchanged. Stable across processes (cache keys in Redis use it)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson


def content_digest(value: Any, size: int = 16) -> bytes:
    # orjson: a seventh of json.dumps's time (21 -> 3 ms over the GitHub spec's operations)
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    except TypeError:  # an integer past 64 bits, for one
        text = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.blake2b(text, digest_size=size).digest()
