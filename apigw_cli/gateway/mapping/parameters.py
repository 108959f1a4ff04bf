"""Parameter mappings of REST APIs (developer guide, request-response-data-mappings): where each
integration request parameter comes from (`requestParameters`), and each method response header
(`responseParameters` of an integration response).

Sources of a request parameter: `method.request.path|querystring|multivaluequerystring|header|
multivalueheader.NAME`, `method.request.body`, `method.request.body.JSONPath` (the `$.` left
out), `context.NAME`, `stageVariables.NAME` and a `'static'` value. Targets:
`integration.request.path|querystring|multivaluequerystring|header|multivalueheader.NAME`.
A single-value source of a repeated query string parameter or header is its last value.

Sources of a method response header: `integration.response.header|multivalueheader.NAME`,
`integration.response.body`, `integration.response.body.JSONPath`, `context.NAME`,
`stageVariables.NAME` and `'static'`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from apigw_cli.gateway import json_text
from apigw_cli.gateway.context_variables import context_value
from apigw_cli.gateway.json_paths import NOTHING, evaluate
from apigw_cli.gateway.mapping.scope import MappingScope
from apigw_cli.gateway.vtl.java import java_text

TargetKind = Literal["path", "querystring", "multivaluequerystring", "header", "multivalueheader"]
TARGET_KINDS: tuple[TargetKind, ...] = ("path", "querystring", "multivaluequerystring", "header", "multivalueheader")
_REQUEST_SOURCES = ("path", "querystring", "multivaluequerystring", "header", "multivalueheader")


class MappingSyntaxError(ValueError):
    """A mapping expression the managed gateway would not accept."""


# a source: (the scope of the request, the integration response or None) -> values, [] when absent
Reader = Callable[[MappingScope, "BackendAnswer | None"], list[str]]


@dataclass(frozen=True, slots=True)
class BackendAnswer:
    """What an integration answered, as response mappings read it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header_values(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]


@dataclass(frozen=True, slots=True)
class MappingSource:
    text: str  # as written, for messages
    read: Reader
    greedy: bool = False  # a greedy path parameter ({proxy+}): its slashes are kept in a URL

    def values(self, scope: MappingScope, answer: BackendAnswer | None = None) -> list[str]:
        return self.read(scope, answer)


def _static(value: str) -> Reader:
    return lambda scope, answer: [value]


def _body_text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _json_value(body: bytes, path: str) -> list[str]:
    """A JSONPath into a JSON body: a string as itself, anything else as JSON; [] for no match
    (or a body that is not JSON)."""
    try:
        document = json_text.loads(body) if body.strip() else {}
    except ValueError:
        return []
    found = evaluate("$." + path, document)
    if found is NOTHING or found is None:
        return []
    return [found if isinstance(found, str) else json.dumps(found, separators=(",", ":"))]


def _context_reader(name: str) -> Reader:
    def read(scope: MappingScope, answer: BackendAnswer | None) -> list[str]:
        value = context_value(scope.context, name)
        return [] if value is None or isinstance(value, dict) else [java_text(value)]

    return read


def _stage_reader(name: str) -> Reader:
    return lambda scope, answer: [scope.deployment.variables[name]] if name in scope.deployment.variables else []


def _common_source(text: str) -> Reader | None:
    if len(text) >= 2 and text.startswith("'") and text.endswith("'"):
        return _static(text[1:-1])
    if text.startswith("context.") and len(text) > len("context."):
        return _context_reader(text[len("context.") :])
    if text.startswith("stageVariables.") and len(text) > len("stageVariables."):
        return _stage_reader(text[len("stageVariables.") :])
    return None


def request_source(text: str, greedy_names: frozenset[str] = frozenset()) -> MappingSource:
    """A `requestParameters` source; MappingSyntaxError for one that is not."""
    reader = _common_source(text)
    if reader is not None:
        return MappingSource(text, reader)
    if text == "method.request.body":
        return MappingSource(text, lambda scope, answer: [_body_text(scope.body)])
    if text.startswith("method.request.body."):
        path = text[len("method.request.body.") :]
        return MappingSource(text, lambda scope, answer: _json_value(scope.body, path))
    kind, _, name = text.removeprefix("method.request.").partition(".")
    if not text.startswith("method.request.") or kind not in _REQUEST_SOURCES or not name:
        raise MappingSyntaxError(
            f"{text!r} is not a request parameter source (method.request.path|querystring|header|"
            "multivaluequerystring|multivalueheader.NAME, method.request.body[.JSONPath], context.NAME, "
            "stageVariables.NAME or 'static')"
        )
    if kind == "path":
        return MappingSource(
            text,
            lambda scope, answer: [scope.exchange.path_params[name]] if name in scope.exchange.path_params else [],
            greedy=name in greedy_names,
        )
    if kind == "querystring":
        return MappingSource(text, lambda scope, answer: scope.query_values(name)[-1:])
    if kind == "multivaluequerystring":
        return MappingSource(text, lambda scope, answer: scope.query_values(name))
    if kind == "header":
        return MappingSource(text, lambda scope, answer: scope.header_values(name)[-1:])
    return MappingSource(text, lambda scope, answer: scope.header_values(name))


def _response_header_reader(name: str, multiple: bool) -> Reader:
    def read(scope: MappingScope, answer: BackendAnswer | None) -> list[str]:
        values = answer.header_values(name) if answer else []
        return values if multiple else values[-1:]

    return read


def response_source(text: str) -> MappingSource:
    """A `responseParameters` source; MappingSyntaxError for one that is not."""
    reader = _common_source(text)
    if reader is not None:
        return MappingSource(text, reader)
    if text == "integration.response.body":
        return MappingSource(text, lambda scope, answer: [_body_text(answer.body)] if answer else [])
    if text.startswith("integration.response.body."):
        path = text[len("integration.response.body.") :]
        return MappingSource(text, lambda scope, answer: _json_value(answer.body, path) if answer else [])
    for kind in ("header", "multivalueheader"):
        prefix = f"integration.response.{kind}."
        if text.startswith(prefix) and len(text) > len(prefix):
            return MappingSource(text, _response_header_reader(text[len(prefix) :], multiple=kind != "header"))
    raise MappingSyntaxError(
        f"{text!r} is not a response parameter source (integration.response.header|multivalueheader.NAME, "
        "integration.response.body[.JSONPath], context.NAME, stageVariables.NAME or 'static')"
    )


@dataclass(slots=True)
class IntegrationRequestParts:
    """The integration request's parameters, once mapped."""

    path: dict[str, str] = field(default_factory=dict)
    greedy: set[str] = field(default_factory=set)  # path parameters whose slashes stay
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)

    def set_query(self, name: str, values: list[str]) -> None:
        self.query = [(key, value) for key, value in self.query if key != name] + [(name, v) for v in values]

    def set_header(self, name: str, values: list[str]) -> None:
        lowered = name.lower()
        self.headers = [(key, value) for key, value in self.headers if key != lowered]
        self.headers += [(lowered, value) for value in values]


@dataclass(frozen=True, slots=True)
class RequestParameters:
    """Compiled `requestParameters`: (target kind, target name, source)."""

    mappings: tuple[tuple[TargetKind, str, MappingSource], ...] = ()

    @property
    def path_targets(self) -> frozenset[str]:
        return frozenset(name for kind, name, _ in self.mappings if kind == "path")

    def apply(self, scope: MappingScope, parts: IntegrationRequestParts) -> None:
        for kind, name, source in self.mappings:
            values = source.values(scope)
            if not values:
                continue
            if kind == "path":
                parts.path[name] = values[-1]
                if source.greedy:
                    parts.greedy.add(name)
            elif kind in ("querystring", "multivaluequerystring"):
                parts.set_query(name, values)
            elif kind == "header":
                parts.set_header(name, [",".join(values)])
            else:
                parts.set_header(name, values)


def parse_request_parameters(
    declared: dict[str, Any], greedy_names: frozenset[str]
) -> tuple[RequestParameters, list[tuple[str, str]]]:
    """`requestParameters` compiled, and the (key, reason) of entries that are not mappings."""
    mappings: list[tuple[TargetKind, str, MappingSource]] = []
    problems = []
    for target, source_text in declared.items():
        parts = str(target).split(".", 3)
        if len(parts) != 4 or parts[:2] != ["integration", "request"] or parts[2] not in TARGET_KINDS or not parts[3]:
            problems.append((str(target), "must look like integration.request.header.NAME (or path, querystring, ...)"))
            continue
        try:
            source = request_source(str(source_text), greedy_names)
        except MappingSyntaxError as exc:
            problems.append((str(target), str(exc)))
            continue
        mappings.append((parts[2], parts[3], source))
    return RequestParameters(tuple(mappings)), problems


def apply_request_override(override: dict[str, Any], parts: IntegrationRequestParts) -> None:
    """`$context.requestOverride.path|querystring|header.NAME` a request template set: over the
    mapped parameters (a list value sets repeated query string values or headers)."""
    for kind in ("path", "querystring", "header"):
        values = override.get(kind)
        if not isinstance(values, dict):
            continue
        for name, value in values.items():
            items = [java_text(item) for item in value] if isinstance(value, list) else [java_text(value)]
            if kind == "path":
                parts.path[str(name)] = items[-1] if items else ""
            elif kind == "querystring":
                parts.set_query(str(name), items)
            else:
                parts.set_header(str(name), items)
