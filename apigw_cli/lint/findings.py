"""A lint finding and its severity."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Literal

from apigw_cli.spec.pointer import Pointer, format_pointer

if TYPE_CHECKING:
    from pathlib import Path

SeverityName = Literal["error", "warn", "info"]  # as --fail-on takes them


class Severity(IntEnum):
    INFO = 1
    WARN = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        names = {"info": cls.INFO, "warn": cls.WARN, "warning": cls.WARN, "error": cls.ERROR}
        try:
            return names[text.lower()]
        except KeyError:
            raise ValueError(f"severity {text!r} is not one of error, warn, info") from None

    @property
    def label(self) -> str:
        return {Severity.INFO: "info", Severity.WARN: "warn", Severity.ERROR: "error"}[self]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    file: Path
    pointer: Pointer
    line: int | None = None
    col: int | None = None

    @property
    def json_pointer(self) -> str:
        return format_pointer(self.pointer)


@dataclass(frozen=True)
class SpecReport:
    """The findings of one spec, or why it could not be linted at all (`unusable`)."""

    spec: Path
    findings: tuple[Finding, ...]
    unusable: str | None = None
