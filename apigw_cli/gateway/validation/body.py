"""Request and response bodies: which declared media type a Content-Type selects, and
how a body of that type is parsed into a value to validate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl

from apigw_cli.gateway import json_text
from apigw_cli.gateway.validation.params import ValueShape, coerce
from apigw_cli.gateway.validation.schema import SchemaValidator

BodyKind = Literal["json", "form", "text", "other"]


@dataclass(frozen=True, slots=True)
class MediaSpec:
    """One declared media type of a body, compiled."""

    media_type: str
    kind: BodyKind
    validator: SchemaValidator | None
    form_fields: Mapping[str, FormField] | None = None  # form bodies: property -> how its value is read


@dataclass(frozen=True, slots=True)
class FormField:
    """A property of a form body: its shape and its `encoding` (style form, explode true unless said)."""

    shape: ValueShape
    style: str = "form"
    explode: bool = True


NOT_CHECKED: Any = object()  # what parse_body gives for a body no schema reads (binary media types)
_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def media_type_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def body_kind(media_type: str) -> BodyKind:
    if media_type == "application/json" or media_type.endswith("+json") or media_type == "*/*":
        return "json"
    if media_type == "application/x-www-form-urlencoded":
        return "form"
    if media_type.startswith("text/"):
        return "text"
    return "other"


def select_media(declared: Mapping[str, MediaSpec], content_type: str | None) -> MediaSpec | None:
    """The declared media type a Content-Type matches: exact, then `type/*`, then `*/*`."""
    media_type = media_type_of(content_type)
    found = declared.get(media_type)
    if found is None:
        found = declared.get(media_type.split("/", 1)[0] + "/*") or declared.get("*/*")
    return found


class BodyParseError(ValueError):
    pass


def parse_body(media: MediaSpec, content_type: str | None, body: bytes) -> Any:
    """The value to validate; for `*/*` a body counts as JSON only when it is labelled JSON."""
    kind = media.kind
    if media.media_type == "*/*" and body_kind(media_type_of(content_type)) != "json":
        kind = "other"
    if kind == "json":
        try:
            return json_text.loads(body)
        except ValueError as exc:
            raise BodyParseError(f"Invalid JSON: {exc}") from None
    if kind == "form":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyParseError(f"form body is not UTF-8: {exc.reason}") from None
        return parse_form(text, media.form_fields or {})
    if kind == "text":
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyParseError(f"text body is not UTF-8: {exc.reason}") from None
    return NOT_CHECKED


def parse_form(text: str, fields: Mapping[str, FormField]) -> dict[str, Any]:
    """A form body as the object its schema describes, its fields read as query parameters are: an
    array property sent once is a one-item array, repeated it is all of them (explode), or its one
    value split at the style's delimiter (explode false); other properties take their last value."""
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    out: dict[str, Any] = {}
    for name, sent in values.items():
        field = fields.get(name)
        if field is None or field.shape.kind != "array":
            out[name] = coerce(sent[-1], field.shape.types if field else ())
            continue
        items = sent if field.explode else sent[-1].split(_DELIMITERS.get(field.style, ",")) if sent[-1] else []
        out[name] = [coerce(item, field.shape.types) for item in items]
    return out
