"""The route table: a segment trie matched with backtracking, so literal segments win over
templated ones (`/users/me` before `/users/{id}`), and a greedy `{proxy+}` takes the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar
from urllib.parse import unquote

from apigw_cli.spec.walk import ANY, DEFAULT_ROUTE, TEMPLATE_PARAMETER

if TYPE_CHECKING:
    from collections.abc import Mapping

T = TypeVar("T")


@dataclass
class _Node(Generic[T]):
    literal: dict[str, _Node[T]] = field(default_factory=dict)
    params: list[tuple[str, _Node[T]]] = field(default_factory=list)  # whole-segment {name}
    patterns: list[tuple[re.Pattern[str], _Node[T]]] = field(default_factory=list)  # e.g. {name}.json
    greedy: tuple[str, _Node[T]] | None = None  # {name+}, always last
    methods: dict[str, T] = field(default_factory=dict)
    template: str = ""


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    target: T
    template: str
    params: dict[str, str]
    path: str = ""  # the request path under the base path it was served at (a REST API's resource path)


@dataclass(frozen=True, slots=True)
class MethodNotAllowed:
    template: str
    allowed: tuple[str, ...]


class Router(Generic[T]):
    """Maps (method, path) to a target; built once per snapshot, then read-only."""

    def __init__(self, base_paths: tuple[str, ...] = ("",)):
        self._root: _Node[T] = _Node()
        self._default: T | None = None  # an HTTP API's $default route: whatever nothing else matches
        self.base_paths = tuple(sorted({p.rstrip("/") for p in base_paths}, key=len, reverse=True))

    def add(self, template: str, method: str, target: T) -> None:
        if template == DEFAULT_ROUTE:
            self._default = target
            return
        node = self._root
        segments = _segments(template)
        for index, segment in enumerate(segments):
            whole = TEMPLATE_PARAMETER.fullmatch(segment)
            if whole and whole.group(1).endswith("+"):
                if index != len(segments) - 1:
                    raise ValueError(f"greedy parameter {segment} must be the last segment of {template}")
                if node.greedy is None:
                    node.greedy = (whole.group(1)[:-1], _Node())
                node = node.greedy[1]
            elif whole:
                node = _child(node.params, whole.group(1), template)
            elif TEMPLATE_PARAMETER.search(segment):
                node = _pattern_child(node, segment)
            else:
                node = node.literal.setdefault(segment, _Node())
        node.template = template
        node.methods[method] = target

    def match(self, method: str, raw_path: str) -> Match[T] | MethodNotAllowed | None:
        found = self._match(method, raw_path)
        if not isinstance(found, Match) and self._default is not None:
            return Match(self._default, DEFAULT_ROUTE, {}, self._strip_base(raw_path) or raw_path)
        return found

    def _match(self, method: str, raw_path: str) -> Match[T] | MethodNotAllowed | None:
        path = self._strip_base(raw_path)
        if path is None:
            return None
        segments = [unquote(s) for s in _segments(path)]
        params: dict[str, str] = {}
        found = _search(self._root, segments, 0, method, params)
        if found is not None:
            node, resolved = found
            return Match(_pick(node.methods, method), node.template, resolved, path)  # type: ignore[arg-type]
        any_method = _search(self._root, segments, 0, None, {})
        if any_method is not None:
            node = any_method[0]
            return MethodNotAllowed(node.template, allowed_methods(node.methods))
        return None

    def _strip_base(self, path: str) -> str | None:
        for base in self.base_paths:
            if not base:
                return path
            if path == base or path.startswith(base + "/"):
                return path[len(base) :] or "/"
        return None


def allowed_methods(methods: Mapping[str, object]) -> tuple[str, ...]:
    allowed = set(methods) - {ANY}
    if "GET" in allowed:
        allowed.add("HEAD")
    return tuple(sorted(allowed))


def _pick(methods: dict[str, T], method: str) -> T | None:
    if method in methods:
        return methods[method]
    if method == "HEAD" and "GET" in methods:
        return methods["GET"]
    return methods.get(ANY)


def _segments(path: str) -> list[str]:
    path = path.strip("/")
    return path.split("/") if path else []


def _child(params: list[tuple[str, _Node[T]]], name: str, template: str) -> _Node[T]:
    for existing, node in params:
        if existing == name:
            return node
    created: _Node[T] = _Node()
    params.append((name, created))
    return created


def _pattern_child(node: _Node[T], segment: str) -> _Node[T]:
    regex = ""
    position = 0
    for found in TEMPLATE_PARAMETER.finditer(segment):
        regex += re.escape(segment[position : found.start()]) + f"(?P<{_group(found.group(1))}>[^/]+?)"
        position = found.end()
    pattern = re.compile(regex + re.escape(segment[position:]))
    for existing, child in node.patterns:
        if existing.pattern == pattern.pattern:
            return child
    child = _Node[T]()
    node.patterns.append((pattern, child))
    return child


def _group(name: str) -> str:
    # regex group names must be identifiers; the original name is recovered in _search
    return "p_" + "".join(c if c.isalnum() else f"_{ord(c):x}_" for c in name)


def _ungroup(group: str) -> str:
    return re.sub(r"_([0-9a-f]+)_", lambda m: chr(int(m.group(1), 16)), group[2:])


def _accepts(node: _Node[T], method: str | None) -> bool:
    if method is None:
        return bool(node.methods)
    return _pick(node.methods, method) is not None


def _search(
    node: _Node[T], segments: list[str], index: int, method: str | None, params: dict[str, str]
) -> tuple[_Node[T], dict[str, str]] | None:
    if index == len(segments):
        if _accepts(node, method):
            return node, dict(params)
        return None
    segment = segments[index]
    child = node.literal.get(segment)
    if child is not None:
        found = _search(child, segments, index + 1, method, params)
        if found is not None:
            return found
    for pattern, child in node.patterns:
        matched = pattern.fullmatch(segment)
        if matched:
            added = {_ungroup(k): v for k, v in matched.groupdict().items()}
            found = _search(child, segments, index + 1, method, params | added)
            if found is not None:
                return found
    if segment:
        for name, child in node.params:
            params[name] = segment
            found = _search(child, segments, index + 1, method, params)
            del params[name]
            if found is not None:
                return found
    if node.greedy is not None:
        name, child = node.greedy
        if _accepts(child, method):
            return child, params | {name: "/".join(segments[index:])}
    return None
