"""The vocabulary every reader of a spec shares (the compiler, lint, the router): HTTP methods, the
operations of `paths` and their parameters, `{name}` templates, and the keywords under which a
schema holds other schemas.

The walkers take `problem`: called with a message and a place for what does not have the shape
OpenAPI asks (the compiler raises there, lint skips it, as its schema rule reports it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from apigw_cli.errors import SpecError
from apigw_cli.spec.document import Location, SpecDocument

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANY_METHOD_KEY = "x-amazon-apigateway-any-method"  # the managed gateway's ANY route
ANY = "ANY"
DEFAULT_ROUTE = "$default"  # an HTTP API's catch-all route, as a path key: matched when nothing else is
# `{name}` in a path template, a server URL or an integration URL; `{name+}` is greedy
TEMPLATE_PARAMETER = re.compile(r"\{([^{}]+)\}")
PARAMETER_LOCATIONS = ("path", "query", "header", "cookie")

# where a schema holds other schemas: name -> schema maps, one schema, lists of schemas
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SCHEMA_VALUES = (
    "items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema",
)  # fmt: skip
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")

Problem = Callable[[str, Location], None]


def template_parameters(template: str) -> set[str]:
    """The parameter names a template uses (`{proxy+}` is `proxy`)."""
    return {name.rstrip("+") for name in TEMPLATE_PARAMETER.findall(template)}


def greedy_parameters(template: str) -> frozenset[str]:
    """The names of a template's greedy parameters (`{proxy+}`), which match across slashes."""
    return frozenset(name[:-1] for name in TEMPLATE_PARAMETER.findall(template) if name.endswith("+"))


@dataclass(frozen=True)
class OperationSite:
    """One operation of `paths`, where it stands, and the path item it belongs to."""

    template: str
    method: str  # upper-case, or ANY
    operation: dict[str, Any]
    at: Location
    path_item: dict[str, Any]
    path_item_at: Location

    @property
    def route(self) -> str:
        return f"{self.method} {self.template}"


def raise_problem(document: SpecDocument) -> Problem:
    """A `problem` callback that stops at the first one, as a SpecError at its line."""

    def fail(message: str, at: Location) -> None:
        raise document.error(message, at)

    return fail


def skip_problem(message: str, at: Location) -> None:
    """A `problem` callback that passes over what is malformed."""


def path_items(document: SpecDocument, problem: Problem) -> Iterator[tuple[str, dict[str, Any], Location]]:
    """(template, path item, where it stands) for each entry of `paths`, `$ref`s followed."""
    paths_at = document.root_location.child("paths")
    paths = document.root.get("paths") or {}
    if not isinstance(paths, dict):
        problem("'paths' must be a mapping of path templates to path items", paths_at)
        return
    for template, raw_item in paths.items():
        at = paths_at.child(template)
        if not str(template).startswith("/") and template != DEFAULT_ROUTE:
            problem(f"path {template!r} must start with '/'", at)
            continue
        found = _resolved(document, raw_item, at, problem)
        if found is None:
            continue
        item, item_at = found
        if not isinstance(item, dict):
            problem(f"path item {template!r} must be a mapping", item_at)
            continue
        yield str(template), item, item_at


def operations_of(template: str, item: dict[str, Any], item_at: Location, problem: Problem) -> Iterator[OperationSite]:
    for key in (*HTTP_METHODS, ANY_METHOD_KEY):
        if key not in item:
            continue
        method = ANY if key == ANY_METHOD_KEY else key.upper()
        operation = item[key]
        if not isinstance(operation, dict):
            problem(f"operation {method} {template} must be a mapping", item_at.child(key))
            continue
        yield OperationSite(template, method, operation, item_at.child(key), item, item_at)


def operations(document: SpecDocument, problem: Problem = skip_problem) -> Iterator[OperationSite]:
    """Every operation of the spec, in the order the spec lists them."""
    for template, item, item_at in path_items(document, problem):
        yield from operations_of(template, item, item_at, problem)


def parameters_of(
    document: SpecDocument, container: dict[str, Any], at: Location, problem: Problem = skip_problem
) -> dict[tuple[str, str], tuple[dict[str, Any], Location]]:
    """A path item's or an operation's parameters by (name, in), `$ref`s followed."""
    raw = container.get("parameters")
    if raw is None:
        return {}
    if not isinstance(raw, list):
        problem("'parameters' must be a list", at.child("parameters"))
        return {}
    found: dict[tuple[str, str], tuple[dict[str, Any], Location]] = {}
    for index, entry in enumerate(raw):
        resolved = _resolved(document, entry, at.child("parameters", index), problem)
        if resolved is None:
            continue
        parameter, where = resolved
        if not isinstance(parameter, dict) or "name" not in parameter or "in" not in parameter:
            problem("a parameter needs 'name' and 'in'", where)
            continue
        found[(str(parameter["name"]), str(parameter["in"]))] = (parameter, where)
    return found


def operation_parameters(
    document: SpecDocument, site: OperationSite, problem: Problem = skip_problem
) -> dict[tuple[str, str], tuple[dict[str, Any], Location]]:
    """The operation's parameters over its path item's (the operation's win)."""
    return {
        **parameters_of(document, site.path_item, site.path_item_at, problem),
        **parameters_of(document, site.operation, site.at, problem),
    }


def _resolved(document: SpecDocument, value: Any, at: Location, problem: Problem) -> tuple[Any, Location] | None:
    """`value` with its `$ref`s followed; None (and the problem said) for a cycle or, in a leniently
    loaded spec, a reference to nothing."""
    try:
        return document.resolve(value, at)
    except SpecError as exc:
        problem(exc.message, at)
    except (KeyError, IndexError, ValueError):
        problem(f"$ref {value.get('$ref')!r} points nowhere", at)
    return None


def security_schemes(document: SpecDocument) -> dict[str, Any]:
    """The declared security schemes by name (`securityDefinitions` in Swagger 2.0)."""
    if document.dialect == "2.0":
        schemes = document.root.get("securityDefinitions")
    else:
        components = document.root.get("components")
        schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    return schemes if isinstance(schemes, dict) else {}


def security_of(document: SpecDocument, operation: dict[str, Any]) -> Any:
    """The security requirements in force for an operation: its own, else the document's."""
    return operation.get("security", document.root.get("security"))
