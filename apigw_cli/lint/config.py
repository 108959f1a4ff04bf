"""Lint settings from `.apigw.yaml` (key `lint`) or `[tool.apigw.lint]` in pyproject.toml:

lint:
  extends: [recommended]         # recommended (the default), minimal (errors only) or all (style rules too)
  rules:
    unused-component: off        # off, info, warn or error
    example-valid: error
  ignore:
    - "/internal/*"              # API paths (they start with /)
    - "vendor/*.yaml"            # spec files
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from apigw_cli.errors import ConfigError
from apigw_cli.lint.findings import Finding, Severity

RuleSet = Literal["recommended", "minimal", "all"]
RULE_SETS: tuple[RuleSet, ...] = ("recommended", "minimal", "all")


@dataclass(frozen=True)
class LintConfig:
    severities: dict[str, Severity | None] = field(default_factory=dict)  # None: the rule is off
    ignore: tuple[str, ...] = ()
    source: Path | None = None
    ruleset: RuleSet = "recommended"

    def severity(self, rule_id: str, default: Severity, style: bool = False) -> Severity | None:
        """A configured level wins; else the rule set's: `recommended` every correctness rule at its
        level, `minimal` the errors among them, `all` style rules too."""
        if rule_id in self.severities:
            return self.severities[rule_id]
        if self.ruleset == "all":
            return default
        if style:
            return None
        if self.ruleset == "minimal" and default < Severity.ERROR:
            return None
        return default

    def ignores(self, finding: Finding) -> bool:
        for pattern in self.ignore:
            if pattern.startswith("/"):
                if (
                    len(finding.pointer) >= 2
                    and finding.pointer[0] == "paths"
                    and fnmatch.fnmatchcase(finding.pointer[1], pattern)
                ):
                    return True
            elif fnmatch.fnmatch(str(finding.file), pattern) or fnmatch.fnmatch(finding.file.name, pattern):
                return True
        return False


def find_config(explicit: Path | None, folder: Path | None = None) -> LintConfig:
    if explicit is not None:
        return _from_file(explicit)
    folder = folder or Path.cwd()
    for name in (".apigw.yaml", ".apigw.yml"):
        if (folder / name).is_file():
            return _from_file(folder / name)
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{pyproject}: {exc}") from None
        section = data.get("tool", {}).get("apigw", {}).get("lint")
        if section is not None:
            return _parse(section, pyproject)
    return LintConfig()


def _from_file(path: Path) -> LintConfig:
    from apigw_cli.spec.parse import parse_file

    if not path.is_file():
        raise ConfigError(f"lint config {path} not found")
    data = parse_file(path)
    section = data.get("lint", data) if isinstance(data, dict) else None
    return _parse(section, path)


def _parse(section: Any, source: Path) -> LintConfig:
    from apigw_cli.lint.rules import all_rules

    if not isinstance(section, dict):
        raise ConfigError(f"{source}: the lint settings must be a mapping with 'rules' and 'ignore'")
    known = all_rules()
    severities: dict[str, Severity | None] = {}
    rules = section.get("rules") or {}
    if not isinstance(rules, dict):
        raise ConfigError(f"{source}: lint.rules must map rule ids to off, info, warn or error")
    for rule_id, level in rules.items():
        if rule_id not in known:
            raise ConfigError(f"{source}: unknown rule {rule_id!r} (apigw lint --list-rules shows them)")
        text = "off" if level is False else str(level)
        try:
            severities[rule_id] = None if text == "off" else Severity.parse(text)
        except ValueError as exc:
            raise ConfigError(f"{source}: rule {rule_id}: {exc} or off") from None
    ignore = section.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(item, str) for item in ignore):
        raise ConfigError(f"{source}: lint.ignore must be a list of globs")
    extends = section.get("extends", ["recommended"])
    extends = [extends] if isinstance(extends, str) else extends
    if not isinstance(extends, list) or len(extends) != 1 or extends[0] not in RULE_SETS:
        raise ConfigError(f"{source}: lint.extends must be one of {', '.join(RULE_SETS)} (got {extends!r})")
    return LintConfig(severities, tuple(ignore), source, extends[0])
