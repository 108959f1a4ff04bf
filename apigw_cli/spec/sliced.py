"""Reading a large JSON spec in slices, for a server that reloads it on another thread.

`json.loads` of a 13 MB spec is one C call of ~70 ms (and decoding the bytes another ~40 ms)
during which the serving thread cannot run. Here the bytes are decoded a chunk at a time and the
top levels of the document (the root, `paths`, `components`, `components/schemas`...) are walked
in Python, each member value parsed by `raw_decode` on its own: the longest stretch without a
GIL hand-off becomes the largest single path item or schema. The result equals `json.loads`;
anything unexpected (an error, a root that is not an object) returns None and the caller parses
the whole text the usual way, which also words the error.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any

from apigw_cli.give_way import give_way

# bytes decoded at a time: a value cut off at a chunk's end is parsed again once the next chunk is
# in, and the failed attempt (plus the error's line count) is one C call as long as the buffer
_CHUNK = 1 << 16
WALKED_DEPTH = 3  # root, root members, their members: where a spec's bulk is spread wide
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_AFTER_NUMBER = frozenset(" \t\n\r,}]")


class _Incomplete(Exception):
    """The buffer ends inside the value being read: read more and try again."""


class _Reader:
    def __init__(self, chunks: Iterator[str]):
        self._chunks = chunks
        self.buffer = ""
        self.pos = 0
        self.exhausted = False

    def more(self) -> bool:
        chunk = next(self._chunks, None)
        if chunk is None:
            self.exhausted = True
            return False
        if self.pos:  # drop what is parsed: the buffer holds the value being read and one chunk more
            self.buffer, self.pos = self.buffer[self.pos :], 0
        self.buffer += chunk
        return True

    def skip_space(self) -> None:
        while True:
            self.pos = _WHITESPACE.match(self.buffer, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buffer) or not self.more():
                return

    def peek(self) -> str:
        self.skip_space()
        return self.buffer[self.pos : self.pos + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise ValueError(f"expected {char!r}")
        self.pos += 1

    def value(self) -> Any:
        """One JSON value parsed by the C decoder, reading more while it is cut off."""
        self.skip_space()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if self.more():
                    continue
                raise
            if not self.exhausted and (end >= len(self.buffer) or self._cut_number(value, end)) and self.more():
                continue  # the value may go on in the next chunk
            self.pos = end
            return value

    def _cut_number(self, value: Any, end: int) -> bool:
        """`-0.` read as -0, `12e` as 12: a number is whole only before a delimiter."""
        return isinstance(value, int | float) and self.buffer[end] not in _AFTER_NUMBER

    def key(self) -> str:
        self.skip_space()
        if self.buffer[self.pos : self.pos + 1] != '"':
            raise ValueError("expected a key")
        while True:
            try:
                key, end = json.decoder.scanstring(self.buffer, self.pos + 1)  # type: ignore[attr-defined]
            except json.JSONDecodeError:
                if self.more():
                    continue
                raise
            self.pos = end
            return str(key)


def _chunks(data: bytes) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), _CHUNK):
        yield decoder.decode(data[start : start + _CHUNK], final=start + _CHUNK >= len(data))


def _object(reader: _Reader, depth: int) -> dict[str, Any]:
    reader.expect("{")
    result: dict[str, Any] = {}
    if reader.peek() == "}":
        reader.pos += 1
        return result
    while True:
        name = reader.key()
        reader.expect(":")
        if depth + 1 < WALKED_DEPTH and reader.peek() == "{":
            result[name] = _object(reader, depth + 1)
        else:
            give_way()
            result[name] = reader.value()
        following = reader.peek()
        reader.pos += 1
        if following == "}":
            return result
        if following != ",":
            raise ValueError("expected ',' or '}'")


def parse_json_sliced(data: bytes) -> dict[str, Any] | None:
    """The document `data` holds, parsed a member at a time; None when the slow path should decide."""
    try:
        reader = _Reader(_chunks(data))
        if reader.peek() != "{":
            return None
        document = _object(reader, 0)
        if reader.peek() != "":
            return None  # trailing text: let json.loads word the error
        return document
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
