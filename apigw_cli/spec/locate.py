"""Find the line and column of one node, given its file and JSON pointer (for error messages)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.spec.positions import locate_all

if TYPE_CHECKING:
    from pathlib import Path

    from apigw_cli.spec.pointer import Pointer


def locate(path: Path, pointer: Pointer) -> tuple[int, int] | None:
    """1-based (line, column) of the deepest node on `pointer` that exists, or None."""
    return locate_all(path, [pointer]).get(pointer)
