"""Rules about apigw's own extensions: their shape, python handlers, http URLs, missing integrations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from apigw_cli.gateway.integrations.handlers import handler_problem
from apigw_cli.lint.context import LintContext, OperationRef, Problem
from apigw_cli.lint.findings import Severity
from apigw_cli.lint.registry import rule
from apigw_cli.spec.document import Location
from apigw_cli.spec.extensions import extension_errors
from apigw_cli.spec.walk import TEMPLATE_PARAMETER, template_parameters

if TYPE_CHECKING:
    from collections.abc import Iterator


def _extension_sites(ctx: LintContext) -> Iterator[tuple[str, Any, Location]]:
    for key in ("x-integration", "x-gateway"):
        if key in ctx.root:
            yield key, ctx.root[key], ctx.at(key)
    seen_items: set[Location] = set()
    for op in ctx.operations():
        if op.path_item_at not in seen_items and "x-integration" in op.path_item:
            seen_items.add(op.path_item_at)
            yield "x-integration", op.path_item["x-integration"], op.path_item_at.child("x-integration")
        for key in ("x-integration", "x-throttle", "x-cache"):
            if key in op.operation:
                yield key, op.operation[key], op.at.child(key)


@rule(
    "extension-schema",
    Severity.ERROR,
    "x-integration, x-gateway, x-throttle and x-cache match the schema apigw publishes (`apigw schema`).",
)
def extension_shapes(ctx: LintContext) -> Iterator[Problem]:
    for key, value, at in _extension_sites(ctx):
        for path, message in extension_errors(key, value):
            yield Problem(message, at.child(*path))


def effective_integration(ctx: LintContext, op: OperationRef) -> tuple[dict[str, Any], Location] | None:
    """The operation's x-integration merged over its path item's over the root's, as serve does."""
    from apigw_cli.gateway.compiling.integrations import inherit, located

    key = "x-integration"
    merged = inherit(
        located(op.operation, op.at, key),
        inherit(located(op.path_item, op.path_item_at, key), located(ctx.root, ctx.at(), key)),
    )
    if merged is None or not isinstance(merged[0], dict):
        return None
    return merged


@rule(
    "python-handler",
    Severity.ERROR,
    "python handlers exist: the file, and a function of that name in it (checked without running it).",
)
def python_handler(ctx: LintContext) -> Iterator[Problem]:
    folder = ctx.document.root_path.parent
    for op in ctx.operations():
        found = effective_integration(ctx, op)
        if found is None or found[0].get("type") != "python" or not isinstance(found[0].get("handler"), str):
            continue
        config, at = found
        reference = config["handler"]
        target, _, function = reference.rpartition(":")
        if not (target.endswith(".py") or "/" in target):
            continue  # package.module:function is checked by importing, which lint does not do
        problem = handler_problem(folder / target, function)
        if problem:
            yield Problem(
                f"{op.route}: handler {reference}: {problem}", at.child("handler") if "handler" in config else at
            )


@rule("http-url", Severity.ERROR, "http integration URLs are absolute and use only the path's parameters.")
def http_url(ctx: LintContext) -> Iterator[Problem]:
    for op in ctx.operations():
        found = effective_integration(ctx, op)
        if found is None or found[0].get("type") != "http":
            continue
        config, at = found
        url = config.get("url")
        if not isinstance(url, str):
            yield Problem(f"{op.route}: an http integration needs 'url: http://host:port/path'", at)
            continue
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not split.netloc:
            yield Problem(f"{op.route}: url {url!r} must be an absolute http:// or https:// URL", at.child("url"))
        declared = template_parameters(op.template)
        for name in TEMPLATE_PARAMETER.findall(url):
            if name.rstrip("+") not in declared:
                yield Problem(f"{op.route}: url uses {{{name}}} but the path has no such parameter", at.child("url"))


@rule(
    "missing-integration",
    Severity.INFO,
    "Each operation says how it is served: served as a mock otherwise (one note for a spec with no integrations "
    "at all, a warning per operation when others have one).",
)
def missing_integration(ctx: LintContext) -> Iterator[Problem]:
    operations = ctx.operations()
    without = [
        op
        for op in operations
        if effective_integration(ctx, op) is None and "x-amazon-apigateway-integration" not in op.operation
    ]
    if not without:
        return
    if len(without) == len(operations):
        yield Problem(
            f"no operation has an x-integration: serve answers all {len(operations)} as mocks "
            "(a design-first mock server); add x-integration to route them to backends",
            ctx.at("paths"),
        )
        return
    for op in without:
        yield Problem(f"{op.route} has no x-integration: serve answers it as a mock", op.at, Severity.WARN)


@rule(
    "serve-compile", Severity.ERROR, "serve would start on this spec (checked last, when no other rule found an error)."
)
def serve_compile(ctx: LintContext) -> Iterator[Problem]:
    from apigw_cli.config import Settings
    from apigw_cli.errors import SpecError
    from apigw_cli.gateway.compiling import compile_gateway

    document = ctx.document
    try:
        settings = Settings(spec=document.root_path, validate_responses="off")
        compile_gateway(document, settings, None, ctx.lambda_map, static_handlers=True)
    except SpecError as exc:
        file = Path(exc.file).resolve() if exc.file is not None else document.root_path
        yield Problem(f"serve would refuse this spec: {exc.message}", Location(file, ()), None, exc.line, exc.col)
