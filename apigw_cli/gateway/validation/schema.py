"""Turn OpenAPI schemas into compiled JSON Schema validators (jsonschema-rs).

Each validator gets one self-contained JSON Schema 2020-12 document: the schema itself plus,
under `$defs`, every schema it reaches through `$ref` (across files too). A schema that
refers to itself stays a reference, so recursion validates instead of expanding forever.
OpenAPI 3.0's dialect is rewritten on the way: `nullable`, boolean `exclusiveMinimum`, and
`readOnly`/`writeOnly` properties, which are not required in requests/responses respectively.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from apigw_cli.spec.walk import SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_VALUES

if TYPE_CHECKING:
    from apigw_cli.spec.document import Location, SpecDocument

Direction = Literal["request", "response"]

_DEFS_PREFIX = "apigw."
MAX_QUOTED = 120  # characters of a bad value an error message quotes
_MAX_ERRORS = 20


@dataclass(frozen=True, slots=True)
class FieldError:
    """One failed check: where in the checked value (a JSON pointer, or a parameter name) and why."""

    path: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "error": self.error}


def _is_base64(value: str) -> bool:
    """OpenAPI's `format: byte`: base64-encoded characters (RFC 4648, padded)."""
    import base64
    import binascii

    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


OPENAPI_FORMATS = {"byte": _is_base64}  # formats OpenAPI adds to JSON Schema's


class SchemaValidator:
    """A validator for one schema, compiled by jsonschema-rs on first use, and the bundled schema.

    Compiling waits for the first check because a large spec's bundles are big: Stripe's 900-odd
    body schemas each reach ~500 others, and compiling them all up front took 34 s and 5.8 GB,
    where one takes ~20 ms. The bundle itself (all walking of the spec) is built at load time.
    """

    __slots__ = ("_digest", "_validator", "schema")

    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self._validator: Any = None
        self._digest: bytes | None = None

    def _compiled(self) -> Any:
        validator = self._validator
        if validator is None:
            import jsonschema_rs

            validator = self._validator = jsonschema_rs.validator_for(
                self.schema, validate_formats=True, formats=OPENAPI_FORMATS
            )
        return validator

    @property
    def compiled(self) -> bool:
        return self._validator is not None

    def warm(self) -> None:
        """Compile now (a reload does it off the serving thread for routes already in use)."""
        self._compiled()

    def adopt(self, other: SchemaValidator) -> bool:
        """Take `other`'s compiled validator when both bundle the same schema: a reload keeps an
        unchanged route's validators instead of compiling them again (Stripe's balance response:
        a 674 KiB bundle, 22 ms of compiling in one call, against ~3 ms to compare digests)."""
        if self._validator is not None or other._validator is None:
            return False
        if self._schema_digest() != other._schema_digest():
            return False
        self._validator = other._validator
        return True

    def _schema_digest(self) -> bytes:
        if self._digest is None:
            from apigw_cli.gateway.digest import content_digest

            self._digest = content_digest(self.schema)
        return self._digest

    def is_valid(self, instance: Any) -> bool:
        return bool(self._compiled().is_valid(instance))

    def errors(self, instance: Any, prefix: str = "") -> list[FieldError]:
        validator = self._compiled()
        if validator.is_valid(instance):
            return []
        found: list[FieldError] = []
        for error in validator.iter_errors(instance):
            pointer = "".join("/" + str(token).replace("~", "~0").replace("/", "~1") for token in error.instance_path)
            found.append(
                FieldError(prefix + pointer if prefix or pointer else "/", _short(error.message, error.instance))
            )
            if len(found) >= _MAX_ERRORS:
                break
        return found


def _short(message: str, instance: Any) -> str:
    """A validator's message quoting at most a short prefix of the bad value: a 5 MB string in a
    body must not come back as a 5 MB error body and a 5 MB access-log line."""
    if len(message) <= MAX_QUOTED:
        return message
    try:
        quoted = json.dumps(instance, ensure_ascii=False)
    except (TypeError, ValueError):
        quoted = ""
    if quoted and message.startswith(quoted):
        return f"{quoted[: MAX_QUOTED // 2]}... ({len(quoted)} characters){message[len(quoted) :]}"[: MAX_QUOTED * 2]
    return message[:MAX_QUOTED] + "..."


class SchemaCompiler:
    """Bundles and compiles schemas of one document; converted `$ref` targets are shared between bundles."""

    def __init__(self, document: SpecDocument):
        self._document = document
        self._openapi30 = document.dialect != "3.1"
        # (direction, target) -> name in $defs; name -> (converted schema, names it refers to)
        self._names: dict[tuple[Direction, Location], str] = {}
        self._defs: dict[str, tuple[Any, frozenset[str]]] = {}

    def bundle(self, schema: Any, at: Location, direction: Direction) -> dict[str, Any]:
        """A self-contained JSON Schema document for `schema` found at `at`."""
        refs: set[str] = set()
        converted = self._convert(schema, at, direction, refs)
        if not isinstance(converted, dict):
            converted = {} if converted is True else {"not": {}}
        bundled = {"$schema": "https://json-schema.org/draft/2020-12/schema", **converted}
        closure = self._closure(refs)
        if closure:
            bundled["$defs"] = {**bundled.get("$defs", {}), **{name: self._defs[name][0] for name in sorted(closure)}}
        return bundled

    def compile(self, schema: Any, at: Location, direction: Direction) -> SchemaValidator:
        return SchemaValidator(self.bundle(schema, at, direction))

    def _closure(self, refs: set[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(refs)
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self._defs[name][1])
        return seen

    def _def_name(self, target: Location, direction: Direction) -> str:
        key = (direction, target)
        name = self._names.get(key)
        if name is None:
            name = f"{_DEFS_PREFIX}{direction[:3]}{len(self._names)}"
            self._names[key] = name
            self._defs[name] = ({}, frozenset())  # placeholder: a schema that reaches itself stops here
            refs: set[str] = set()
            converted = self._convert(self._document.node(target), target, direction, refs)
            self._defs[name] = (converted, frozenset(refs))
        return name

    def _convert(self, node: Any, at: Location, direction: Direction, refs: set[str]) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = self._def_name(self._document.ref_target(ref, at), direction)
            refs.add(name)
            pointer = {"$ref": f"#/$defs/{name}"}
            if self._openapi30:
                return pointer  # 3.0 ignores a $ref's siblings
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            if not siblings:
                return pointer
            return {"allOf": [pointer, self._convert(siblings, at, direction, refs)]}

        out: dict[str, Any] = dict(node)
        for key in SCHEMA_MAPS:
            value = node.get(key)
            if isinstance(value, dict):
                out[key] = {
                    name: self._convert(child, at.child(key, name), direction, refs) for name, child in value.items()
                }
        for key in SCHEMA_VALUES:
            value = node.get(key)
            if isinstance(value, dict):
                out[key] = self._convert(value, at.child(key), direction, refs)
            elif isinstance(value, list) and key == "items":
                out[key] = [self._convert(child, at.child(key, i), direction, refs) for i, child in enumerate(value)]
        for key in SCHEMA_LISTS:
            value = node.get(key)
            if isinstance(value, list):
                out[key] = [self._convert(child, at.child(key, i), direction, refs) for i, child in enumerate(value)]

        required = node.get("required")
        properties = node.get("properties")
        if isinstance(required, list) and isinstance(properties, dict):
            hidden = "readOnly" if direction == "request" else "writeOnly"
            kept = [name for name in required if not self._flag(properties.get(name), at, hidden)]
            if len(kept) != len(required):
                out["required"] = kept
        _integer_range(out)
        if self._openapi30:
            return _from_openapi30(out)
        return out

    def _flag(self, schema: Any, at: Location, keyword: str) -> bool:
        """Whether a property schema (maybe a $ref) carries `keyword: true`."""
        if isinstance(schema, dict) and "$ref" in schema:
            schema, _ = self._document.resolve(schema, at)
        return isinstance(schema, dict) and schema.get(keyword) is True


_INTEGER_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _integer_range(schema: dict[str, Any]) -> None:
    """OpenAPI's `format: int32` / `int64` as the range they name (JSON Schema has no such formats):
    an id past 2^63 - 1 is then a 400, not an overflow in a handler. A tighter bound the schema sets
    is kept."""
    found = _INTEGER_RANGES.get(str(schema.get("format")))
    if found is None:
        return
    low, high = found
    for key, bound, tighter in (("minimum", low, max), ("maximum", high, min)):
        value = schema.get(key)
        schema[key] = tighter(value, bound) if isinstance(value, int | float) and not isinstance(value, bool) else bound


def _from_openapi30(schema: dict[str, Any]) -> dict[str, Any]:
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = schema.get(bound)
        if isinstance(flag, bool):
            del schema[bound]
            if flag and limit in schema:
                schema[bound] = schema.pop(limit)
    if schema.get("nullable") is True:
        kind = schema.get("type")
        if isinstance(kind, str):
            schema["type"] = [kind, "null"]
            if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
                schema["enum"] = [*schema["enum"], None]
        elif kind is None:
            rest = {key: value for key, value in schema.items() if key != "nullable"}
            return {"anyOf": [{"type": "null"}, rest]}
    return schema
