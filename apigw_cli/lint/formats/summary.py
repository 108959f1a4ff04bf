"""Counts over findings, shared by the formatters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.lint.findings import Severity, SpecReport

if TYPE_CHECKING:
    from collections.abc import Sequence


def counts(reports: Sequence[SpecReport]) -> dict[str, int]:
    findings = [finding for report in reports for finding in report.findings]
    return {
        "errors": sum(1 for f in findings if f.severity == Severity.ERROR),
        "warnings": sum(1 for f in findings if f.severity == Severity.WARN),
        "infos": sum(1 for f in findings if f.severity == Severity.INFO),
        "unusable": sum(1 for report in reports if report.unusable is not None),
    }


def where(line: int | None, col: int | None) -> str:
    if line is None:
        return ""
    return f"{line}:{col}" if col is not None else str(line)
