"""Findings grouped by file, one line each with file:line:col, severity, message and rule id.

Colours are plain ANSI codes (rich took ~35 ms of every `apigw lint` to import, for six styles)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.lint.findings import Finding, Severity, SpecReport
from apigw_cli.lint.formats.summary import counts, where

if TYPE_CHECKING:
    from collections.abc import Sequence

_CODES = {"red": "31", "yellow": "33", "blue": "34", "green": "32", "bold": "1", "dim": "2", "heading": "1;4"}
_STYLES = {Severity.ERROR: "red", Severity.WARN: "yellow", Severity.INFO: "blue"}


def render(reports: Sequence[SpecReport], color: bool) -> str:
    def styled(text: str, style: str) -> str:
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m" if color else text

    lines: list[str] = []
    for report in reports:
        if report.unusable is not None:
            lines += [styled(str(report.spec), "bold"), f"  {styled('cannot lint', 'red')}: {report.unusable}", ""]
            continue
        if not report.findings:
            continue
        by_file: dict[str, list[Finding]] = {}
        for finding in report.findings:
            by_file.setdefault(str(finding.file), []).append(finding)
        for file, findings in by_file.items():
            lines.append(styled(file, "heading"))
            for finding in findings:
                place = f"{file}:{where(finding.line, finding.col)}" if finding.line else file
                label = styled(f"{finding.severity.label:<5}", _STYLES[finding.severity])
                lines.append(f"  {place}  {label}  {finding.message}  {styled(finding.rule, 'dim')}")
            lines.append("")
    total = counts(reports)
    problems = total["errors"] + total["warnings"] + total["infos"]
    specs = len(reports)
    if problems == 0 and total["unusable"] == 0:
        lines.append(f"{styled('✓', 'green')} {specs} spec{'s' if specs != 1 else ''} linted, no problems")
    else:
        style = "red" if total["errors"] or total["unusable"] else "yellow"
        line = (
            f"{styled(f'✖ {problems} problem' + ('s' if problems != 1 else ''), style)} "
            f"({total['errors']} error{'s' if total['errors'] != 1 else ''}, "
            f"{total['warnings']} warning{'s' if total['warnings'] != 1 else ''}, {total['infos']} info) "
            f"in {specs} spec{'s' if specs != 1 else ''}"
        )
        if total["unusable"]:
            line += f"; {total['unusable']} could not be linted"
        lines.append(line)
    return "\n".join(lines) + "\n"
