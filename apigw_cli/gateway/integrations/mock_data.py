"""Example values generated from a bundled JSON Schema (2020-12, `$defs`).

Used by the mock integration when a response declares a schema but no example: deterministic by
default (the same value every time), random with an `rng` (`Prefer: dynamic=true`: strings,
numbers, booleans, enum members and array lengths vary; schema-level examples and defaults are
passed over). The value is valid against the schema for the keywords commonly used in APIs;
recursion stops at optional properties and empty arrays once a schema is being generated inside
itself.
"""

from __future__ import annotations

import math
import random
import uuid
from typing import Any

from apigw_cli.gateway.integrations.pattern_text import text_for_pattern

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
        if isinstance(schema.get("allOf"), list):
            return self._all_of(schema, depth, active)
        for key in ("oneOf", "anyOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                chosen = next((o for o in options if not (isinstance(o, dict) and o.get("type") == "null")), options[0])
                return self.value(chosen, depth, active)
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

    def _all_of(self, schema: dict[str, Any], depth: int, active: frozenset[str]) -> Any:
        merged: Any = None
        rest = {key: value for key, value in schema.items() if key != "allOf"}
        for part in [rest, *schema["allOf"]]:
            value = self.value(part, depth, active)
            if isinstance(value, dict) and isinstance(merged, dict):
                merged = {**merged, **value}
            elif value is not None and (merged is None or merged == {}):
                merged = value
        return merged

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
        value: float = 0
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
