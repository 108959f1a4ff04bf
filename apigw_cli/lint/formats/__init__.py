"""Formatters: each turns the reports of one `apigw lint` call into text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from apigw_cli.lint.findings import SpecReport

Formatter = Callable[[Sequence[SpecReport], bool], str]
LintFormat = Literal["stylish", "json", "sarif", "github", "junit"]


def formatter(name: LintFormat) -> Formatter:
    from apigw_cli.lint.formats import github, json_format, junit, sarif, stylish

    formatters: dict[LintFormat, Formatter] = {
        "stylish": stylish.render,
        "json": json_format.render,
        "sarif": sarif.render,
        "github": github.render,
        "junit": junit.render,
    }
    return formatters[name]
