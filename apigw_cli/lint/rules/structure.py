"""Rules about the OpenAPI document itself."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.validation.schema import Direction
from apigw_cli.lint.context import LintContext, Problem, as_map
from apigw_cli.lint.findings import Severity
from apigw_cli.lint.registry import rule
from apigw_cli.lint.schema_errors import schema_findings
from apigw_cli.spec.document import Location
from apigw_cli.spec.walk import TEMPLATE_PARAMETER, template_parameters

if TYPE_CHECKING:
    from collections.abc import Iterator

_MAX_SCHEMA_FINDINGS = 25
_COMPONENT_KINDS = ("schemas", "parameters", "responses", "requestBodies", "headers", "examples", "links", "callbacks")


@cache
def _meta_validator(dialect: str) -> Any:
    import jsonschema_rs

    folder = {"2.0": "v2.0", "3.0": "v3.0", "3.1": "v3.1"}[dialect]
    # the official schemas ship with openapi-spec-validator; find them without importing it (0.35 s)
    found = importlib.util.find_spec("openapi_spec_validator")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("openapi-spec-validator (installed with openapi-core) is missing")
    schema_file = Path(next(iter(found.submodule_search_locations))) / "resources" / "schemas" / folder / "schema.json"
    return jsonschema_rs.validator_for(json.loads(schema_file.read_text(encoding="utf-8")))


def _short(message: str, limit: int = 240) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


@rule(
    "oas-schema", Severity.ERROR, "The document is valid against the official OpenAPI 3.0 / 3.1 / Swagger 2.0 schema."
)
def oas_schema(ctx: LintContext) -> Iterator[Problem]:
    validator = _meta_validator(ctx.dialect)
    if validator.is_valid(ctx.root):
        return
    for finding in schema_findings(validator, ctx.root, _MAX_SCHEMA_FINDINGS):
        yield Problem(_short(finding.message), ctx.at(*finding.path))


@rule("ref-unresolved", Severity.ERROR, "Every $ref points to something, in this file or another.")
def ref_unresolved(ctx: LintContext) -> Iterator[Problem]:
    for problem in ctx.ref_problems:
        yield Problem(problem.message, problem.at)


@rule("ref-siblings", Severity.WARN, "OpenAPI 3.0 ignores keys beside a $ref: move them into the target or use allOf.")
def ref_siblings(ctx: LintContext) -> Iterator[Problem]:
    if ctx.dialect == "3.1":
        return
    for _, at in ctx.document.refs:
        container = ctx.document.node(Location(at.file, at.pointer[:-1]))
        if not isinstance(container, dict):
            continue
        ignored = sorted(key for key in container if key != "$ref" and not key.startswith("x-"))
        if ignored:
            yield Problem(
                f"{', '.join(ignored)} beside $ref {'is' if len(ignored) == 1 else 'are'} ignored in OpenAPI "
                f"{ctx.dialect}: wrap the $ref in allOf to add to it",
                at,
            )


@rule("operation-id-unique", Severity.ERROR, "No two operations share an operationId.")
def operation_id_unique(ctx: LintContext) -> Iterator[Problem]:
    first: dict[str, str] = {}
    for op in ctx.operations():
        operation_id = op.operation.get("operationId")
        if not isinstance(operation_id, str):
            continue
        if operation_id in first:
            yield Problem(
                f"operationId {operation_id!r} is also used by {first[operation_id]}: make it unique",
                op.at.child("operationId"),
            )
        else:
            first[operation_id] = op.route


@rule("path-params", Severity.ERROR, "Path template parameters and declared path parameters match one to one.")
def path_params(ctx: LintContext) -> Iterator[Problem]:
    for op in ctx.operations():
        in_template = template_parameters(op.template)
        declared = {str(p["name"]): where for p, where in ctx.parameters(op) if p.get("in") == "path"}
        for name in sorted(in_template - declared.keys()):
            yield Problem(
                f"{op.route}: path parameter {{{name}}} is not declared: add a parameter with in: path, name: {name}",
                op.at,
            )
        for name in sorted(declared.keys() - in_template):
            yield Problem(
                f"{op.route}: path parameter {name!r} is declared but not in the path template", declared[name]
            )


@rule("path-collision", Severity.ERROR, "No two paths are the same once parameter names are ignored.")
def path_collision(ctx: LintContext) -> Iterator[Problem]:
    paths = ctx.root.get("paths")
    if not isinstance(paths, dict):
        return
    methods: dict[str, set[str]] = {}
    for op in ctx.operations():
        methods.setdefault(op.template, set()).add(op.method)
    seen: dict[str, str] = {}
    for template in paths:
        shape = (
            TEMPLATE_PARAMETER.sub(lambda m: "{+}" if m.group(1).endswith("+") else "{}", str(template)).rstrip("/")
            or "/"
        )
        if shape not in seen:
            seen[shape] = str(template)
            continue
        other = seen[shape]
        shared = methods.get(str(template), set()) & methods.get(other, set())
        if shared:
            yield Problem(
                f"path {template} collides with {other} for {', '.join(sorted(shared))}: "
                "a request cannot tell them apart",
                ctx.at("paths", template),
            )
        else:
            yield Problem(
                f"path {template} has the shape of {other} with other parameter names: "
                "name the parameter the same in both",
                ctx.at("paths", template),
                Severity.WARN,
            )


@rule("required-properties", Severity.WARN, "Names listed in `required` are defined in `properties`.")
def required_properties(ctx: LintContext) -> Iterator[Problem]:
    for _, schema, at in ctx.component_schemas():
        for node, where in ctx.walk_schema(schema, at):
            required = node.get("required")
            properties = node.get("properties")
            if not isinstance(required, list) or not isinstance(properties, dict):
                continue
            if any(key in node for key in ("allOf", "anyOf", "oneOf", "additionalProperties", "patternProperties")):
                continue  # the property may come from elsewhere
            for name in required:
                if name not in properties:
                    yield Problem(
                        f"required property {name!r} is not in properties: add it or drop it from required",
                        where.child("required"),
                    )


@rule("security-defined", Severity.ERROR, "Security requirements name declared security schemes.")
def security_defined(ctx: LintContext) -> Iterator[Problem]:
    if ctx.dialect == "2.0":
        schemes = ctx.root.get("securityDefinitions") or {}
    else:
        components = ctx.root.get("components") or {}
        schemes = components.get("securitySchemes") or {} if isinstance(components, dict) else {}
    requirements: list[tuple[Any, Location]] = [(ctx.root.get("security"), ctx.at("security"))]
    requirements += [(op.operation.get("security"), op.at.child("security")) for op in ctx.operations()]
    for security, at in requirements:
        if not isinstance(security, list):
            continue
        for index, requirement in enumerate(security):
            if not isinstance(requirement, dict):
                continue
            for name in requirement:
                if name not in schemes:
                    known = ", ".join(schemes) or "none"
                    yield Problem(
                        f"security scheme {name!r} is not declared (declared: {known})", at.child(index, name)
                    )


@rule("unused-component", Severity.WARN, "Every component is referenced somewhere.")
def unused_component(ctx: LintContext) -> Iterator[Problem]:
    root_file = ctx.document.root_path
    used: set[tuple[str, ...]] = set()
    for ref, at in [*ctx.document.refs, *ctx.document.extension_refs]:
        try:
            target = ctx.document.ref_target(ref, at)
        except ValueError:
            continue
        if target.file == root_file:
            used.add(target.pointer[:2])
            used.add(target.pointer[:3])
    places: list[tuple[tuple[str, ...], Any]]
    if ctx.dialect == "2.0":
        places = [
            (("definitions",), ctx.root.get("definitions")),
            (("parameters",), ctx.root.get("parameters")),
            (("responses",), ctx.root.get("responses")),
        ]
    else:
        components = ctx.root.get("components") or {}
        places = (
            [(("components", kind), components.get(kind)) for kind in _COMPONENT_KINDS]
            if isinstance(components, dict)
            else []
        )
    for prefix, declared in places:
        if not isinstance(declared, dict):
            continue
        for name in declared:
            key = (*prefix, str(name))
            if key not in used:
                yield Problem(f"{'/'.join(prefix)}/{name} is never referenced: remove it or use it", ctx.at(*key))


@rule(
    "example-valid",
    Severity.ERROR,
    "Examples validate against their schema: of media types, parameters and headers (example, examples, "
    "Swagger 2.0's x-example and response examples), and a schema's own example and default.",
)
def example_valid(ctx: LintContext) -> Iterator[Problem]:
    from apigw_cli.gateway.validation.schema import SchemaCompiler

    compiler = SchemaCompiler(ctx.document)
    for schema, schema_at, direction, examples in _examples(ctx):
        try:
            validator = compiler.compile(schema, schema_at, direction)
        except Exception:
            continue  # an invalid schema is oas-schema's finding
        for value, where, what in examples:
            errors = validator.errors(value)
            if errors:
                first = errors[0]
                place = f" at {first.path}" if first.path not in ("", "/") else ""
                yield Problem(f"{what} does not match its schema{place}: {_short(first.error, 160)}", where)


ExampleSet = tuple[Any, Location, Direction, list[tuple[Any, Location, str]]]


def _examples(ctx: LintContext) -> Iterator[ExampleSet]:
    """(schema, where it is, direction, [(example, where it is, what it is)]) for every example."""
    for media, at, direction in media_objects(ctx):
        schema = media.get("schema")
        if schema is None:
            continue
        found: list[tuple[Any, Location, str]] = []
        if "example" in media:
            found.append((media["example"], at.child("example"), "example"))
        if "x-example" in media:
            found.append((media["x-example"], at.child("x-example"), "x-example"))
        examples = media.get("examples")
        if isinstance(examples, dict):
            for name, entry in examples.items():
                example, where = ctx.resolve(entry, at.child("examples", name))
                if ctx.dialect == "2.0" and "in" not in media:  # a 2.0 response: examples by media type
                    found.append((example, at.child("examples", name), f"example for {name}"))
                elif isinstance(example, dict) and "value" in example:
                    found.append((example["value"], where.child("value"), f"example {name}"))
        if found:
            yield schema, at.child("schema"), direction, found
    yield from _schema_examples(ctx)


def _schema_examples(ctx: LintContext) -> Iterator[ExampleSet]:
    """A schema's own `example` (3.1: each of `examples`) and `default`, against that schema."""
    for node, where, direction in all_schemas(ctx):
        found: list[tuple[Any, Location, str]] = []
        if "example" in node:
            found.append((node["example"], where.child("example"), "schema example"))
        if ctx.dialect == "3.1" and isinstance(node.get("examples"), list):
            found += [(value, where.child("examples", i), "schema example") for i, value in enumerate(node["examples"])]
        if "default" in node:
            found.append((node["default"], where.child("default"), "default"))
        if found:
            yield node, where, direction, found


def all_schemas(ctx: LintContext) -> list[tuple[dict[str, Any], Location, Direction]]:
    """Every schema object of the document once (components and inline ones), walked once for
    every rule that looks at schemas."""

    def build() -> list[tuple[dict[str, Any], Location, Direction]]:
        seen: set[Location] = set()
        found = []
        for root, root_at, direction in schema_roots(ctx):
            for node, where in ctx.walk_schema(root, root_at):
                if where not in seen:
                    seen.add(where)
                    found.append((node, where, direction))
        return found

    result: list[tuple[dict[str, Any], Location, Direction]] = ctx.shared("all-schemas", build)
    return result


def schema_roots(ctx: LintContext) -> Iterator[tuple[Any, Location, Direction]]:
    for _, schema, at in ctx.component_schemas():
        yield schema, at, "response"
    for media, at, direction in media_objects(ctx):
        schema = media.get("schema")
        if isinstance(schema, dict) and "$ref" not in schema:
            yield schema, at.child("schema"), direction


def media_objects(ctx: LintContext) -> Iterator[tuple[dict[str, Any], Location, Direction]]:
    """Whatever holds a schema with its examples: media types (a 2.0 response and body parameter
    are their own), parameters and headers."""
    for op in ctx.operations():
        if ctx.dialect != "2.0":
            body, body_at = ctx.resolve(op.operation.get("requestBody"), op.at.child("requestBody"))
            if isinstance(body, dict):
                for media_type, media in as_map(body.get("content")).items():
                    if isinstance(media, dict):
                        yield media, body_at.child("content", media_type), "request"
        for code, entry in as_map(op.operation.get("responses")).items():
            response, where = ctx.resolve(entry, op.at.child("responses", code))
            if not isinstance(response, dict):
                continue
            if ctx.dialect == "2.0":
                if "schema" in response:
                    yield response, where, "response"
            else:
                for media_type, media in as_map(response.get("content")).items():
                    if isinstance(media, dict):
                        yield media, where.child("content", media_type), "response"
            for name, header in as_map(response.get("headers")).items():
                header, header_at = ctx.resolve(header, where.child("headers", name))
                if isinstance(header, dict) and "schema" in header:
                    yield header, header_at, "response"
        for parameter, where in ctx.parameters(op):
            if "schema" in parameter:
                yield parameter, where, "request"
            elif ctx.dialect == "2.0" and "type" in parameter and "x-example" in parameter:
                # a 2.0 non-body parameter is its own schema
                schema = {k: v for k, v in parameter.items() if k in _PARAMETER_SCHEMA_KEYS}
                yield {"schema": schema, "x-example": parameter["x-example"]}, where, "request"


_PARAMETER_SCHEMA_KEYS = frozenset(
    {"type", "format", "items", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
     "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "multipleOf"}
)  # fmt: skip
