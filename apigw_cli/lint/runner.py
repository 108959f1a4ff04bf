"""Lint one spec: load it leniently, run every enabled rule, check that serve would compile it,
drop what config and `x-apigw-ignore` silence, and locate what is left."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from apigw_cli.errors import SpecError
from apigw_cli.lint.context import LintContext, Problem
from apigw_cli.lint.findings import Finding, Severity, SpecReport
from apigw_cli.lint.rules import all_rules
from apigw_cli.spec.document import RefProblem, display_path, load_spec
from apigw_cli.spec.positions import locate_all

if TYPE_CHECKING:
    from apigw_cli.lint.config import LintConfig
    from apigw_cli.spec.pointer import Pointer

SERVE_RULE = "serve-compile"


def lint_spec(path: Path, config: LintConfig, lambda_map: tuple[tuple[str, str], ...] = ()) -> SpecReport:
    ref_problems: list[RefProblem] = []
    try:
        document = load_spec(path, ref_problems)
    except SpecError as exc:
        return SpecReport(path, (), str(exc))
    context = LintContext(document, ref_problems, lambda_map)
    silenced = _inline_ignores(context)
    findings: list[Finding] = []
    rules = all_rules()
    ordered = [rule for rule in rules.values() if rule.id != SERVE_RULE] + [rules[SERVE_RULE]]
    for rule in ordered:
        severity = config.severity(rule.id, rule.severity, rule.style)
        if severity is None:
            continue
        if rule.id == SERVE_RULE and any(f.severity == Severity.ERROR for f in findings):
            continue  # compiling stops at the first error, which the rules above have reported
        try:
            for problem in rule.check(context):
                finding = _finding(rule.id, severity, problem, config, rule.severity)
                if not _silenced(finding, silenced) and not config.ignores(finding):
                    findings.append(finding)
        except Exception as exc:  # a rule tripping over a malformed spec must not hide the other rules
            message = (
                f"rule {rule.id} could not check this spec ({type(exc).__name__}: {exc}); "
                "other findings may explain why"
            )
            findings.append(Finding("lint-internal", Severity.WARN, message, document.root_path, ()))
    return SpecReport(path, tuple(_located(findings)))


def _finding(rule_id: str, severity: Severity, problem: Problem, config: LintConfig, default: Severity) -> Finding:
    if problem.severity is not None and rule_id not in config.severities:
        severity = problem.severity  # the rule chose another level for this case, and config says nothing
    return Finding(rule_id, severity, problem.message, problem.at.file, problem.at.pointer, problem.line, problem.col)


def _inline_ignores(context: LintContext) -> dict[Pointer, set[str]]:
    """`x-apigw-ignore: [rule-id]` on a path item or an operation silences those rules below it."""
    found: dict[Pointer, set[str]] = {}
    for op in context.operations():
        for container, at in ((op.path_item, op.path_item_at), (op.operation, op.at)):
            ignored = container.get("x-apigw-ignore")
            if isinstance(ignored, list):
                found.setdefault(at.pointer, set()).update(str(rule_id) for rule_id in ignored)
    return found


def _silenced(finding: Finding, silenced: dict[Pointer, set[str]]) -> bool:
    for length in range(len(finding.pointer), 0, -1):
        rules = silenced.get(finding.pointer[:length])
        if rules and finding.rule in rules:
            return True
    return False


def _located(findings: list[Finding]) -> list[Finding]:
    by_file: dict[Path, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.file, []).append(finding)
    out: list[Finding] = []
    for file, group in by_file.items():
        positions = locate_all(file, [f.pointer for f in group if f.line is None])
        for finding in group:
            line, col = (
                (finding.line, finding.col)
                if finding.line is not None
                else positions.get(finding.pointer, (None, None))
            )
            out.append(
                Finding(
                    finding.rule,
                    finding.severity,
                    finding.message,
                    Path(display_path(file.resolve())) if file.is_absolute() else file,
                    finding.pointer,
                    line,
                    col,
                )
            )
    out.sort(key=lambda f: (str(f.file), f.line or 0, f.col or 0, f.rule))
    return out


def lint_specs(
    paths: list[Path], config: LintConfig, lambda_map: tuple[tuple[str, str], ...], fail_on: Severity
) -> tuple[list[SpecReport], int]:
    """Lint each spec on its own; the exit code is 2 when one could not be read at all, 1 when a
    finding reaches `fail_on`, else 0."""
    reports = [lint_spec(path, config, lambda_map) for path in paths]
    if any(report.unusable is not None for report in reports):
        return reports, 2
    failing = any(f.severity >= fail_on for report in reports for f in report.findings)
    return reports, 1 if failing else 0
