"""Request and response bodies: which declared media type a Content-Type selects, and
how a body of that type is parsed into a value to validate (JSON, text, URL-encoded and
multipart forms read field by field with their `encoding`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote_plus

from apigw_cli.gateway import json_text
from apigw_cli.gateway.validation.params import ValueShape, coerce

if TYPE_CHECKING:
    from collections.abc import Mapping

    from apigw_cli.gateway.validation.schema import SchemaValidator

BodyKind = Literal["json", "form", "multipart", "text", "other"]


@dataclass(frozen=True, slots=True)
class MediaSpec:
    """One declared media type of a body, compiled."""

    media_type: str
    kind: BodyKind
    validator: SchemaValidator | None
    form_fields: Mapping[str, FormField] | None = None  # form bodies: property -> how its value is read
    text_shape: ValueShape | None = None  # text bodies: read as the schema's primitive type


@dataclass(frozen=True, slots=True)
class FormField:
    """A property of a form body: its shape and its `encoding` (style form, explode true unless said)."""

    shape: ValueShape
    style: str = "form"
    explode: bool = True
    content_types: tuple[str, ...] = ()  # multipart: the part's Content-Type must be one (`image/*` too)
    binary: bool = False  # a file (format binary, contentMediaType, 2.0 `type: file`): its bytes, not text
    allow_empty: bool = True  # False when declared `allowEmptyValue: false`: an empty value is refused
    allow_reserved: bool = True  # False when declared `allowReserved: false`: raw reserved characters refused


NOT_CHECKED: Any = object()  # what parse_body gives for a body no schema reads (binary media types)
_DELIMITERS = {"form": ",", "spaceDelimited": " ", "pipeDelimited": "|"}


def media_type_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def body_kind(media_type: str) -> BodyKind:
    if media_type == "application/json" or media_type.endswith("+json") or media_type == "*/*":
        return "json"
    if media_type == "application/x-www-form-urlencoded":
        return "form"
    if media_type == "multipart/form-data":
        return "multipart"
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
    def __init__(self, message: str, path: str = "/"):
        super().__init__(message)
        self.path = path  # the JSON pointer of the field at fault


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
    if kind == "multipart":
        return parse_multipart(body, content_type or "", media.form_fields or {})
    if kind == "text":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyParseError(f"text body is not UTF-8: {exc.reason}") from None
        shape = media.text_shape
        if shape is None:
            return text
        if shape.kind != "primitive":
            return NOT_CHECKED  # an object or array schema says nothing about how it is written as text
        return coerce(text, shape.types)
    return NOT_CHECKED


def parse_form(text: str, fields: Mapping[str, FormField]) -> dict[str, Any]:
    """A form body as the object its schema describes, its fields read as query parameters are: an
    array property sent once is a one-item array, repeated it is all of them (explode), or its one
    value split at the style's delimiter (explode false: the raw delimiter splits, a percent-encoded
    one is data); other properties take their last value."""
    values: dict[str, list[str]] = {}
    for pair in text.split("&"):
        if pair:
            name, _, raw = pair.partition("=")
            values.setdefault(unquote_plus(name), []).append(raw)
    out: dict[str, Any] = {}
    for name, sent in values.items():
        field = fields.get(name)
        delimiter = _DELIMITERS.get(field.style, ",") if field is not None else ","
        if field is not None:
            for raw in sent:
                _check_form_value(name, raw, field, delimiter)
        if field is None or field.shape.kind != "array":
            out[name] = coerce(unquote_plus(sent[-1]), field.shape.types if field else ())
            continue
        if field.explode:
            items = [unquote_plus(raw) for raw in sent]
        else:
            raw_delimiter = "+" if delimiter == " " else delimiter  # a space arrives as + or %20
            last = sent[-1].replace("%20", "+") if delimiter == " " else sent[-1]
            items = [unquote_plus(item) for item in last.split(raw_delimiter)] if last else []
        out[name] = [coerce(item, field.shape.types) for item in items]
    return out


_RESERVED = ":/?#[]@!$'()*,;"


def _check_form_value(name: str, raw: str, field: FormField, delimiter: str) -> None:
    if not field.allow_empty and raw == "":
        raise BodyParseError(f"{name!r} must not be empty (allowEmptyValue is false)", f"/{name}")
    if not field.allow_reserved:
        found = next((c for c in raw if c in _RESERVED and not (c == delimiter and field.shape.kind == "array")), None)
        if found is not None:
            raise BodyParseError(
                f"{name!r}: reserved character {found!r} must be percent-encoded (allowReserved is false)", f"/{name}"
            )


def parse_multipart(body: bytes, content_type: str, fields: Mapping[str, FormField]) -> dict[str, Any]:
    """A multipart/form-data body as the object its schema describes: each part is the property
    its Content-Disposition names, read by its Content-Type (JSON parsed, text coerced to the
    property's type, files kept as their bytes), a repeated part is an array's items, and a part
    whose Content-Type its `encoding` does not allow is refused."""
    import email.policy
    from email.errors import CloseBoundaryNotFoundDefect, StartBoundaryNotFoundDefect
    from email.parser import BytesParser

    if "boundary=" not in content_type.lower():
        raise BodyParseError("multipart/form-data body without a boundary in its Content-Type")
    head = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or any(
        isinstance(d, StartBoundaryNotFoundDefect | CloseBoundaryNotFoundDefect) for d in message.defects
    ):
        raise BodyParseError("multipart/form-data body is malformed: its boundary does not open and close it")
    parts: dict[str, list[Any]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            raise BodyParseError("a multipart part has no name in its Content-Disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        declared_type = media_type_of(part["content-type"]) if part["content-type"] else None
        parts.setdefault(name, []).append(_part_value(name, data, declared_type, fields.get(name)))
    out: dict[str, Any] = {}
    for name, values in parts.items():
        field = fields.get(name)
        out[name] = values if field is not None and field.shape.kind == "array" else values[-1]
    return out


def _part_value(name: str, data: bytes, part_type: str | None, field: FormField | None) -> Any:
    path = f"/{name}"
    if (
        field is not None
        and field.content_types
        and not any(_media_matches(part_type or "text/plain", allowed) for allowed in field.content_types)
    ):
        allowed = ", ".join(field.content_types)
        raise BodyParseError(
            f"part {name!r} has Content-Type {part_type or 'text/plain'}; its encoding allows {allowed}", path
        )
    if field is not None and not field.allow_empty and not data:
        raise BodyParseError(f"part {name!r} must not be empty (allowEmptyValue is false)", path)
    if field is not None and field.binary:
        return data.decode("latin-1")  # a file: its bytes, one character each (lengths count bytes)
    item_types = field.shape.types if field is not None else ()
    as_json = (part_type is not None and body_kind(part_type) == "json") or (
        part_type is None and field is not None and (field.shape.kind == "object" or "object" in item_types)
    )
    if as_json:
        try:
            return json_text.loads(data)
        except ValueError as exc:
            raise BodyParseError(f"part {name!r}: invalid JSON: {exc}", path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyParseError(f"part {name!r} is not UTF-8 text: {exc.reason}", path) from None
    return coerce(text, item_types)


def _media_matches(media_type: str, allowed: str) -> bool:
    allowed = media_type_of(allowed)
    if allowed in ("*/*", media_type):
        return True
    return allowed.endswith("/*") and media_type.split("/", 1)[0] == allowed[:-2]
