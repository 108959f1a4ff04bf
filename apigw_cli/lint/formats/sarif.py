"""SARIF 2.1.0, as GitHub code scanning loads it: one run, the rules that fired, one result per finding."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from apigw_cli import __version__
from apigw_cli.lint.findings import Severity, SpecReport

if TYPE_CHECKING:
    from collections.abc import Sequence

_LEVELS = {Severity.ERROR: "error", Severity.WARN: "warning", Severity.INFO: "note"}
SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def render(reports: Sequence[SpecReport], color: bool) -> str:
    from apigw_cli.lint.rules import all_rules

    rules = all_rules()
    fired = sorted({f.rule for report in reports for f in report.findings})
    index = {rule_id: position for position, rule_id in enumerate(fired)}
    results = []
    for report in reports:
        for f in report.findings:
            region = {"startLine": f.line, "startColumn": f.col or 1} if f.line else {"startLine": 1}
            results.append(
                {
                    "ruleId": f.rule,
                    "ruleIndex": index[f.rule],
                    "level": _LEVELS[f.severity],
                    "message": {"text": f.message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": f.file.as_posix()},
                                "region": region,
                            },
                            "logicalLocations": [{"fullyQualifiedName": f.json_pointer or "/"}],
                        }
                    ],
                }
            )
    invocations = [
        {
            "executionSuccessful": not any(report.unusable for report in reports),
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": f"{report.spec}: {report.unusable}"}}
                for report in reports
                if report.unusable
            ],
        }
    ]
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "apigw",
                        "version": __version__,
                        "rules": [
                            {
                                "id": rule_id,
                                "shortDescription": {"text": rules[rule_id].description},
                                "defaultConfiguration": {"level": _LEVELS[rules[rule_id].severity]},
                            }
                            for rule_id in fired
                        ],
                    }
                },
                "invocations": invocations,
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
