"""Request and response bodies: which declared media type a Content-Type selects, and
how a body of that type is parsed into a value to validate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl

from apigw_cli.gateway import json_text
from apigw_cli.gateway.validation.params import coerce
from apigw_cli.gateway.validation.schema import SchemaValidator

BodyKind = Literal["json", "form", "text", "other"]


@dataclass(frozen=True, slots=True)
class MediaSpec:
    """One declared media type of a body, compiled."""

    media_type: str
    kind: BodyKind
    validator: SchemaValidator | None
    form_types: Mapping[str, tuple[str, ...]] | None = None  # form bodies: property -> JSON types


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
        types = media.form_types or {}
        return {name: coerce(value, types.get(name, ())) for name, value in parse_qsl(text, keep_blank_values=True)}
    if kind == "text":
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyParseError(f"text body is not UTF-8: {exc.reason}") from None
    return None
