"""Reading a large YAML spec in slices, for a server that reloads it on another thread.

yaml-rs parses Stripe's 4 MB spec in ~80-100 ms and holds the GIL for stretches of up to ~25 ms:
the serving thread cannot answer meanwhile (cut as below: ~5 ms at most, the whole ~10% slower).
A block-style spec's bulk sits in the mappings of its first three levels (the root, `paths` and
`components`, each path item and each schema), and a key of those mappings starts a line at that
mapping's indentation: anything indented less ends the value before it. Here the text is cut at
those lines and each piece parsed on its own, with a `give_way()` between pieces. Whatever does
not fit that shape (a flow mapping, an anchor used in another piece, a document marker) returns
None and the caller parses the whole text the usual way, which also words any error.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from apigw_cli.give_way import give_way
from apigw_cli.spec.sliced import WALKED_DEPTH

_NESTED_KEY = re.compile(r"[^:]*:\s*(#.*)?$")  # `key:` and at most a comment: the value follows below
_MARKERS = ("---", "...", "%")
_SCAN_WINDOW = 1 << 16  # characters searched for key lines in one call
_CONTENT_LINE = re.compile(r"^( *)[^ \r\n#]", re.M)


class _Unsliceable(Exception):
    """The text has a shape this reader does not cut; the whole-text parse decides."""


@cache
def _key_lines(indent: int) -> re.Pattern[str]:
    # "\n" and the spaces first: a literal prefix the regex engine searches for fast (a `^` in
    # multi-line mode is tried at every character: ~80 ms over a 4 MB spec's three levels)
    return re.compile(rf"\n {{{indent}}}(?=[^ \r\n#])")


def _key_starts(text: str, indent: int) -> list[int]:
    """Where the lines holding this mapping's keys start, searched a window at a time: one search
    over the 3 MB between two root keys would be a single C call of several milliseconds."""
    pattern = _key_lines(indent)
    starts: list[int] = []
    position, length = 0, len(text)
    while position < length:
        window_end = min(length, position + _SCAN_WINDOW)
        found = pattern.search(text, position, min(length, window_end + indent + 2))
        if found is None or found.start() >= window_end:
            position = window_end
            give_way()
            continue
        # a `: value` line belongs to the `? long key` line above it (emitters write keys over 128
        # characters that way), a `- item` line to the key above it (a sequence may sit at its
        # key's indentation)
        if text[found.end()] not in ":-":
            starts.append(found.start() + 1)
        position = found.start() + 1
    return starts


def parse_yaml_sliced(text: str) -> dict[str, Any] | None:
    """The mapping `text` holds, parsed a piece at a time; None when the whole-text parse should decide.
    Keys are left as yaml-rs gives them (the caller turns them into strings as for a whole parse)."""
    try:
        import yaml_rs
    except ImportError:
        return None
    if text.startswith(_MARKERS) or any("\n" + marker in text for marker in _MARKERS):
        return None  # documents, directives: `in` is a fast search, a `^` pattern is not
    if text.startswith("\ufeff"):
        return None  # a byte order mark is dropped only at the start of a stream, not of a piece
    try:
        return _mapping(text, 0, 0, yaml_rs)
    except (_Unsliceable, yaml_rs.YAMLDecodeError, ValueError, RecursionError):
        return None


def _mapping(text: str, indent: int, depth: int, yaml_rs: Any) -> dict[str, Any]:
    text = "\n" + text if not text.startswith("\n") else text
    starts = _key_starts(text, indent)
    if not starts or _CONTENT_LINE.search(text, 0, starts[0]):
        raise _Unsliceable  # no key at this indentation, or content before the first one
    result: dict[str, Any] = {}
    for index, start in enumerate(starts):
        give_way()
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        piece = text[start:end]
        if piece[indent] in "[{":
            raise _Unsliceable  # a flow collection
        nested = _nested(piece, indent, depth, yaml_rs) if depth + 1 < WALKED_DEPTH else None
        if nested is None:
            parsed = _load(piece, yaml_rs)
            if not isinstance(parsed, dict) or len(parsed) != 1:
                raise _Unsliceable
            [nested] = parsed.items()
        key, value = nested
        result[key] = value  # a repeated key: the last value wins in the first place, as in a whole parse
    return result


def _load(text: str, yaml_rs: Any) -> Any:
    return yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.LastWins)


def _nested(piece: str, indent: int, depth: int, yaml_rs: Any) -> tuple[Any, dict[str, Any]] | None:
    """(key, mapping) when the piece is `key:` over a block mapping worth cutting further."""
    first_line, _, body = piece.partition("\n")
    if not _NESTED_KEY.match(first_line, indent):
        return None
    content = _CONTENT_LINE.search(body)
    if content is None or len(content.group(1)) <= indent or body[content.end() - 1] in "-?[{":
        return None  # an empty value, or a sequence or flow collection below the key
    header = _load(first_line, yaml_rs)
    if not isinstance(header, dict) or len(header) != 1 or next(iter(header.values())) is not None:
        return None
    return next(iter(header)), _mapping(body, len(content.group(1)), depth + 1, yaml_rs)
