"""Reads a JSONL recording a line at a time (never whole): a line that is not JSON names its
number, except a torn last line (a killed server), which is skipped with a warning."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import orjson

from apigw_cli.errors import RecordError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

logger = logging.getLogger("apigw")


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The HTTP exchanges of a recording (its WebSocket lines are read by read_lines)."""
    for number, record in read_lines(path):
        if "websocket" not in record:
            yield number, record


def read_websocket_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The WebSocket lines of a recording (record/websocket.py)."""
    for number, record in read_lines(path):
        if "websocket" in record:
            yield number, record


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every line of a recording: HTTP exchanges and WebSocket events; the lines it had when it was
    opened (a server still recording to it, replayed against, would feed the replay its own lines)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise RecordError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        pending: tuple[int, str] | None = None
        read = 0
        for number, raw in enumerate(handle, start=1):
            if read >= size:
                break
            read += len(raw)
            line = raw.decode("utf-8", "replace")
            if pending is not None:
                yield _parse(path, *pending, last=False)
            pending = (number, line) if line.strip() else None
        if pending is not None:
            number, line = pending
            if not line.endswith("\n"):
                try:
                    yield _parse(path, number, line, last=True)
                except _Torn:
                    logger.warning("%s:%d: the last line is cut short (a stopped recorder?): skipped", path, number)
            else:
                yield _parse(path, number, line, last=False)


class _Torn(Exception):
    pass


def _parse(path: Path, number: int, line: str, last: bool) -> tuple[int, dict[str, Any]]:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if last:
            raise _Torn from None
        raise RecordError(f"{path}:{number}: not a JSON record: {exc.msg}") from None
    if not isinstance(record, dict):
        raise RecordError(f"{path}:{number}: not a JSON object")
    if isinstance(record.get("websocket"), dict):
        return number, record
    if not isinstance(record.get("request"), dict):
        raise RecordError(f"{path}:{number}: not an exchange record (no request)")
    return number, record
