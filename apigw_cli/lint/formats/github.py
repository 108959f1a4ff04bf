"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.lint.findings import Severity, SpecReport

if TYPE_CHECKING:
    from collections.abc import Sequence

_LEVELS = {Severity.ERROR: "error", Severity.WARN: "warning", Severity.INFO: "notice"}


def _escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render(reports: Sequence[SpecReport], color: bool) -> str:
    lines = []
    for report in reports:
        if report.unusable is not None:
            lines.append(f"::error file={_escape(str(report.spec), True)},title=apigw lint::{_escape(report.unusable)}")
        for f in report.findings:
            props = [f"file={_escape(str(f.file), True)}"]
            if f.line is not None:
                props.append(f"line={f.line}")
            if f.col is not None:
                props.append(f"col={f.col}")
            props.append(f"title={_escape(f.rule, True)}")
            lines.append(f"::{_LEVELS[f.severity]} {','.join(props)}::{_escape(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
