"""What a rule sees: the loaded document and ways to walk it (operations, schemas, refs)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from apigw_cli.errors import SpecError
from apigw_cli.lint.findings import Severity
from apigw_cli.spec.document import Location, RefProblem, SpecDocument

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANY_METHOD_KEY = "x-amazon-apigateway-any-method"
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_VALUES = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def as_map(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else empty: rules walk documents that may be malformed
    (oas-schema reports how), and must not fail on them."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Problem:
    """What a rule reports: a message at a location (severity: the rule's, unless given)."""

    message: str
    at: Location
    severity: Severity | None = None
    line: int | None = None  # when the problem was located already (a SpecError from compiling)
    col: int | None = None


@dataclass(frozen=True)
class OperationRef:
    template: str
    method: str  # upper-case, or ANY
    operation: dict[str, Any]
    at: Location
    path_item: dict[str, Any]
    path_item_at: Location

    @property
    def route(self) -> str:
        return f"{self.method} {self.template}"


class LintContext:
    def __init__(self, document: SpecDocument, ref_problems: list[RefProblem], lambda_map: tuple[tuple[str, str], ...]):
        self.document = document
        self.root = document.root
        self.dialect = document.dialect
        self.ref_problems = ref_problems
        self.lambda_map = lambda_map
        self._operations: list[OperationRef] | None = None

    def at(self, *tokens: str | int) -> Location:
        return self.document.root_location.child(*tokens)

    def resolve(self, value: Any, at: Location) -> tuple[Any, Location]:
        """Follow `$ref`s; a ref that points nowhere or loops (reported by ref-unresolved and
        serve-compile) yields None."""
        try:
            return self.document.resolve(value, at)
        except (KeyError, IndexError, ValueError, SpecError):
            return None, at

    def operations(self) -> list[OperationRef]:
        if self._operations is None:
            found = []
            paths = self.root.get("paths")
            if isinstance(paths, dict):
                for template, raw_item in paths.items():
                    item, item_at = self.resolve(raw_item, self.at("paths", template))
                    if not isinstance(item, dict):
                        continue
                    for key in (*HTTP_METHODS, ANY_METHOD_KEY):
                        operation = item.get(key)
                        if isinstance(operation, dict):
                            method = "ANY" if key == ANY_METHOD_KEY else key.upper()
                            found.append(
                                OperationRef(str(template), method, operation, item_at.child(key), item, item_at)
                            )
            self._operations = found
        return self._operations

    def parameters(self, op: OperationRef) -> list[tuple[dict[str, Any], Location]]:
        """The operation's parameters with its path item's, resolved (the operation's win)."""
        merged: dict[tuple[str, str], tuple[dict[str, Any], Location]] = {}
        for container, at in ((op.path_item, op.path_item_at), (op.operation, op.at)):
            for index, entry in enumerate(container.get("parameters") or []):
                parameter, where = self.resolve(entry, at.child("parameters", index))
                if isinstance(parameter, dict) and "name" in parameter and "in" in parameter:
                    merged[(str(parameter["name"]), str(parameter["in"]))] = (parameter, where)
        return list(merged.values())

    def component_schemas(self) -> Iterator[tuple[str, Any, Location]]:
        if self.dialect == "2.0":
            schemas, at = self.root.get("definitions"), self.at("definitions")
        else:
            components = self.root.get("components")
            schemas = components.get("schemas") if isinstance(components, dict) else None
            at = self.at("components", "schemas")
        if isinstance(schemas, dict):
            for name, schema in schemas.items():
                yield str(name), schema, at.child(name)

    def walk_schema(self, schema: Any, at: Location) -> Iterator[tuple[dict[str, Any], Location]]:
        """Every schema object inside `schema` (itself included), not following `$ref`s."""
        stack = [(schema, at)]
        while stack:
            node, where = stack.pop()
            if not isinstance(node, dict):
                continue
            yield node, where
            for key in _SCHEMA_MAPS:
                value = node.get(key)
                if isinstance(value, dict):
                    stack.extend((child, where.child(key, name)) for name, child in value.items())
            for key in _SCHEMA_VALUES:
                value = node.get(key)
                if isinstance(value, dict):
                    stack.append((value, where.child(key)))
            for key in _SCHEMA_LISTS:
                value = node.get(key)
                if isinstance(value, list):
                    stack.extend((child, where.child(key, index)) for index, child in enumerate(value))
