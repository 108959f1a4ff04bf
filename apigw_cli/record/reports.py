"""`replay --report json|junit|markdown`: the results as a file for CI. JUnit has one test case per
route (a failure lists that route's differing exchanges), so a 100,000-exchange replay gives a
report the size of the API, not of the traffic."""

from __future__ import annotations

import json
from typing import Any, Literal, TextIO

from apigw_cli.record.tally import KEEP_DETAILS, Outcome, ReplayResults, Tally

ReportFormat = Literal["json", "junit", "markdown"]
_MARKDOWN_DETAILS = 50


def write_report(results: ReplayResults, report_format: ReportFormat, out: TextIO) -> None:
    {"json": _json, "junit": _junit, "markdown": _markdown}[report_format](results, out)


def outcome_fields(outcome: Outcome) -> dict[str, Any]:
    return {
        "line": outcome.line,
        "route": outcome.route,
        "differences": [
            {"where": d.where, "recorded": d.recorded, "now": d.now, "text": str(d)} for d in outcome.differences
        ],
        "error": outcome.error,
        "schemaProblem": outcome.schema_problem,
    }


def _json(results: ReplayResults, out: TextIO) -> None:
    document = {
        **results.total.figures(),
        "seconds": round(results.seconds, 3),
        "routes": {route: tally.figures() for route, tally in sorted(results.routes.items())},
        "mismatches": [outcome_fields(outcome) for outcome in results.sorted_details()],
        "mismatchesNotListed": results.details_dropped,
    }
    out.write(json.dumps(document, indent=2, default=str) + "\n")


def describe(outcome: Outcome) -> list[str]:
    lines = [f"line {outcome.line}  {outcome.route}"]
    if outcome.error:
        lines.append(f"  error: {outcome.error}")
    lines += [f"  {difference}" for difference in outcome.differences]
    if outcome.schema_problem:
        lines.append(f"  off spec: {outcome.schema_problem}")
    return lines


def _junit(results: ReplayResults, out: TextIO) -> None:
    by_route: dict[str, list[Outcome]] = {}
    for outcome in results.sorted_details():
        by_route.setdefault(outcome.route, []).append(outcome)
    failing = sum(1 for tally in results.routes.values() if tally.mismatched)
    erring = sum(1 for tally in results.routes.values() if tally.errors and not tally.mismatched)
    from xml.sax.saxutils import escape, quoteattr  # imports urllib.request: ~20 ms the CLI need not pay

    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        f'<testsuites name="apigw replay" tests="{len(results.routes)}" failures="{failing}" errors="{erring}" '
        f'time="{results.seconds:.3f}">\n'
    )
    out.write(
        f'  <testsuite name="apigw replay" tests="{len(results.routes)}" failures="{failing}" errors="{erring}" '
        f'time="{results.seconds:.3f}">\n'
    )
    for route, tally in sorted(results.routes.items()):
        out.write(f'    <testcase classname="apigw.replay" name={quoteattr(route)}>\n')
        details = "\n".join(line for outcome in by_route.get(route, []) for line in describe(outcome))
        summary = tally_text(tally)
        if tally.mismatched:
            out.write(f"      <failure message={quoteattr(summary)}>{escape(details)}</failure>\n")
        elif tally.errors:
            out.write(f"      <error message={quoteattr(summary)}>{escape(details)}</error>\n")
        out.write(f"      <system-out>{escape(summary)}</system-out>\n")
        out.write("    </testcase>\n")
    out.write("  </testsuite>\n</testsuites>\n")
    if results.details_dropped:
        out.write(f"<!-- {results.details_dropped} more differing exchanges past the first {KEEP_DETAILS} -->\n")


def tally_text(tally: Tally) -> str:
    return f"{tally.sent} sent, {tally.matched} matched, {tally.mismatched} mismatched, {tally.errors} errors" + (
        f", {tally.off_spec} off spec" if tally.off_spec else ""
    )


def _ms(value: object) -> str:
    return "-" if value is None else f"{value:.2f}"


def summary_rows(results: ReplayResults) -> list[list[str]]:
    """Route rows, then the total: the columns of the summary table (console and markdown)."""
    rows = []
    for route, tally in [*sorted(results.routes.items()), ("total", results.total)]:
        rows.append(
            [
                route,
                str(tally.sent),
                str(tally.matched),
                str(tally.mismatched),
                str(tally.errors),
                str(tally.off_spec),
                f"{_ms(tally.recorded.percentile(0.5))} / {_ms(tally.now.percentile(0.5))}",
                f"{_ms(tally.recorded.percentile(0.99))} / {_ms(tally.now.percentile(0.99))}",
            ]
        )
    return rows


SUMMARY_COLUMNS = ("route", "sent", "matched", "mismatched", "errors", "off spec", "p50 ms rec/now", "p99 ms rec/now")


def _markdown(results: ReplayResults, out: TextIO) -> None:
    verdict = "differences found" if results.failed else "all matched"
    out.write(f"# apigw replay: {verdict}\n\n{tally_text(results.total)} in {results.seconds:.2f} s.\n\n")
    out.write("| " + " | ".join(SUMMARY_COLUMNS) + " |\n")
    out.write("|" + "|".join(["---"] + ["---:"] * (len(SUMMARY_COLUMNS) - 1)) + "|\n")
    for row in summary_rows(results):
        out.write("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |\n")
    details = results.sorted_details()
    if details:
        out.write("\n## Differences\n\n")
        for outcome in details[:_MARKDOWN_DETAILS]:
            out.write("```\n" + "\n".join(describe(outcome)) + "\n```\n\n")
        more = len(details) - _MARKDOWN_DETAILS + results.details_dropped
        if more > 0:
            out.write(f"... and {more} more (the JSON report lists up to {KEEP_DETAILS}).\n")
