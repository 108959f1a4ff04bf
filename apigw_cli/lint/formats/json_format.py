"""Machine-readable findings, stable across releases (documented in docs/lint.md):

{"version": 1, "summary": {"errors", "warnings", "infos", "unusable"},
 "specs": [{"spec", "unusable", "findings": [{"rule", "severity", "message", "file", "line",
                                              "column", "pointer"}]}]}
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from apigw_cli.lint.formats.summary import counts

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.lint.findings import SpecReport


def render(reports: Sequence[SpecReport], color: bool) -> str:
    payload = {
        "version": 1,
        "summary": counts(reports),
        "specs": [
            {
                "spec": str(report.spec),
                "unusable": report.unusable,
                "findings": [
                    {
                        "rule": f.rule,
                        "severity": f.severity.label,
                        "message": f.message,
                        "file": str(f.file),
                        "line": f.line,
                        "column": f.col,
                        "pointer": f.json_pointer,
                    }
                    for f in report.findings
                ],
            }
            for report in reports
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
