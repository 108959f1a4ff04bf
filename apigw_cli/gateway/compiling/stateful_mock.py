"""Compiles a stateful mock's path family from the spec: which path is the collection and which the
item, the property that holds a resource's id and its type, and the resources the examples seed
it with. Each family is read once per snapshot, whichever of its operations comes first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.compiling.contracts import OpenAPI3Contracts
from apigw_cli.gateway.compiling.swagger2 import Swagger2Contracts
from apigw_cli.gateway.integrations.stateful_mock import IdKind, MockFamily, StatefulMockIntegration, key_text, new_id
from apigw_cli.gateway.validation.params import deref

if TYPE_CHECKING:
    from apigw_cli.gateway.compiling.context import CompileContext
    from apigw_cli.gateway.integrations.mock import MockIntegration
    from apigw_cli.spec.document import Location


def stateful_mock(context: CompileContext, template: str, fallback: MockIntegration) -> StatefulMockIntegration:
    family, role = mock_family(context, template)
    return StatefulMockIntegration(family, role, context.state.mock_state, fallback)


def _is_parameter(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}") and not segment.endswith("+}") and len(segment) > 2


def mock_family(context: CompileContext, template: str) -> tuple[MockFamily, Any]:
    """The family `template` belongs to, and its role in it: `/pets/{petId}` is the item of the
    collection `/pets`; `/pets` is a collection (its item the path one parameter below it)."""
    paths: dict[str, Any] = context.document.root.get("paths") or {}
    trimmed = template.rstrip("/") or "/"
    parent, _, last = trimmed.rpartition("/")
    item: str | None
    if _is_parameter(last):
        collection, item, role = parent or "/", trimmed, "item"
    else:
        item = next(
            (p for p in paths if p.rstrip("/").rpartition("/")[0] == trimmed and _is_parameter(p.rpartition("/")[2])),
            None,
        )
        collection, role = trimmed, "collection"
    found = context.mock_families.get(collection)
    if found is None:
        found = context.mock_families[collection] = _FamilyReader(context, paths).read(collection, item)
    return found, role


class _FamilyReader:
    def __init__(self, context: CompileContext, paths: dict[str, Any]):
        self.context = context
        self.document = context.document
        self.paths = paths
        swagger = self.document.dialect == "2.0"
        self.contracts = Swagger2Contracts(context) if swagger else OpenAPI3Contracts(context)

    def read(self, collection: str, item: str | None) -> MockFamily:
        id_param = item.rpartition("/")[2][1:-1] if item is not None else None
        listed = self._json_responses(collection, "get")
        read = self._json_responses(item, "get") if item is not None else []
        created = self._json_responses(collection, "post")
        # what a resource looks like: the item's GET, the created one, or the list's items
        shapes = [schema for schema, _ in read + created] + [_items(schema) for schema, _ in listed]
        properties: dict[str, Any] = {}
        for shape in shapes:
            properties = {**_properties(shape), **properties}
        id_field = "id" if "id" in properties or id_param is None or id_param not in properties else id_param
        id_kind = _id_kind(properties.get(id_field))
        examples = [r for _, examples in listed for r in _listed(examples)] or [
            value for _, examples in read for value in examples[:1] if isinstance(value, dict)
        ]
        seeds: list[tuple[str, Any]] = []
        for resource in examples:
            key = resource.get(id_field)
            if key is None:
                key = new_id(id_kind, [k for k, _ in seeds])
                resource = {id_field: key, **resource}
            text = key_text(key)
            if text not in dict(seeds):
                seeds.append((text, resource))
        return MockFamily(collection, item, id_param, id_field, id_kind, tuple(seeds))

    def _json_responses(self, path: str, method: str) -> list[tuple[Any, list[Any]]]:
        """(bundled schema, example values) of the 2xx JSON responses (or request body, for POST)."""
        raw_item = self.paths.get(path)
        if raw_item is None:
            return []
        item, item_at = self.document.resolve(raw_item, self.document.root_location.child("paths", path))
        operation = item.get(method) if isinstance(item, dict) else None
        if not isinstance(operation, dict):
            return []
        at = item_at.child(method)
        found: list[tuple[Any, list[Any]]] = []
        responses = operation.get("responses") if isinstance(operation.get("responses"), dict) else {}
        for code, entry in sorted((responses or {}).items(), key=lambda pair: str(pair[0])):
            if not str(code).startswith("2"):
                continue
            response, response_at = self.document.resolve(entry, at.child("responses", code))
            for media_type, schema, schema_at, examples in self.contracts.response_content(
                response, response_at, operation
            ):
                if "json" in media_type or media_type == "*/*":
                    found.append((self._bundle(schema, schema_at), [e.value for e in examples]))
        if method == "post":
            body = self.contracts.request_body(operation, at, {})
            for media in body.media.values() if body is not None else ():
                if media.validator is not None and media.kind == "json":
                    found.append((media.validator.schema, []))
        return found

    def _bundle(self, schema: Any, at: Location) -> Any:
        if schema is None or self.context.static:
            return None
        return self.context.schemas.bundle(schema, at, "response")


def _properties(schema: Any, root: Any = None) -> dict[str, Any]:
    """A bundled object schema's properties, `$ref`s and `allOf` parts followed (their schemas
    bundled with the root's `$defs`)."""
    root = schema if root is None else root
    node = deref(schema, root)
    if not isinstance(node, dict):
        return {}
    found: dict[str, Any] = {}
    for part in node.get("allOf") or ():
        found.update(_properties(part, root))
    for name, sub in (node.get("properties") or {}).items():
        found[name] = {**sub, "$defs": root.get("$defs", {})} if isinstance(sub, dict) else sub
    return found


def _items(schema: Any) -> Any:
    """The item schema of a list response: the array's items, or those of the object's first array."""
    node = deref(schema, schema)
    if not isinstance(node, dict):
        return None
    if node.get("type") == "array" or "items" in node:
        items = node.get("items")
        return {**items, "$defs": schema.get("$defs", {})} if isinstance(items, dict) else None
    for sub in _properties(schema).values():
        inner = deref(sub, sub)
        if isinstance(inner, dict) and (inner.get("type") == "array" or "items" in inner):
            return _items(sub)
    return None


def _listed(examples: list[Any]) -> list[dict[str, Any]]:
    """The resources of a list response's first example: the list, or the object's first list."""
    for example in examples[:1]:
        if isinstance(example, dict):
            example = next((value for value in example.values() if isinstance(value, list)), [])
        if isinstance(example, list):
            return [value for value in example if isinstance(value, dict)]
    return []


def _id_kind(schema: Any) -> IdKind:
    node = deref(schema, schema)
    if not isinstance(node, dict):
        return "integer"
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" in kinds or "number" in kinds:
        return "integer"
    if node.get("format") == "uuid":
        return "uuid"
    return "string" if "string" in kinds else "integer"
