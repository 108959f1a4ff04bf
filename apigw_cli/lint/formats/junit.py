"""JUnit XML: one test suite per spec, one failing test case per finding (a passing one when clean)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree import ElementTree

from apigw_cli.lint.formats.summary import where

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.lint.findings import SpecReport


def render(reports: Sequence[SpecReport], color: bool) -> str:
    suites = ElementTree.Element("testsuites", name="apigw lint")
    total_tests = total_failures = 0
    for report in reports:
        suite = ElementTree.SubElement(suites, "testsuite", name=str(report.spec))
        cases = 0
        failures = 0
        if report.unusable is not None:
            case = ElementTree.SubElement(suite, "testcase", name="load", classname=str(report.spec))
            ElementTree.SubElement(case, "error", message=report.unusable, type="unusable")
            cases, failures = 1, 1
        for f in report.findings:
            name = f"{f.rule} at {f.file}:{where(f.line, f.col)}"
            case = ElementTree.SubElement(suite, "testcase", name=name, classname=str(report.spec))
            failure = ElementTree.SubElement(case, "failure", message=f.message, type=f.severity.label)
            failure.text = (
                f"{f.file}:{where(f.line, f.col)} {f.severity.label} {f.message} ({f.rule}) at {f.json_pointer}"
            )
            cases += 1
            failures += 1
        if cases == 0:
            ElementTree.SubElement(suite, "testcase", name="lint", classname=str(report.spec))
            cases = 1
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        total_tests += cases
        total_failures += failures
    suites.set("tests", str(total_tests))
    suites.set("failures", str(total_failures))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"
