"""The lint rules, one function each, in four modules: structure (OpenAPI itself), parity (the
rules Spectral's and Redocly's rulesets have that apigw adopts), gateway (x-integration and
apigw's other extensions) and aws (x-amazon-apigateway-*). A new rule is a
function with `@rule(id, severity, description)` in one of them."""

from __future__ import annotations

from apigw_cli.lint.registry import RULES, Rule


def all_rules() -> dict[str, Rule]:
    # importing the rule modules registers them
    from apigw_cli.lint.rules import aws, gateway, parity, structure  # noqa: F401

    return RULES
