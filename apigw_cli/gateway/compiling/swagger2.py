"""Swagger 2.0 operations, compiled into the same model as OpenAPI 3: `in: body` and `formData`
parameters become a request body (media types from `consumes`), a response's `schema` is
served under each type of `produces`, and non-body parameters carry their schema inline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.compiling.contracts import OpenAPI3Contracts, RawParameters
from apigw_cli.gateway.operation import Example, RequestBodySpec
from apigw_cli.gateway.validation.body import MediaSpec, media_type_of
from apigw_cli.spec.walk import PARAMETER_LOCATIONS

if TYPE_CHECKING:
    from apigw_cli.gateway.validation.params import ParameterSpec
    from apigw_cli.spec.document import Location

# keywords a 2.0 non-body parameter shares with JSON Schema
_SCHEMA_KEYWORDS = (
    "type", "format", "items", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf",
)  # fmt: skip
_STYLES = {
    "csv": ("form", False),
    "multi": ("form", True),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
}
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def parameter_schema(raw: dict[str, Any]) -> dict[str, Any]:
    schema = {key: raw[key] for key in _SCHEMA_KEYWORDS if key in raw}
    if schema.get("type") == "file":
        return {}  # an uploaded file: nothing JSON Schema can say about it
    items = schema.get("items")
    if isinstance(items, dict):
        schema["items"] = parameter_schema(items)
    return schema


class Swagger2Contracts(OpenAPI3Contracts):
    def _media_types(self, operation: dict[str, Any], key: str) -> list[str]:
        declared = operation.get(key) or self.document.root.get(key) or ["application/json"]
        return [media_type_of(str(value)) for value in declared]

    def parameters(self, merged: RawParameters) -> tuple[ParameterSpec, ...]:
        found = []
        for (_, where), (raw, at) in merged.items():
            if where not in PARAMETER_LOCATIONS:
                continue
            style, explode = _STYLES.get(str(raw.get("collectionFormat", "csv")), ("form", False))
            if where in ("path", "header"):
                style = "simple"
            shaped = {
                "name": raw["name"],
                "in": where,
                "required": raw.get("required"),
                "style": style,
                "explode": explode,
            }
            found.append(self.parameter(shaped, at, parameter_schema(raw), at))
        return tuple(found)

    def request_body(
        self, raw_operation: dict[str, Any], at: Location, merged: RawParameters
    ) -> RequestBodySpec | None:
        body = [(raw, where) for (_, kind), (raw, where) in merged.items() if kind == "body"]
        form = [(raw, where) for (_, kind), (raw, where) in merged.items() if kind == "formData"]
        consumes = self._media_types(raw_operation, "consumes")
        if body:
            raw, where = body[0]
            body_media = {mt: self.media(mt, raw.get("schema"), where.child("schema"), "request") for mt in consumes}
            return RequestBodySpec(required=bool(raw.get("required")), media=body_media)
        if not form:
            return None
        file = {"type": "string", "format": "binary"}  # an uploaded file: its bytes
        schema = {
            "type": "object",
            "properties": {
                str(raw["name"]): file if raw.get("type") == "file" else parameter_schema(raw) for raw, _ in form
            },
            "required": [str(raw["name"]) for raw, _ in form if raw.get("required")],
        }
        types = [mt for mt in consumes if mt in _FORM_TYPES] or [_FORM_TYPES[0]]
        # collectionFormat: multi repeats the field (explode), csv/ssv/pipes split one value
        styles = {"csv": "form", "ssv": "spaceDelimited", "pipes": "pipeDelimited"}
        encoding: dict[str, dict[str, Any]] = {}
        for raw, _ in form:
            entry = encoding[str(raw["name"])] = {}
            if raw.get("type") == "array":
                entry["style"] = styles.get(str(raw.get("collectionFormat", "csv")), "form")
                entry["explode"] = raw.get("collectionFormat") == "multi"
            if raw.get("allowEmptyValue") is False:  # said in so many words: 2.0's default is lenient here
                entry["allowEmptyValue"] = False
        media: dict[str, MediaSpec] = {mt: self.media(mt, schema, at, "request", encoding) for mt in types}
        return RequestBodySpec(required=any(raw.get("required") for raw, _ in form), media=media)

    def response_content(
        self, response: Any, at: Location, operation: dict[str, Any]
    ) -> list[tuple[str, Any, Location, tuple[Example, ...]]]:
        if not isinstance(response, dict):
            return []
        examples: dict[str, Any] = response["examples"] if isinstance(response.get("examples"), dict) else {}
        schema = response.get("schema")
        if schema is None and not examples:
            return []
        produces = self._media_types(operation, "produces")
        types = (
            list(dict.fromkeys([*produces, *(media_type_of(str(k)) for k in examples)])) if schema is None else produces
        )
        return [
            (
                media_type,
                schema,
                at.child("schema"),
                tuple(
                    Example("example", value)
                    for key, value in examples.items()
                    if media_type_of(str(key)) == media_type
                ),
            )
            for media_type in types
        ]
