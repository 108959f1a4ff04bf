"""`$input` and `$util` as the developer guide's mapping template reference defines them, and the
top-level names a template sees (`$input`, `$util`, `$context`, `$stageVariables`).

`$input` reads one payload: the method request's body in a request template, the integration
response's in a response template. Its JSON is parsed once, on first use. What the managed
gateway answers on the edge cases:

- `$input.body` of an empty payload is `{}` (recorded on AWS, LocalStack #12413: "API Gateway
  will replace an empty body with `{}` when using `$input.body`", whatever the Content-Type);
- `$input.json('$')` / `$input.path('$')` of an empty payload are `{}` / an empty map (the
  classic passthrough template's `"body-json": $input.json('$')` gives `{}` on a GET);
- a path that matches nothing is null: it renders empty, and `#if` takes it as false (LocalStack
  #12774 found, against AWS, that it is neither `{}` nor an empty list);
- a payload that is not JSON fails the template when a path is read (`BodyNotJson`), which the
  managed gateway answers 400 `Could not parse request body into json` for a request.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import quote_plus, unquote_plus

from apigw_cli.gateway import json_text
from apigw_cli.gateway.json_paths import NOTHING, evaluate
from apigw_cli.gateway.vtl.java import JsonMap, TemplateObject, from_json, java_text, to_json


class BodyNotJson(ValueError):
    """The payload a template reads with `$input.path` / `$input.json` is not JSON."""


Params = Mapping[str, Mapping[str, str]]  # "path" | "querystring" | "header" -> name -> value


class InputVariable(TemplateObject):
    exposed: ClassVar[frozenset[str]] = frozenset({"body", "json", "path", "params"})

    def __init__(self, payload: bytes, params: Params):
        self._payload = payload
        self._params = params
        self._document: Any = NOTHING

    @property
    def body(self) -> str:
        return self._payload.decode("utf-8", errors="replace") if self._payload else "{}"

    def json(self, path: str = "$") -> str | None:
        found = self._select(path)
        return None if found is NOTHING else to_json(found)

    def path(self, path: str) -> Any:
        found = self._select(path)
        return None if found is NOTHING else found

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return {kind: dict(values) for kind, values in self._params.items()}
        for kind in ("path", "querystring"):
            value = self._params.get(kind, {}).get(name)
            if value is not None:
                return value
        headers = self._params.get("header", {})
        lowered = str(name).lower()
        return next((value for key, value in headers.items() if key.lower() == lowered), "")

    def _select(self, path: Any) -> Any:
        if self._document is NOTHING:
            self._document = self._parse()
        return evaluate(str(path), self._document)

    def _parse(self) -> Any:
        if not self._payload.strip():
            return JsonMap()
        try:
            return from_json(json_text.loads(self._payload))
        except RecursionError:
            raise BodyNotJson("Could not parse request body into json: nested too deeply") from None
        except ValueError as exc:
            raise BodyNotJson(f"Could not parse request body into json: {exc}") from None


def escape_javascript(text: str) -> str:
    """Commons Lang's StringEscapeUtils.escapeJavaScript, which the function is named after:
    quotes, backslash and `/` get a backslash, control characters their escapes or `\\uXXXX`, and
    so does every character past ASCII. (The developer guide documents `'` -> `\\'`.)"""
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 32 or code > 0x7E:
            if code > 0xFFFF:  # outside the BMP: Java holds it as a surrogate pair
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
            else:
                out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    return "".join(out)


_ESCAPES = {
    "'": "\\'",
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_URL_SAFE_TILDE = re.compile("~")


class UtilVariable(TemplateObject):
    exposed: ClassVar[frozenset[str]] = frozenset(
        {"escapeJavaScript", "parseJson", "toJson", "base64Encode", "base64Decode", "urlEncode", "urlDecode"}
    )

    def escapeJavaScript(self, value: Any) -> str | None:
        return None if value is None else escape_javascript(java_text(value))

    def parseJson(self, text: Any) -> Any:
        try:
            return from_json(json_text.loads(java_text(text)))
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"$util.parseJson: not JSON: {exc}") from None

    def toJson(self, value: Any) -> str:
        return to_json(value)

    def base64Encode(self, value: Any) -> str:
        return base64.b64encode(java_text(value).encode()).decode("ascii")

    def base64Decode(self, value: Any) -> str:
        return base64.b64decode(java_text(value)).decode("utf-8", errors="replace")

    def urlEncode(self, value: Any) -> str:
        """Java's URLEncoder (UTF-8): letters, digits and `.-*_` stay, a space is `+`."""
        return _URL_SAFE_TILDE.sub("%7E", quote_plus(java_text(value), safe="*"))

    def urlDecode(self, value: Any) -> str:
        return unquote_plus(java_text(value))


UTIL = UtilVariable()


def template_variables(
    payload: InputVariable, context: dict[str, Any], stage_variables: Mapping[str, str]
) -> dict[str, Any]:
    """The names a mapping template starts with. `context` is the request's `$context` map, which
    a template may change (`$context.requestOverride.*`, `$context.responseOverride.*`)."""
    return {"input": payload, "util": UTIL, "context": context, "stageVariables": dict(stage_variables)}
