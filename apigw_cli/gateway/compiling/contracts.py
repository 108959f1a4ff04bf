"""What an OpenAPI 3.x operation accepts and answers, compiled: parameters, request body, responses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.integrations.mock_data import generate
from apigw_cli.gateway.operation import Example, RequestBodySpec, ResponseMedia, ResponseSpec
from apigw_cli.gateway.validation.body import FormField, MediaSpec, body_kind, media_type_of
from apigw_cli.gateway.validation.params import ParameterSpec, deref, shape_of
from apigw_cli.spec.document import Location
from apigw_cli.spec.walk import PARAMETER_LOCATIONS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from apigw_cli.gateway.compiling.context import CompileContext
    from apigw_cli.gateway.validation.schema import Direction

RawParameters = dict[tuple[str, str], tuple[dict[str, Any], Location]]  # (name, in) -> (parameter, where)


class OpenAPI3Contracts:
    def __init__(self, context: CompileContext):
        self.context = context
        self.document = context.document

    def parameters(self, merged: RawParameters) -> tuple[ParameterSpec, ...]:
        return tuple(
            self.parameter(parameter, location)
            for (_, where), (parameter, location) in merged.items()
            if where in PARAMETER_LOCATIONS
        )

    def parameter(
        self, raw: dict[str, Any], at: Location, schema: Any = None, schema_at: Location | None = None
    ) -> ParameterSpec:
        location = raw["in"]
        style = raw.get("style") or ("form" if location in ("query", "cookie") else "simple")
        explode = raw.get("explode")
        if explode is None:
            explode = style == "form"
        if schema is None:
            schema = raw.get("schema")
            schema_at = at.child("schema")
        json_content = False
        content = raw.get("content")
        if schema is None and isinstance(content, dict) and content:
            media_type = next(iter(content))
            schema = (content[media_type] or {}).get("schema")
            schema_at = at.child("content", media_type, "schema")
            json_content = body_kind(media_type_of(media_type)) == "json"
        validator = None
        if schema is not None and not self.context.static:
            validator = self.context.schemas.compile(schema, schema_at or at, "request")
        return ParameterSpec(
            name=str(raw["name"]),
            location=location,
            required=bool(raw.get("required")) or location == "path",
            style=str(style),
            explode=bool(explode),
            shape=shape_of(validator.schema if validator else None),
            validator=validator,
            json_content=json_content,
        )

    def media(
        self, media_type: str, schema: Any, schema_at: Location, direction: Direction, encoding: Any = None
    ) -> MediaSpec:
        kind = body_kind(media_type)
        validator = None
        if schema is not None and kind != "other" and not self.context.static:
            validator = self.context.schemas.compile(schema, schema_at, direction)
        forms = ("form", "multipart")
        fields = form_fields(validator.schema, encoding) if kind in forms and validator is not None else None
        text_shape = shape_of(validator.schema) if kind == "text" and validator is not None else None
        return MediaSpec(media_type, kind, validator, fields, text_shape)

    def request_body(
        self, raw_operation: dict[str, Any], at: Location, merged: RawParameters
    ) -> RequestBodySpec | None:
        if "requestBody" not in raw_operation:
            return None
        raw, at = self.document.resolve(raw_operation["requestBody"], at.child("requestBody"))
        if not isinstance(raw, dict):
            raise self.document.error("requestBody must be a mapping", at)
        media: dict[str, MediaSpec] = {}
        for key, value in (raw.get("content") or {}).items():
            schema = value.get("schema") if isinstance(value, dict) else None
            encoding = value.get("encoding") if isinstance(value, dict) else None
            media[media_type_of(key)] = self.media(
                media_type_of(key), schema, at.child("content", key, "schema"), "request", encoding
            )
        return RequestBodySpec(required=bool(raw.get("required")), media=media)

    def responses(self, raw_operation: dict[str, Any], at: Location, for_mock: bool) -> Mapping[str, ResponseSpec]:
        at = at.child("responses")
        raw = raw_operation.get("responses") or {}
        if not isinstance(raw, dict):
            raise self.document.error("'responses' must be a mapping of status codes", at)
        responses: dict[str, ResponseSpec] = {}
        for key, entry in raw.items():
            code = str(key).upper() if str(key).lower() != "default" else "default"
            if code.startswith("X-"):
                continue
            response, location = self.document.resolve(entry, at.child(key))
            media = {
                media_type: self.response_media(media_type, schema, schema_at, examples, for_mock)
                for media_type, schema, schema_at, examples in self.response_content(response, location, raw_operation)
            }
            headers = self.mock_headers(response, location) if for_mock else ()
            responses[code] = ResponseSpec(code, media, {k: v.spec for k, v in media.items()}, headers)
        return responses

    def mock_headers(self, response: Any, at: Location) -> tuple[tuple[str, str], ...]:
        """Each declared response header with the value a mock sends: its example (or first named
        example), else one generated from its schema."""
        declared = response.get("headers") if isinstance(response, dict) else None
        found = []
        for name, entry in (declared or {}).items() if isinstance(declared, dict) else ():
            header, header_at = self.document.resolve(entry, at.child("headers", name))
            if not isinstance(header, dict) or str(name).lower() in ("content-type", "content-length"):
                continue
            examples = self.examples(header, header_at)
            if "x-example" in header:  # Swagger 2.0's spelling
                value = header["x-example"]
            elif examples:
                value = examples[0].value
            else:
                schema = header.get("schema") if "schema" in header else header  # 2.0: the header is its schema
                spec = self.media("text/plain", schema, header_at.child("schema"), "response")
                value = generate(spec.validator.schema) if spec.validator is not None else None
            if value is not None:
                found.append((str(name), header_text(value)))
        return tuple(found)

    def response_content(
        self, response: Any, at: Location, operation: dict[str, Any]
    ) -> list[tuple[str, Any, Location, tuple[Example, ...]]]:
        """(media type, schema, schema location, examples) for each declared media type."""
        content = response.get("content") if isinstance(response, dict) else None
        found = []
        for key, value in (content or {}).items():
            schema = value.get("schema") if isinstance(value, dict) else None
            found.append(
                (
                    media_type_of(key),
                    schema,
                    at.child("content", key, "schema"),
                    self.examples(value, at.child("content", key)),
                )
            )
        return found

    def response_media(
        self, media_type: str, schema: Any, schema_at: Location, examples: tuple[Example, ...], for_mock: bool
    ) -> ResponseMedia:
        spec = self.media(media_type, schema, schema_at, "response")
        bundled = spec.validator.schema if spec.validator is not None else None
        xml = is_xml(media_type)
        if for_mock and xml and bundled is None and schema is not None and not self.context.static:
            bundled = self.context.schemas.bundle(schema, schema_at, "response")  # to generate and render by
        mock_schema = bundled if for_mock else None
        return ResponseMedia(spec, examples, mock_schema, bundled if for_mock and xml else None)

    def examples(self, raw: Any, at: Location) -> tuple[Example, ...]:
        if not isinstance(raw, dict):
            return ()
        found: list[Example] = []
        if "example" in raw:
            found.append(Example("example", raw["example"]))
        examples = raw.get("examples")
        if isinstance(examples, dict):
            for name, entry in examples.items():
                example, _ = self.document.resolve(entry, at.child("examples", name))
                if isinstance(example, dict) and "value" in example:
                    found.append(Example(str(name), example["value"]))
        return tuple(found)


def form_fields(schema: Any, encoding: Any) -> dict[str, FormField]:
    """How each property of a form body's (bundled) schema is read: its shape and its `encoding`
    (style, explode, allowReserved; contentType for multipart parts; Swagger 2.0's allowEmptyValue)."""
    root: dict[str, Any] = schema if isinstance(schema, dict) else {}
    target = deref(root, root)
    found = target.get("properties") if isinstance(target, dict) else None
    properties: dict[str, Any] = found if isinstance(found, dict) else {}
    declared: dict[str, Any] = encoding if isinstance(encoding, dict) else {}
    fields = {}
    for name, sub in properties.items():
        chosen = declared.get(name)
        entry: dict[str, Any] = chosen if isinstance(chosen, dict) else {}
        style = str(entry.get("style", "form"))
        explode = entry.get("explode", style == "form")
        bundled = {**sub, "$defs": root.get("$defs", {})} if isinstance(sub, dict) else sub
        content_type = entry.get("contentType")
        types = tuple(t.strip() for t in content_type.split(",") if t.strip()) if isinstance(content_type, str) else ()
        fields[str(name)] = FormField(
            shape_of(bundled),
            style,
            bool(explode),
            content_types=types,
            binary=_is_file(deref(sub, root)),
            allow_empty=entry.get("allowEmptyValue") is not False,
            allow_reserved=entry.get("allowReserved") is not False,
        )
    return fields


def _is_file(schema: Any) -> bool:
    """Whether a form property is a file (its items, for an array of files)."""
    if isinstance(schema, dict) and isinstance(schema.get("items"), dict):
        schema = schema["items"]
    if not isinstance(schema, dict):
        return False
    return schema.get("format") == "binary" or "contentMediaType" in schema or "contentEncoding" in schema


def header_text(value: Any) -> str:
    """A value as a header carries it: arrays comma-joined (the simple style), booleans lower-case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(header_text(item) for item in value)
    if isinstance(value, dict):
        import json

        return json.dumps(value, separators=(",", ":"))
    return str(value)


def is_xml(media_type: str) -> bool:
    return media_type in ("application/xml", "text/xml") or media_type.endswith("+xml")
