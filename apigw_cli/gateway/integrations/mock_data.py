"""Example values generated from a bundled JSON Schema (2020-12, `$defs`).

Used by the mock integration when a response declares a schema but no example: deterministic by
default (the same value every time), random with an `rng` (`Prefer: dynamic=true`: strings,
numbers, booleans, enum members and array lengths vary; schema-level examples and defaults are
passed over). `allOf` parts are merged into one schema before a value is made (properties,
required, enums, types and bounds combined), an `anyOf`/`oneOf` option is merged with the schema
around it (an option asking for another type or enum is passed over), and a `oneOf` value is
checked to match exactly one option, the next option tried when it does not. Recursion stops at
optional properties and empty arrays once a schema is being generated inside itself.
"""

from __future__ import annotations

import math
import uuid
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.integrations.pattern_text import text_for_pattern

if TYPE_CHECKING:
    import random

_FORMATS: dict[str, Any] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "ZXhhbXBsZQ==",
    "binary": "example",
    "password": "********",
    "idn-email": "user@example.com",
    "idn-hostname": "example.com",
    "iri": "https://example.com/",
    "iri-reference": "/example",
    "uri-reference": "/example",
    "uri-template": "https://example.com/{id}",
    "json-pointer": "/example",
    "relative-json-pointer": "0/example",
    "regex": "^example$",
    "duration": "P1D",
    "date-time-local": "2024-01-01T00:00:00",
}
_MAX_DEPTH = 8
_MAX_OPTIONS = 32  # oneOf options tried for a value matching exactly one
_COMBINATORS = ("allOf", "anyOf", "oneOf")
# optional properties are filled in near the top only: real specs (Stripe) nest objects whose every
# optional property is another object, and filling them all grows the value exponentially
_OPTIONAL_DEPTH = 3


def generate(schema: Any, rng: random.Random | None = None, use_examples: bool = True) -> Any:
    """A value for `schema`; `use_examples=False` passes over schema-level examples and defaults
    (a spec's own example may contradict its schema: the caller checks and asks again)."""
    return _Generator(schema, rng, use_examples).value(schema, 0, frozenset())


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class _Generator:
    def __init__(self, root: Any, rng: random.Random | None = None, use_examples: bool = True):
        self._defs: dict[str, Any] = root.get("$defs", {}) if isinstance(root, dict) else {}
        self._rng = rng
        self._use_examples = use_examples and rng is None
        self._validators: dict[int, Any] = {}  # by id of a schema holding a oneOf, while generating

    def value(self, schema: Any, depth: int, active: frozenset[str]) -> Any:
        if schema is True or not isinstance(schema, dict):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref[len("#/$defs/") :]
            return self.value(self._defs.get(name, {}), depth, active | {name})
        if "const" in schema:
            return schema["const"]
        if self._use_examples:
            for key in ("example", "default"):
                if key in schema:
                    return schema[key]
            examples = schema.get("examples")
            if isinstance(examples, list) and examples:
                return examples[0]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            members = [item for item in enum if item is not None] or enum
            return self._rng.choice(members) if self._rng is not None else members[0]
        if any(isinstance(schema.get(key), list) for key in _COMBINATORS):
            return self._combined(schema, depth, active)
        kind = _type(schema)
        if kind == "object":
            return self._object(schema, depth, active)
        if kind == "array":
            return self._array(schema, depth, active)
        if kind == "string":
            return self._string(schema)
        if kind == "integer":
            return int(self._number(schema, integer=True))
        if kind == "number":
            return self._number(schema, integer=False)
        if kind == "boolean":
            return self._rng.random() < 0.5 if self._rng is not None else True
        if kind == "null":
            return None
        return None

    def _combined(self, schema: dict[str, Any], depth: int, active: frozenset[str]) -> Any:
        merged, choices, active = self._conjunction(schema, active, 0)
        return self._choose(merged, choices, depth, active)

    def _conjunction(
        self, schema: dict[str, Any], active: frozenset[str], level: int
    ) -> tuple[dict[str, Any], list[tuple[str, list[Any], dict[str, Any]]], frozenset[str]]:
        """`schema` with its `allOf` merged in, and the `anyOf`/`oneOf` choices left to make
        (kind, options, the schema that holds them)."""
        merged = {key: value for key, value in schema.items() if key not in _COMBINATORS}
        choices = [(key, schema[key], schema) for key in ("oneOf", "anyOf") if isinstance(schema.get(key), list)]
        for part in schema.get("allOf") or () if level < _MAX_DEPTH else ():
            part, active = self._resolved(part, active)
            if isinstance(part, dict):
                sub, sub_choices, active = self._conjunction(part, active, level + 1)
                merged = _merge(merged, sub)
                choices.extend(sub_choices)
        return merged, choices, active

    def _choose(
        self,
        merged: dict[str, Any],
        choices: list[tuple[str, list[Any], dict[str, Any]]],
        depth: int,
        active: frozenset[str],
    ) -> Any:
        if not choices:
            return self.value(merged, depth, active)
        (kind, options, holder), rest = choices[0], choices[1:]
        ordered = [o for o in options if not _is_null(o)] + [o for o in options if _is_null(o)]
        if self._rng is not None:
            self._rng.shuffle(ordered)
        first: Any = None
        tried = 0
        for index, option in enumerate(ordered):
            option, option_active = self._resolved(option, active)
            if not isinstance(option, dict):
                option = {} if option is True else {"not": {}}
            sub, sub_choices, option_active = self._conjunction(option, option_active, 0)
            if not _compatible(merged, sub) and (first is not None or index < len(ordered) - 1):
                continue  # it asks for another type or enum than the schema around it
            value = self._choose(_merge(merged, sub), [*sub_choices, *rest], depth, option_active)
            # an anyOf option merged with its surroundings makes a valid value; a oneOf's value must
            # also fail the other options, which only a validator tells
            if kind == "anyOf" or len(ordered) == 1 or self._matches_one(holder, value):
                return value
            first = value if first is None else first
            tried += 1
            if tried == _MAX_OPTIONS:
                break
        return first

    def _matches_one(self, holder: dict[str, Any], value: Any) -> bool:
        """Whether `value` is valid against the schema holding a `oneOf` (so it matches exactly one
        option), formats checked."""
        import jsonschema_rs

        key = id(holder)
        validator = self._validators.get(key)
        if validator is None:
            defs = {name: self._defs[name] for name in _reached(holder, self._defs)}
            validator = jsonschema_rs.validator_for({**holder, "$defs": defs}, validate_formats=True)
            self._validators[key] = validator
        return bool(validator.is_valid(value))

    def _resolved(self, schema: Any, active: frozenset[str]) -> tuple[Any, frozenset[str]]:
        """`schema` with its `$ref` chain followed, and the names it passed added to `active`."""
        for _ in range(_MAX_DEPTH):
            ref = schema.get("$ref") if isinstance(schema, dict) else None
            if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
                break
            name = ref[len("#/$defs/") :]
            schema, active = self._defs.get(name, {}), active | {name}
        return schema, active

    def _object(self, schema: dict[str, Any], depth: int, active: frozenset[str]) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        deep = depth >= _OPTIONAL_DEPTH
        out: dict[str, Any] = {}
        for name, sub in properties.items():
            if name not in required and (deep or _refers_to(sub, active)):
                continue
            if isinstance(sub, dict) and sub.get("writeOnly") is True and name not in required:
                continue
            out[name] = self.value(sub, depth + 1, active)
        for name in required - out.keys():
            out[name] = self.value(properties.get(name, {"type": "string"}), depth + 1, active)
        minimum = schema.get("minProperties")
        extra = schema.get("additionalProperties")
        if isinstance(minimum, int) and len(out) < minimum and extra is not False:
            for index in range(minimum - len(out)):
                out[f"property{index + 1}"] = self.value(extra if isinstance(extra, dict) else {}, depth + 1, active)
        return out

    def _array(self, schema: dict[str, Any], depth: int, active: frozenset[str]) -> list[Any]:
        count = max(int(schema.get("minItems") or 0), 0)
        items = schema.get("items", {})
        if count == 0 and (depth >= _MAX_DEPTH or _refers_to(items, active)):
            return []
        count = max(count, 1)
        if self._rng is not None and not schema.get("uniqueItems"):
            count += self._rng.randint(0, 3)
        maximum = schema.get("maxItems")
        if isinstance(maximum, int):
            count = min(count, maximum)
        if schema.get("uniqueItems") and count > 1:
            count = 1
        values = [self.value(items, depth + 1, active) for _ in range(count)]
        contains = schema.get("contains")
        if isinstance(contains, dict):  # one item must match it: the first is made to
            values[0] = self.value({**items, **contains} if isinstance(items, dict) else contains, depth + 1, active)
        return values

    def _string(self, schema: dict[str, Any]) -> str:
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            found = text_for_pattern(pattern)
            if found is not None:
                return found
        fmt = str(schema.get("format"))
        if self._rng is not None and fmt == "uuid":
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        if self._rng is not None and fmt not in _FORMATS:
            text = "".join(self._rng.choice(_LETTERS) for _ in range(self._rng.randint(3, 12)))
        else:
            text = str(_FORMATS.get(fmt, "string"))
        minimum = schema.get("minLength")
        maximum = schema.get("maxLength")
        if isinstance(minimum, int) and len(text) < minimum:
            text = text + "x" * (minimum - len(text))
        if isinstance(maximum, int) and len(text) > maximum:
            text = text[:maximum]
        return text

    def _number(self, schema: dict[str, Any], integer: bool) -> float:
        low = schema.get("minimum")
        high = schema.get("maximum")
        exclusive_low = schema.get("exclusiveMinimum")
        exclusive_high = schema.get("exclusiveMaximum")
        step = 1 if integer else 0.5
        if isinstance(exclusive_low, int | float) and not isinstance(exclusive_low, bool):
            low = exclusive_low + step
        if isinstance(exclusive_high, int | float) and not isinstance(exclusive_high, bool):
            high = exclusive_high - step
        # a number with no bounds is a fraction: an integer would also match an integer oneOf option
        value: float = 0 if integer or low is not None or high is not None or "multipleOf" in schema else 0.5
        if isinstance(low, int | float):
            value = low
        elif isinstance(high, int | float) and high < 0:
            value = high
        if self._rng is not None:
            top = high if isinstance(high, int | float) else value + 100
            if integer and math.floor(top) >= math.ceil(value):
                value = self._rng.randint(math.ceil(value), math.floor(top))
            elif not integer and top >= value:
                value = self._rng.uniform(value, top)
        multiple = schema.get("multipleOf")
        if isinstance(multiple, int | float) and multiple > 0 and value % multiple:
            value = (value // multiple + 1) * multiple
            if isinstance(high, int | float) and value > high:
                value -= multiple
        return value


_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_SUBSCHEMAS = ("items", "additionalProperties", "contains")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def _merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """One schema asking what both ask, as far as a generator needs (the first's annotations win)."""
    out = dict(first)
    for key, theirs in second.items():
        mine = out.get(key)
        if key not in out:
            out[key] = theirs
        elif key == "properties" and isinstance(mine, dict) and isinstance(theirs, dict):
            out[key] = {**mine, **{n: {"allOf": [mine[n], s]} if n in mine else s for n, s in theirs.items()}}
        elif key == "required" and isinstance(mine, list) and isinstance(theirs, list):
            out[key] = list(dict.fromkeys([*mine, *theirs]))
        elif key == "enum" and isinstance(mine, list) and isinstance(theirs, list):
            out[key] = [item for item in mine if item in theirs] or mine
        elif key == "type":
            out[key] = _common_type(mine, theirs) or mine
        elif key in _SUBSCHEMAS and isinstance(mine, dict) and isinstance(theirs, dict):
            out[key] = {"allOf": [mine, theirs]}
        elif key == "additionalProperties" and theirs is False:
            out[key] = False
        elif _is_number(mine) and _is_number(theirs) and key in _LOWER_BOUNDS:
            out[key] = max(mine, theirs)
        elif _is_number(mine) and _is_number(theirs) and key in _UPPER_BOUNDS:
            out[key] = min(mine, theirs)
    return out


def _compatible(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether two schemas can hold one value, as far as their types, enums and consts tell."""
    if "type" in first and "type" in second and _common_type(first["type"], second["type"]) is None:
        return False
    if "const" in first and "const" in second and first["const"] != second["const"]:
        return False
    mine, theirs = first.get("enum"), second.get("enum")
    if isinstance(mine, list) and isinstance(theirs, list) and not any(item in theirs for item in mine):
        return False
    for one, other in ((first, second), (second, first)):
        if "const" in one and isinstance(other.get("enum"), list) and one["const"] not in other["enum"]:
            return False
    return True


def _reached(schema: Any, defs: dict[str, Any]) -> set[str]:
    """The names in `defs` that `schema` reaches through `$ref`s."""
    seen: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref[len("#/$defs/") :]
                if name not in seen and name in defs:
                    seen.add(name)
                    stack.append(defs[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return seen


def _common_type(mine: Any, theirs: Any) -> Any:
    """The types both allow (integer is a number), None if none."""
    ours = set(mine) if isinstance(mine, list) else {mine}
    other = set(theirs) if isinstance(theirs, list) else {theirs}
    if "number" in ours and "integer" in other:
        ours.add("integer")
    if "number" in other and "integer" in ours:
        other.add("integer")
    both = [kind for kind in (mine if isinstance(mine, list) else [mine]) if kind in other]
    both += [kind for kind in ("integer",) if kind in ours & other and kind not in both]
    if not both:
        return None
    return both[0] if len(both) == 1 else both


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "required" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _refers_to(schema: Any, active: frozenset[str]) -> bool:
    """Whether `schema` is (a list of) a reference to a schema already being generated."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return ref.rsplit("/", 1)[-1] in active
        items = schema.get("items")
        if isinstance(items, dict):
            return _refers_to(items, active)
    return False
