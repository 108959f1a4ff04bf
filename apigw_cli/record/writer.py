"""Appends whole lines to the record file: each exchange is one os.write() on a file opened with
O_APPEND, so several workers writing at once never interleave, and a killed server loses at most
the line being written."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from pathlib import Path

    from apigw_cli.record.format import RecordLine, WebSocketLine


class RecordWriter:
    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record: RecordLine | WebSocketLine) -> None:
        os.write(self._fd, orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        os.close(self._fd)
