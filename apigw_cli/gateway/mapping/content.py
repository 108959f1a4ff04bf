"""`contentHandling` and `binaryMediaTypes`: when a payload is base64-encoded or decoded between
method and integration, as the developer guide's tables give it (api-gateway-payload-encodings-
workflow).

Request: CONVERT_TO_BINARY decodes the (base64 text) body; CONVERT_TO_TEXT encodes a binary body
(its Content-Type is one of the binary media types); unset passes it as it is.

Response: CONVERT_TO_BINARY decodes; CONVERT_TO_TEXT encodes a binary payload; unset decodes a
text payload when the client's first Accept type is binary, and encodes a binary payload when it
is not, once binary media types are declared.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
from typing import Literal

from apigw_cli.gateway.validation.body import media_type_of

ContentHandling = Literal["CONVERT_TO_TEXT", "CONVERT_TO_BINARY"]
CONTENT_HANDLINGS: tuple[ContentHandling, ...] = ("CONVERT_TO_TEXT", "CONVERT_TO_BINARY")


class ConversionFailed(ValueError):
    """A body to base64-decode is not base64 (the managed gateway answers 500)."""


def is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether a media type is one of the binary media types (patterns like `image/*` allowed)."""
    if not content_type or not binary_media_types:
        return False
    media_type = media_type_of(content_type)
    return any(fnmatch.fnmatchcase(media_type, pattern) for pattern in binary_media_types)


def _decode(body: bytes) -> bytes:
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConversionFailed(f"the payload is not base64 to convert to binary: {exc}") from None


def convert_request(
    body: bytes, handling: ContentHandling | None, content_type: str | None, binary_media_types: tuple[str, ...]
) -> bytes:
    if handling == "CONVERT_TO_BINARY":
        return body if is_binary(content_type, binary_media_types) else _decode(body)
    if handling == "CONVERT_TO_TEXT" and is_binary(content_type, binary_media_types):
        return base64.b64encode(body)
    return body


def convert_response(
    body: bytes,
    handling: ContentHandling | None,
    content_type: str | None,
    accept: str | None,
    binary_media_types: tuple[str, ...],
) -> bytes:
    binary = is_binary(content_type, binary_media_types)
    if handling == "CONVERT_TO_BINARY":
        return body if binary else _decode(body)
    if handling == "CONVERT_TO_TEXT":
        return base64.b64encode(body) if binary else body
    if not binary_media_types:
        return body
    wants_binary = is_binary(accept.split(",", 1)[0] if accept else None, binary_media_types)
    if wants_binary and not binary:
        return _decode(body)
    if binary and not wants_binary:
        return base64.b64encode(body)
    return body
