"""Freeing a parsed spec a piece at a time once the snapshot is compiled.

Dropping a 13 MB document in one go frees ~1.5 million objects in one uninterrupted C cascade
(~10-20 ms), during which a server reloading on another thread cannot answer. Here the top levels
are emptied one member at a time, so each step frees at most one path item or schema. A container
something else still holds (the snapshot may keep parts of the document) is left as it is."""

from __future__ import annotations

import sys
from typing import Any

from apigw_cli.give_way import give_way
from apigw_cli.spec.document import SpecDocument

_DEPTH = 3  # the root, `paths`/`components`, and their members: below that, pieces are small
_ONLY_OURS = 2  # getrefcount(node) when the loop's `node` is the only holder (plus the argument)


def release_gradually(document: SpecDocument) -> int:
    """Empties the document; returns how many containers were taken apart (for tests)."""
    stack: list[tuple[Any, int]] = [(data, 0) for data in document.files.values()]
    document.files = {}
    document.root = {}
    document.refs = []
    taken_apart = 0
    if sys.version_info >= (3, 14):
        return 0  # 3.14 may borrow references on the stack: the count below would not prove ownership
    while stack:
        give_way()  # the previous node, rebound below, may have freed a whole schema
        node, depth = stack.pop()
        if type(node) is dict and depth < _DEPTH and sys.getrefcount(node) == _ONLY_OURS:
            taken_apart += 1
            while node:
                stack.append((node.popitem()[1], depth + 1))
    return taken_apart
