"""The rule registry: each rule is a function over a LintContext, registered with an id,
a default severity and a one-line description (the docs and `--list-rules` read them). The rule
modules register themselves when imported; `apigw_cli.lint.rules.all_rules` imports them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apigw_cli.lint.context import LintContext, Problem
    from apigw_cli.lint.findings import Severity

RuleFunction = Callable[["LintContext"], Iterator["Problem"]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str
    check: RuleFunction
    style: bool = False  # a matter of taste: on in the `all` rule set only (or when configured)


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, severity: Severity, description: str, style: bool = False
) -> Callable[[RuleFunction], RuleFunction]:
    def register(function: RuleFunction) -> RuleFunction:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, description, function, style)
        return function

    return register
