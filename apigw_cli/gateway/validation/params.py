"""Read path, query, header and cookie parameters out of a request, by OpenAPI `style`/`explode`,
and coerce them from strings to the types their schema asks for, ready to validate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from apigw_cli.gateway import json_text
from apigw_cli.gateway.validation.schema import FieldError, SchemaValidator

if TYPE_CHECKING:
    from collections.abc import Mapping

ParamLocation = Literal["path", "query", "header", "cookie"]
Missing = object()
_DELIMITERS = {"form": ",", "simple": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


@dataclass(frozen=True, slots=True)
class ValueShape:
    """What a parameter's schema says about the value, enough to parse and coerce strings."""

    kind: Literal["primitive", "array", "object"]
    types: tuple[str, ...] = ()  # JSON types of the value (primitive) or of the items (array)
    properties: Mapping[str, tuple[str, ...]] | None = None  # object: property -> its JSON types


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    name: str
    location: ParamLocation
    required: bool
    style: str
    explode: bool
    shape: ValueShape
    validator: SchemaValidator | None
    json_content: bool = False  # declared with `content: application/json` instead of `schema`

    @property
    def key(self) -> str:
        return self.name.lower() if self.location == "header" else self.name


def shape_of(schema: Any) -> ValueShape:
    """The shape of a bundled (2020-12, $defs-resolved at top level only) schema."""
    schema = deref(schema, schema)
    types = _types(schema)
    if "array" in types:
        items = deref(schema.get("items"), schema) if isinstance(schema, dict) else None
        return ValueShape("array", _types(items))
    if "object" in types:
        properties = schema.get("properties") if isinstance(schema, dict) else None
        props = {name: _types(deref(sub, schema)) for name, sub in (properties or {}).items()}
        return ValueShape("object", (), props)
    return ValueShape("primitive", types)


def deref(node: Any, root: Any) -> Any:
    """`node` with its `$ref` to the bundled schema's `$defs` followed (a few hops at most)."""
    for _ in range(16):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str) and isinstance(root, dict)):
            break
        name = node["$ref"].rsplit("/", 1)[-1]
        node = root.get("$defs", {}).get(name)
    return node


def _types(schema: Any) -> tuple[str, ...]:
    if not isinstance(schema, dict):
        return ()
    kind = schema.get("type")
    if isinstance(kind, str):
        return (kind,)
    if isinstance(kind, list):
        return tuple(str(k) for k in kind)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or ():
            found = _types(sub)
            if found:
                return found
    if "properties" in schema:
        return ("object",)
    if "items" in schema:
        return ("array",)
    return ()


def coerce(text: str, types: tuple[str, ...]) -> Any:
    """A string from a URL or header as the JSON value its schema types expect; unchanged when
    it cannot be one, so the validator reports the mismatch."""
    if not types or types == ("string",):
        return text
    if "integer" in types:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in types:
        try:
            value = float(text)
        except ValueError:
            pass
        else:
            return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "null" in types and text in ("", "null"):
        return None
    return text


def _split_pairs(parts: list[str], properties: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    return {parts[i]: coerce(parts[i + 1], properties.get(parts[i], ())) for i in range(0, len(parts) - 1, 2)}


def _equals_pairs(parts: list[str], properties: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in parts:
        name, _, value = part.partition("=")
        out[name] = coerce(value, properties.get(name, ()))
    return out


def parse_single(spec: ParameterSpec, text: str) -> Any:
    """A path, header or cookie value (one string) by its style."""
    if spec.json_content:
        try:
            return json_text.loads(text)
        except ValueError:
            return text
    shape = spec.shape
    if spec.style == "label" and text.startswith("."):
        text = text[1:]
        delimiter = "." if spec.explode else ","
    elif spec.style == "matrix" and text.startswith(";"):
        text = text[1:]
        prefix = f"{spec.name}="
        if shape.kind != "object" and spec.explode:
            return (
                [coerce(p[len(prefix) :], shape.types) for p in text.split(";")]
                if shape.kind == "array"
                else (coerce(text[len(prefix) :], shape.types))
            )
        text = text[len(prefix) :] if text.startswith(prefix) else text
        delimiter = ";" if spec.explode else ","
    else:
        delimiter = ","
    if shape.kind == "array":
        return [coerce(part, shape.types) for part in text.split(delimiter)] if text else []
    if shape.kind == "object":
        parts = text.split(delimiter)
        if spec.explode:
            return _equals_pairs(parts, shape.properties or {})
        return _split_pairs(parts, shape.properties or {})
    return coerce(text, shape.types)


def parse_query(spec: ParameterSpec, query: Mapping[str, list[str]]) -> Any:
    """A query parameter by its style, or `Missing`."""
    shape = spec.shape
    if spec.json_content:
        values = query.get(spec.name)
        return parse_single(spec, values[0]) if values else Missing
    if shape.kind == "object":
        properties = shape.properties or {}
        if spec.style == "deepObject":
            prefix = spec.name + "["
            found = {
                key[len(prefix) : -1]: coerce(values[0], properties.get(key[len(prefix) : -1], ()))
                for key, values in query.items()
                if key.startswith(prefix) and key.endswith("]") and values
            }
            return found or Missing
        if spec.explode:
            found = {name: coerce(query[name][0], types) for name, types in properties.items() if query.get(name)}
            return found or Missing
        values = query.get(spec.name)
        return _split_pairs(values[0].split(","), properties) if values else Missing
    values = query.get(spec.name)
    if not values:
        return Missing
    if shape.kind == "array":
        if spec.explode and spec.style == "form":
            return [coerce(value, shape.types) for value in values]
        delimiter = _DELIMITERS.get(spec.style, ",")
        return [coerce(part, shape.types) for part in values[0].split(delimiter)] if values[0] else []
    return coerce(values[0], shape.types)


def parse_cookies(header: str | None) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            cookies[name] = value
    return cookies


def check_parameter(spec: ParameterSpec, value: Any) -> list[FieldError]:
    if value is Missing:
        if spec.required:
            return [FieldError(f"{spec.location}.{spec.name}", "required parameter is missing")]
        return []
    if spec.validator is None:
        return []
    return [
        FieldError(f"{spec.location}.{spec.name}{error.path if error.path != '/' else ''}", error.error)
        for error in spec.validator.errors(value)
    ]
