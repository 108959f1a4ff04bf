"""JSON Schema errors of a document, said in words at the deepest node that is wrong.

A `oneOf`/`anyOf` failure is not reported as the summary of a parent: the branch the node was
evidently meant to be is chosen (the one that fails on fewest discriminating values: a parameter
with `in: path` is a path parameter; a node without `$ref` is not a Reference) and its own errors
are explained instead. When every branch fails only on one property's allowed values, those are
merged into one finding (`"in" must be one of "path", "query", "header", "cookie"; did you mean
"query"?`). Unexpected properties are reported at the property itself."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

_BRANCHING = ("OneOfNotValid", "AnyOf")
_CHOICES = ("Enum", "Constant")
_MAX_DEPTH = 12


@dataclass(frozen=True)
class SchemaFinding:
    path: tuple[str, ...]
    message: str


def _kind(error: Any) -> str:
    return type(error.kind).__name__


def _details(error: Any) -> dict[str, Any]:
    try:
        found = error.kind.as_dict()
    except Exception:  # a kind without details
        return {}
    return found if isinstance(found, dict) else {}


def _path(error: Any) -> tuple[str, ...]:
    return tuple(str(token) for token in error.instance_path)


def _node(document: Any, path: tuple[str, ...]) -> Any:
    for token in path:
        if isinstance(document, dict):
            document = document.get(token)
        elif isinstance(document, list) and token.isdigit() and int(token) < len(document):
            document = document[int(token)]
        else:
            return None
    return document


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _choices_message(name: str, value: Any, options: list[Any]) -> str:
    allowed = ", ".join(_shown(option) for option in options)
    text = f'"{name}" must be one of: {allowed}' if name else f"must be one of: {allowed}"
    if isinstance(value, str):
        close = difflib.get_close_matches(value, [str(option) for option in options], n=1, cutoff=0.5)
        if close:
            text += f'. Did you mean "{close[0]}"?'
    return text


def explain(error: Any, document: Any, depth: int = 0) -> list[SchemaFinding]:
    kind, path = _kind(error), _path(error)
    details = _details(error)
    if kind in _BRANCHING and depth < _MAX_DEPTH:
        branches = [list(branch) for branch in getattr(error.kind, "context", None) or []]
        if branches:
            return _branches(branches, path, document, depth)
        return [SchemaFinding(path, "matches none of the shapes allowed here")]
    if kind == "AdditionalProperties":
        unexpected = details.get("unexpected") or []
        return [
            SchemaFinding((*path, str(name)), f'Property "{name}" is not expected to be here') for name in unexpected
        ]
    if kind in _CHOICES:
        options = details.get("options") if kind == "Enum" else [details.get("expected_value")]
        name = path[-1] if path else ""
        return [SchemaFinding(path, _choices_message(name, _node(document, path), list(options or [])))]
    if kind == "Required":
        return [SchemaFinding(path, f'missing the required property "{details.get("property")}"')]
    if kind == "Type":
        expected = details.get("types") or details.get("type") or details.get("kind")
        actual = _node(document, path)
        return [SchemaFinding(path, f"must be {_type_words(expected)}, not {_type_of(actual)}")]
    return [SchemaFinding(path, str(error.message))]


def _type_words(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(str(item) for item in expected)
    return str(expected)


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _branches(branches: list[list[Any]], path: tuple[str, ...], document: Any, depth: int) -> list[SchemaFinding]:
    node = _node(document, path)
    # the Reference branch (only "$ref is required") is not what a node without $ref meant to be
    meant = [
        branch
        for branch in branches
        if not (isinstance(node, dict) and "$ref" not in node and _only_ref_required(branch))
    ] or branches
    merged = _merged_choices(meant, document)
    if merged is not None:
        return [merged]
    if all(len(branch) == 1 and _kind(branch[0]) == "Required" and _path(branch[0]) == path for branch in meant):
        wanted = " or ".join(f'"{_details(branch[0]).get("property")}"' for branch in meant)
        return [SchemaFinding(path, f"needs {wanted}")]
    best = min(meant, key=lambda branch: _cost(branch))
    found: list[SchemaFinding] = []
    for sub in best:
        found.extend(explain(sub, document, depth + 1))
    return _unique(found) or [SchemaFinding(path, "matches none of the shapes allowed here")]


def _only_ref_required(branch: list[Any]) -> bool:
    return len(branch) == 1 and _kind(branch[0]) == "Required" and _details(branch[0]).get("property") == "$ref"


def _merged_choices(branches: list[list[Any]], document: Any) -> SchemaFinding | None:
    """Every branch refuses the same property's value: one finding with all the allowed values."""
    options: list[Any] = []
    place: tuple[str, ...] | None = None
    for branch in branches:
        choices = [sub for sub in branch if _kind(sub) in _CHOICES]
        if len(choices) != 1:
            return None
        sub = choices[0]
        if place is None:
            place = _path(sub)
        elif _path(sub) != place:
            return None
        details = _details(sub)
        allowed = details.get("options") if _kind(sub) == "Enum" else [details.get("expected_value")]
        for option in allowed or []:
            if option not in options:
                options.append(option)
    if place is None:
        return None
    return SchemaFinding(place, _choices_message(place[-1] if place else "", _node(document, place), options))


def _cost(branch: list[Any]) -> tuple[int, int, int]:
    """Fewest refused discriminating values first, then the deepest errors, then the fewest."""
    choices = sum(1 for sub in branch if _kind(sub) in _CHOICES)
    deepest = max((len(_path(sub)) for sub in branch), default=0)
    return choices, -deepest, len(branch)


def _unique(found: list[SchemaFinding]) -> list[SchemaFinding]:
    seen: set[tuple[tuple[str, ...], str]] = set()
    out = []
    for finding in found:
        key = (finding.path, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def schema_findings(validator: Any, document: Any, limit: int) -> Iterator[SchemaFinding]:
    """The explained errors of `document` under `validator`, at most `limit`."""
    count = 0
    seen: set[tuple[tuple[str, ...], str]] = set()
    for error in validator.iter_errors(document):
        for finding in explain(error, document):
            key = (finding.path, finding.message)
            if key in seen:
                continue
            seen.add(key)
            yield finding
            count += 1
            if count >= limit:
                return
