"""`apigw bundle`: a spec spread over several files as one file.

Every `$ref` to another file is replaced by a reference to a component of the bundle that holds
what it pointed to: schemas under `components/schemas` (Swagger 2.0: `definitions`), parameters,
responses, request bodies, headers and examples under theirs, named after what they were called
(`order.yaml#/Order` becomes `#/components/schemas/Order`; a clash gets `_2`, `_3`...). A target
is hoisted once however often it is referred to, so recursion stays a reference to itself.
What has no component section (a path item, an integration) is inlined. References inside the
root file are kept as written; those inside other files are rewritten to where their targets now
are. A `$ref` that points nowhere was refused by the loader already, with its file and line.

prance's ResolvingParser was measured for this job and does not do it: with RESOLVE_FILES it left
refs that are internal to another file (`#/Item` in order.yaml) dangling in the root, and its
TRANSLATE_EXTERNAL named every component of one file alike (`order.yaml_`) and put path items
under components/schemas."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apigw_cli.spec.pointer import format_pointer

if TYPE_CHECKING:
    from apigw_cli.spec.document import Location, SpecDocument

_LITERAL_KEYS = frozenset({"example", "enum", "const", "default"})
_SCHEMA_CHILDREN = frozenset(
    {
        "schema", "items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
        "additionalItems", "unevaluatedItems", "unevaluatedProperties",
    }
)  # fmt: skip
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SECTIONS_3: dict[str, tuple[str, ...]] = {
    "schemas": ("components", "schemas"),
    "parameters": ("components", "parameters"),
    "responses": ("components", "responses"),
    "requestBodies": ("components", "requestBodies"),
    "headers": ("components", "headers"),
    "examples": ("components", "examples"),
}
_SECTIONS_2: dict[str, tuple[str, ...]] = {
    "schemas": ("definitions",),
    "parameters": ("parameters",),
    "responses": ("responses",),
}


def _section(pointer: tuple[str, ...]) -> str | None:
    """Which component section a `$ref` at `pointer` (its site) refers into, from where it stands."""
    if not pointer:
        return None
    last = pointer[-1]
    parent = pointer[-2] if len(pointer) > 1 else ""
    grand = pointer[-3] if len(pointer) > 2 else ""
    if last in _SCHEMA_CHILDREN or parent in _SCHEMA_MAPS or parent in _SCHEMA_LISTS:
        return "schemas"
    if parent == "schemas" and grand in ("components", ""):
        return "schemas"
    if parent == "parameters" and last.isdigit():
        return "parameters"
    if parent == "responses" and grand != "components":
        return "responses"
    if last == "requestBody":
        return "requestBodies"
    if parent == "headers":
        return "headers"
    if parent == "examples":
        return "examples"
    return None


@dataclass
class _Bundler:
    document: SpecDocument
    sections: dict[str, tuple[str, ...]]
    components: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)  # hoisted, by section
    hoisted: dict[Location, str] = field(default_factory=dict)  # target -> its ref in the bundle
    taken: dict[tuple[str, ...], set[str]] = field(default_factory=dict)

    def run(self) -> dict[str, Any]:
        root = self.document.root
        for section in self.sections.values():
            existing = _get(root, section)
            self.taken[section] = set(existing) if isinstance(existing, dict) else set()
        result: dict[str, Any] = self._node(root, self.document.root_location, ())
        for path, entries in self.components.items():
            for name, content in entries.items():
                _put(result, (*path, name), content)
        return result

    def _node(self, value: Any, at: Location, site: tuple[str, ...]) -> Any:
        """`value` (found at `at` in its file, standing at `site` in the bundle) with its refs rewritten."""
        if isinstance(value, list):
            return [self._node(item, at.child(index), (*site, str(index))) for index, item in enumerate(value)]
        if not isinstance(value, dict):
            return value
        ref = value.get("$ref")
        if isinstance(ref, str):
            extra = {k: copy.deepcopy(v) for k, v in value.items() if k != "$ref"}
            target = self.document.ref_target(ref, at)
            if target.file == self.document.root_path:
                return {**extra, "$ref": "#" + format_pointer(target.pointer)}
            if target in self.hoisted:
                return {**extra, "$ref": self.hoisted[target]}
            section = self.sections.get(_section(site) or "")
            if section is None:  # no component section for it (a path item, an integration): inlined
                inlined = self._node(self.document.node(target), target, site)
                return {**inlined, **extra} if isinstance(inlined, dict) else inlined
            return {**extra, "$ref": self._hoist(section, target)}
        result: dict[str, Any] = {}
        for key, item in value.items():
            result[key] = copy.deepcopy(item) if key in _LITERAL_KEYS else self._node(item, at.child(key), (*site, key))
        return result

    def _hoist(self, section: tuple[str, ...], target: Location) -> str:
        name = self._name(section, target)
        pointer = "#" + format_pointer((*section, name))
        self.hoisted[target] = pointer  # before its content: a recursive ref finds it
        self.components.setdefault(section, {})[name] = None  # keeps the order refs were met in
        self.components[section][name] = self._node(self.document.node(target), target, (*section, name))
        return pointer

    def _name(self, section: tuple[str, ...], target: Location) -> str:
        base = target.pointer[-1] if target.pointer else target.file.stem
        base = "".join(c if c.isalnum() or c in "._-" else "_" for c in base) or "Component"
        taken = self.taken.setdefault(section, set())
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name)
        return name


def bundle(document: SpecDocument) -> dict[str, Any]:
    """The whole spec as one document (the loader checked every `$ref` already)."""
    sections = _SECTIONS_2 if document.dialect == "2.0" else _SECTIONS_3
    return _Bundler(document, sections).run()


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for token in path:
        if not isinstance(data, dict):
            return None
        data = data.get(token)
    return data


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for token in path[:-1]:
        data = data.setdefault(token, {})
    data[path[-1]] = value
