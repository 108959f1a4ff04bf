"""JSON pointers (RFC 6901) as tuples of tokens, with the URI-fragment escapes `$ref`s use."""

from __future__ import annotations

from urllib.parse import unquote

Pointer = tuple[str, ...]


def parse_pointer(fragment: str) -> Pointer:
    """`/components/schemas/a~1b` -> ("components", "schemas", "a/b"); "" or "/" -> the document."""
    fragment = unquote(fragment)
    if fragment in ("", "/"):
        return ()
    if not fragment.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {fragment!r}")
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in fragment[1:].split("/"))


def format_pointer(pointer: Pointer) -> str:
    return "".join("/" + token.replace("~", "~0").replace("/", "~1") for token in pointer)
