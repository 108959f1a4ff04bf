"""OpenAPI 3.1 down to 3.0, which the managed gateway imports (it takes 2.0 and 3.0 only).

Schemas: `type: [X, "null"]` -> `type: X, nullable: true`; `const` -> a one-value `enum`; numeric
`exclusiveMinimum`/`exclusiveMaximum` -> `minimum`/`maximum` with the boolean form; `examples`
(a list) -> `example` (the first). What 3.0 has no way to say (`prefixItems`, `if`/`then`/`else`,
`dependentSchemas`, `unevaluatedProperties`, `$defs`, several non-null types, `webhooks`, ...) is
a loss, named with its place. Operations without `responses` get a `default` one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_NO_30 = ("prefixItems", "if", "then", "else", "dependentSchemas", "dependentRequired", "unevaluatedProperties",
          "unevaluatedItems", "$defs", "contentEncoding", "contentMediaType", "contentSchema", "$anchor",
          "$dynamicRef", "$dynamicAnchor", "propertyNames", "contains", "minContains", "maxContains")  # fmt: skip
_DROPPED = ("$schema", "$id", "$comment")
_SCHEMA_CHILDREN = ("items", "additionalProperties", "not")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Loss = Callable[[str, str], None]  # (where, what)


def down_convert(document: dict[str, Any], lose: Loss) -> dict[str, Any]:
    """The document as OpenAPI 3.0.3 (changed in place and returned)."""
    document["openapi"] = "3.0.3"
    document.pop("jsonSchemaDialect", None)
    info = document.get("info")
    if isinstance(info, dict):
        info.pop("summary", None)
        license_ = info.get("license")
        if isinstance(license_, dict) and "identifier" in license_ and "url" not in license_:
            license_.pop("identifier")
    if document.get("webhooks"):
        lose("/webhooks", "webhooks (OpenAPI 3.1) have no form in 3.0")
    document.pop("webhooks", None)
    components = document.get("components")
    if isinstance(components, dict):
        if components.get("pathItems"):
            lose("/components/pathItems", "components.pathItems (OpenAPI 3.1) have no form in 3.0")
        components.pop("pathItems", None)
        for name, schema in (components.get("schemas") or {}).items():
            _schema(schema, f"/components/schemas/{name}", lose)
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            operation = item.get(method)
            if isinstance(operation, dict) and "responses" not in operation:
                operation["responses"] = {"default": {"description": "Any answer"}}
        _walk_media(item, f"/paths/{path}", lose)
    for section in ("parameters", "responses", "requestBodies", "headers"):
        for name, value in ((components or {}).get(section) or {}).items():
            _walk_media(value, f"/components/{section}/{name}", lose)
    return document


def _walk_media(value: Any, where: str, lose: Loss) -> None:
    """Every `schema` under a path item, parameter, body or response."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "schema":
                _schema(item, f"{where}/schema", lose)
            elif key not in ("example", "examples"):
                _walk_media(item, f"{where}/{key}", lose)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk_media(item, f"{where}/{index}", lose)


def _schema(schema: Any, where: str, lose: Loss) -> None:
    if not isinstance(schema, dict) or "$ref" in schema:
        if isinstance(schema, dict) and len(schema) > 1:
            for key in [key for key in schema if key != "$ref"]:
                schema.pop(key)  # 3.0 ignores siblings of $ref
        return
    for key in _DROPPED:
        schema.pop(key, None)
    kinds = schema.get("type")
    if isinstance(kinds, list):
        others = [kind for kind in kinds if kind != "null"]
        if "null" in kinds:
            schema["nullable"] = True
        if len(others) == 1:
            schema["type"] = others[0]
        elif not others:
            schema.pop("type")
        else:
            lose(where, f"type {kinds}: 3.0 has one type a schema (use oneOf)")
            schema.pop("type")
            schema["oneOf"] = [{"type": kind} for kind in others]
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = schema.get(bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            schema[limit] = value
            schema[bound] = True
    examples = schema.get("examples")
    if isinstance(examples, list):
        schema.pop("examples")
        if examples and "example" not in schema:
            schema["example"] = examples[0]
    for key in _NO_30:
        if key in schema:
            lose(f"{where}/{key}", f"{key} (JSON Schema 2020-12) has no form in OpenAPI 3.0")
            schema.pop(key)
    for key in _SCHEMA_CHILDREN:
        if isinstance(schema.get(key), dict):
            _schema(schema[key], f"{where}/{key}", lose)
    for key in _SCHEMA_LISTS:
        for index, item in enumerate(schema.get(key) or []):
            _schema(item, f"{where}/{key}/{index}", lose)
    for name, item in (schema.get("properties") or {}).items():
        _schema(item, f"{where}/properties/{name}", lose)
    if schema.pop("patternProperties", None):
        lose(f"{where}/patternProperties", "patternProperties have no form in OpenAPI 3.0")
