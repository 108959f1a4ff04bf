"""What a rule sees: the loaded document and ways to walk it (operations, schemas, refs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apigw_cli.errors import SpecError
from apigw_cli.spec.walk import (
    SCHEMA_LISTS,
    SCHEMA_MAPS,
    SCHEMA_VALUES,
    OperationSite,
    operation_parameters,
    operations,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from apigw_cli.lint.findings import Severity
    from apigw_cli.spec.document import Location, RefProblem, SpecDocument

OperationRef = OperationSite  # what rules call an operation of the spec
_SCHEMA_MAPS = frozenset(SCHEMA_MAPS)
_SCHEMA_VALUES = frozenset(SCHEMA_VALUES)
_SCHEMA_LISTS = frozenset(SCHEMA_LISTS)


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


class LintContext:
    def __init__(self, document: SpecDocument, ref_problems: list[RefProblem], lambda_map: tuple[tuple[str, str], ...]):
        self.document = document
        self.root = document.root
        self.dialect = document.dialect
        self.ref_problems = ref_problems
        self.lambda_map = lambda_map
        self._operations: list[OperationRef] | None = None
        self._shared: dict[str, Any] = {}

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        """What several rules walk for (every schema of the document, say), built once."""
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]

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
        """The spec's operations; malformed paths, path items and operations are passed over
        (oas-schema and serve-compile report them)."""
        if self._operations is None:
            self._operations = list(operations(self.document))
        return self._operations

    def parameters(self, op: OperationRef) -> list[tuple[dict[str, Any], Location]]:
        """The operation's parameters with its path item's, resolved (the operation's win)."""
        return list(operation_parameters(self.document, op).values())

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
        maps, values, lists = _SCHEMA_MAPS, _SCHEMA_VALUES, _SCHEMA_LISTS
        stack = [(schema, at)]
        while stack:
            node, where = stack.pop()
            if not isinstance(node, dict):
                continue
            yield node, where
            for key, value in node.items():  # a schema has a few keys: look at those, not at every keyword
                if key in maps:
                    if isinstance(value, dict):
                        stack.extend((child, where.child(key, name)) for name, child in value.items())
                elif key in values:
                    if isinstance(value, dict):
                        stack.append((value, where.child(key)))
                elif key in lists and isinstance(value, list):
                    stack.extend((child, where.child(key, index)) for index, child in enumerate(value))
