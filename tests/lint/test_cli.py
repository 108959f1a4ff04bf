"""`apigw lint` as CI meets it: each output format, exit codes 0/1/2, colour, config, ignores."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from typer.testing import CliRunner

from apigw_cli.cli import app
from tests.helpers import SPECS, write

runner = CliRunner()

BROKEN = """
openapi: 3.0.3
info: {title: t, version: "1"}
x-integration: {type: mock}
paths:
  /a:
    get:
      operationId: one
      responses: {'200': {$ref: "#/components/responses/Gone"}}
  /b:
    get:
      operationId: one
      responses: {'200': {description: ok}}
components:
  schemas:
    Unused: {type: string}
"""


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    return write(tmp_path, "broken.yaml", BROKEN)


def lint(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["lint", *args])
    return result.exit_code, result.output


def test_clean_spec_exits_0() -> None:
    code, output = lint(str(SPECS / "userapi.yaml"))
    assert code == 0
    assert "1 spec linted, no problems" in output


def test_findings_exit_1_grouped_by_file_with_positions(broken: Path) -> None:
    code, output = lint(str(broken))
    assert code == 1
    assert f"{broken}:8:27" in output
    assert "ref-unresolved" in output and "operation-id-unique" in output and "unused-component" in output
    assert "✖ 3 problems (2 errors, 1 warning, 0 info) in 1 spec" in output
    assert "\x1b[" not in output  # not a terminal: no colour


def test_fail_on_threshold(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        BROKEN.replace(
            "operationId: one\n      responses: {'200': {$ref", "operationId: two\n      responses: {'200': {$ref"
        ).replace('{$ref: "#/components/responses/Gone"}', "{description: ok}"),
    )
    assert lint(str(spec))[0] == 0  # only the unused component, a warning
    assert lint(str(spec), "--fail-on", "warn")[0] == 1


def test_unusable_input_exits_2_and_does_not_hide_other_specs(tmp_path: Path, broken: Path) -> None:
    missing = tmp_path / "missing.yaml"
    not_yaml = write(tmp_path, "bad.yaml", "openapi: [\n")
    not_openapi = write(tmp_path, "other.yaml", "hello: world\n")
    code, output = lint(str(missing), str(not_yaml), str(not_openapi), str(broken))
    assert code == 2
    assert "missing.yaml: file not found" in output
    assert "bad.yaml:2:1: invalid YAML" in output or "bad.yaml:" in output
    assert "no 'openapi' or 'swagger' version key" in output
    assert "operation-id-unique" in output  # the good spec's findings are still there


def test_json_format_is_stable(broken: Path) -> None:
    code, output = lint(str(broken), "--format", "json")
    payload = json.loads(output)
    assert code == 1
    assert payload["version"] == 1
    assert payload["summary"] == {"errors": 2, "warnings": 1, "infos": 0, "unusable": 0}
    finding = payload["specs"][0]["findings"][0]
    assert set(finding) == {"rule", "severity", "message", "file", "line", "column", "pointer"}
    assert finding["pointer"].startswith("/")


def test_sarif_output(tmp_path: Path, broken: Path) -> None:
    out = tmp_path / "lint.sarif"
    code, _ = lint(str(broken), "--format", "sarif", "-o", str(out))
    assert code == 1
    log = json.loads(out.read_text())
    schema = json.loads((Path(__file__).parent.parent / "fixtures" / "sarif-2.1.0-rtm.5.json").read_text())
    errors = [error.message for error in jsonschema.Draft4Validator(schema).iter_errors(log)]
    assert errors == []
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    run = log["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert run["tool"]["driver"]["name"] == "apigw"
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert result["message"]["text"]


def test_github_annotations(broken: Path) -> None:
    _, output = lint(str(broken), "--format", "github")
    lines = output.strip().splitlines()
    assert len(lines) == 3
    assert (
        lines[0].startswith("::error file=") and ",line=8,col=27," in lines[0] and "title=ref-unresolved::" in lines[0]
    )
    assert any(line.startswith("::warning ") for line in lines)


def test_junit_parses_as_xml(broken: Path) -> None:
    _, output = lint(str(broken), "--format", "junit")
    root = ElementTree.fromstring(output)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "3" and suite.get("tests") == "3"
    clean = ElementTree.fromstring(lint(str(SPECS / "userapi.yaml"), "--format", "junit")[1])
    assert clean.get("failures") == "0" and clean.get("tests") == "1"


def test_no_color_is_honoured(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from apigw_cli.lint.config import LintConfig
    from apigw_cli.lint.formats import formatter
    from apigw_cli.lint.runner import lint_spec

    report = lint_spec(broken, LintConfig())
    assert "\x1b[" in formatter("stylish")([report], True)
    assert "\x1b[" not in formatter("stylish")([report], False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in lint(str(broken))[1]


def test_config_file_turns_rules_off_and_changes_severity(tmp_path: Path, broken: Path) -> None:
    config = write(tmp_path, "lint.yaml", "lint:\n  rules:\n    unused-component: off\n    operation-id-unique: warn\n")
    code, output = lint(str(broken), "--config", str(config), "--format", "json")
    findings = json.loads(output)["specs"][0]["findings"]
    assert {(f["rule"], f["severity"]) for f in findings} == {
        ("ref-unresolved", "error"),
        ("operation-id-unique", "warn"),
    }
    assert code == 1


def test_config_from_pyproject_and_ignored_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "broken.yaml", BROKEN)
    write(tmp_path, "pyproject.toml", '[tool.apigw.lint]\nignore = ["/b"]\nrules = {unused-component = "off"}\n')
    monkeypatch.chdir(tmp_path)
    findings = json.loads(lint("broken.yaml", "--format", "json")[1])["specs"][0]["findings"]
    # unused-component is off; the duplicate operationId is reported on /b, an ignored path
    assert [f["rule"] for f in findings] == ["ref-unresolved"]


def test_bad_config_exits_2(tmp_path: Path, broken: Path) -> None:
    config = write(tmp_path, "lint.yaml", "lint:\n  rules:\n    no-such-rule: off\n")
    code, output = lint(str(broken), "--config", str(config))
    assert code == 2 and "unknown rule 'no-such-rule'" in output


def test_inline_ignore_on_an_operation(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        BROKEN.replace("  /b:\n    get:\n", "  /b:\n    get:\n      x-apigw-ignore: [operation-id-unique]\n"),
    )
    rules = [f["rule"] for f in json.loads(lint(str(spec), "--format", "json")[1])["specs"][0]["findings"]]
    assert "operation-id-unique" not in rules and "ref-unresolved" in rules


def test_list_rules_and_schema() -> None:
    code, output = lint("--list-rules")
    assert code == 0 and "oas-schema" in output and "aws-vtl" in output
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert set(schema["$defs"]) == {"x-integration", "x-gateway", "x-throttle", "x-cache"}


def test_every_rule_is_documented() -> None:
    from apigw_cli.lint.rules import all_rules

    docs = (Path(__file__).parent.parent.parent / "docs" / "lint.md").read_text()
    missing = [rule_id for rule_id in all_rules() if f"| `{rule_id}` |" not in docs]
    assert missing == []
