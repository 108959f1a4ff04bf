"""Compares a replayed response with the recorded one: status, chosen headers, and bodies (JSON
structurally: key order ignored, numbers by value). `ignore` holds JSON pointer globs such as
`/id`, `/items/*/etag` or `/**/created_at` (`*` is one segment, `**` any number, none included),
and header names (anything not starting with `/`)."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Difference:
    where: str  # "status", "header x", or a JSON pointer into the body
    recorded: Any
    now: Any

    def __str__(self) -> str:
        return f"{self.where}: recorded {json.dumps(self.recorded)[:200]}, now {json.dumps(self.now)[:200]}"


def compare_bodies(recorded: bytes, now: bytes, ignore: tuple[str, ...]) -> list[Difference]:
    try:
        before, after = json.loads(recorded), json.loads(now)
    except ValueError:
        if recorded == now:
            return []
        return [Difference("body", recorded.decode("utf-8", "replace")[:200], now.decode("utf-8", "replace")[:200])]
    found: list[Difference] = []
    _walk(before, after, "", ignore, found)
    return found


def header_ignored(name: str, ignore: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name.lower(), pattern.lower()) for pattern in ignore if not pattern.startswith("/"))


def _ignored(pointer: str, ignore: tuple[str, ...]) -> bool:
    return any(_pointer_pattern(pattern).fullmatch(pointer) for pattern in ignore if pattern.startswith("/"))


@lru_cache(maxsize=256)
def _pointer_pattern(glob: str) -> re.Pattern[str]:
    parts = []
    for segment in glob.split("/")[1:]:
        if segment == "**":
            parts.append("(?:/[^/]*)*")
        else:
            parts.append("/" + "[^/]*".join(re.escape(piece) for piece in segment.split("*")))
    return re.compile("".join(parts))


def _walk(before: Any, after: Any, pointer: str, ignore: tuple[str, ...], found: list[Difference]) -> None:
    if pointer and _ignored(pointer, ignore):
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            child = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in after:
                if not _ignored(child, ignore):
                    found.append(Difference(child, before[key], "(missing)"))
            elif key not in before:
                if not _ignored(child, ignore):
                    found.append(Difference(child, "(missing)", after[key]))
            else:
                _walk(before[key], after[key], child, ignore, found)
        return
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            found.append(Difference(pointer or "/", f"{len(before)} items", f"{len(after)} items"))
        for index, (a, b) in enumerate(zip(before, after, strict=False)):
            _walk(a, b, f"{pointer}/{index}", ignore, found)
        return
    same_number = isinstance(before, int | float) and isinstance(after, int | float) and not isinstance(before, bool)
    if (same_number and before != after) or (not same_number and (before != after or type(before) is not type(after))):
        found.append(Difference(pointer or "/", before, after))
