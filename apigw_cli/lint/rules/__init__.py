"""The lint rules, one function each, in three modules: structure (OpenAPI itself), gateway
(x-integration and apigw's other extensions) and aws (x-amazon-apigateway-*). A new rule is a
function with `@rule(id, severity, description)` in one of them."""

from __future__ import annotations

from apigw_cli.lint.registry import RULES, Rule


def all_rules() -> dict[str, Rule]:
    # importing the rule modules registers them
    from apigw_cli.lint.rules import aws, gateway, structure  # noqa: F401

    return RULES
