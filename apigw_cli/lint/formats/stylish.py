"""Findings grouped by file, one line each with file:line:col, severity, message and rule id."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from apigw_cli.lint.findings import Finding, Severity, SpecReport
from apigw_cli.lint.formats.summary import counts, where

if TYPE_CHECKING:
    from collections.abc import Sequence

_STYLES = {Severity.ERROR: "red", Severity.WARN: "yellow", Severity.INFO: "blue"}


def render(reports: Sequence[SpecReport], color: bool) -> str:
    from rich.console import Console
    from rich.markup import escape

    buffer = io.StringIO()
    console = Console(
        file=buffer, no_color=not color, force_terminal=color, width=None if color else 10_000, highlight=False
    )
    for report in reports:
        if report.unusable is not None:
            console.print(f"[bold]{escape(str(report.spec))}[/]")
            console.print(f"  [red]cannot lint[/]: {escape(report.unusable)}")
            console.print()
            continue
        if not report.findings:
            continue
        by_file: dict[str, list[Finding]] = {}
        for finding in report.findings:
            by_file.setdefault(str(finding.file), []).append(finding)
        for file, findings in by_file.items():
            console.print(f"[bold underline]{escape(file)}[/]")
            for finding in findings:
                place = f"{file}:{where(finding.line, finding.col)}" if finding.line else file
                style = _STYLES[finding.severity]
                console.print(
                    f"  {escape(place)}  [{style}]{finding.severity.label:<5}[/]  {escape(finding.message)}  "
                    f"[dim]{finding.rule}[/]"
                )
            console.print()
    total = counts(reports)
    problems = total["errors"] + total["warnings"] + total["infos"]
    specs = len(reports)
    if problems == 0 and total["unusable"] == 0:
        console.print(f"[green]✓[/] {specs} spec{'s' if specs != 1 else ''} linted, no problems")
    else:
        style = "red" if total["errors"] or total["unusable"] else "yellow"
        line = (
            f"[{style}]✖ {problems} problem{'s' if problems != 1 else ''}[/] "
            f"({total['errors']} error{'s' if total['errors'] != 1 else ''}, "
            f"{total['warnings']} warning{'s' if total['warnings'] != 1 else ''}, {total['infos']} info) "
            f"in {specs} spec{'s' if specs != 1 else ''}"
        )
        if total["unusable"]:
            line += f"; {total['unusable']} could not be linted"
        console.print(line)
    return buffer.getvalue()
