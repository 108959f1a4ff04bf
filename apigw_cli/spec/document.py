"""The loaded spec: every file it consists of, parsed, with `$ref` checked and resolvable.

`load_spec` reads the root file, follows every `$ref` into other files (relative paths,
JSON pointers with `~0`/`~1`), and fails with file:line:col on the first ref that points
nowhere. Nothing is expanded: recursive schemas stay graphs, and consumers resolve one
`$ref` at a time through `SpecDocument.resolve`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apigw_cli.errors import SpecError
from apigw_cli.spec.locate import locate
from apigw_cli.spec.parse import parse_file
from apigw_cli.spec.pointer import Pointer, format_pointer, parse_pointer

# keys whose values are maps from names to objects, so a child key like "enum" is a name there
_NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "schemas",
        "parameters",
        "responses",
        "headers",
        "examples",
        "requestBodies",
        "securitySchemes",
        "links",
        "callbacks",
        "paths",
        "content",
        "encoding",
        "variables",
        "dependentSchemas",
        "pathItems",
        "webhooks",
        "mapping",
    }
)
# keys whose values are literal data, where a "$ref" key is data and not a reference
_LITERAL_KEYS = frozenset({"example", "enum", "const", "default"})
# extensions whose `$ref`s are references (the managed gateway's reusable integrations), not data
_REF_EXTENSIONS = frozenset({"x-amazon-apigateway-integration"})
# the managed gateway's built-in models of REST APIs: a `$ref` to them resolves even when the spec
# does not define them (its import adds them to every REST API)
BUILT_IN_MODELS: dict[str, dict[str, Any]] = {
    "Empty": {"title": "Empty Schema", "type": "object"},
    "Error": {"title": "Error Schema", "type": "object", "properties": {"message": {"type": "string"}}},
}
_MAX_REF_HOPS = 64


@dataclass(frozen=True, slots=True)
class Location:
    """Where a node lives: a file and a JSON pointer inside it."""

    file: Path
    pointer: Pointer

    def child(self, *tokens: str | int) -> Location:
        # lint walks make ~250,000 of these on a 13 MB spec: map() and no frozen __setattr__ dance
        made = object.__new__(Location)
        object.__setattr__(made, "file", self.file)
        object.__setattr__(made, "pointer", self.pointer + tuple(map(str, tokens)))
        return made

    def __str__(self) -> str:
        return self.text(display_path(self.file))

    def text(self, shown_file: str) -> str:
        """The location with its file shown as `shown_file` (for callers that show many locations)."""
        return f"{shown_file}#{format_pointer(self.pointer)}"


Stamp = tuple[int, int, int] | None  # (mtime in ns, size, inode), None for a missing file
# file systems set mtimes from a coarse clock (a few ms a tick): two writes within one tick, of the
# same size, look alike; a file written this recently is stamped with mtime 0, which no later stamp
# of it equals
_SETTLING_NS = 100_000_000


def file_stamp(path: Path | str) -> Stamp:
    """What tells that a file changed since it was stamped (None: it is gone)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    mtime = found.st_mtime_ns if time.time_ns() - found.st_mtime_ns >= _SETTLING_NS else 0
    return mtime, found.st_size, found.st_ino


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


class SpecDocument:
    """All files of one spec, parsed. Read-only by convention: compile walks it once."""

    def __init__(self, root_path: Path, files: dict[Path, Any]):
        self.root_path = root_path
        self.files = files
        self.root: dict[str, Any] = files[root_path]
        self.version = str(self.root.get("openapi") or self.root.get("swagger") or "")
        self.refs: list[tuple[str, Location]] = []  # every $ref string and where it stands
        self.extension_refs: list[tuple[str, Location]] = []  # those inside extensions (not followed)
        self.stamps: dict[Path, Stamp] = {}  # each file as it was just before it was read
        self.built_in_models: tuple[str, ...] = ()  # the managed gateway's models the spec uses undeclared

    @property
    def dialect(self) -> str:
        """ "2.0", "3.0" or "3.1"."""
        if self.version.startswith("2"):
            return "2.0"
        return "3.1" if self.version.startswith("3.1") else "3.0"

    @property
    def root_location(self) -> Location:
        return Location(self.root_path, ())

    def node(self, location: Location) -> Any:
        return _walk(self.files[location.file], location.pointer)

    def error(self, message: str, location: Location) -> SpecError:
        position = locate(location.file, location.pointer)
        line, col = position if position is not None else (None, None)
        return SpecError(message, display_path(location.file), line, col)

    def ref_target(self, ref: str, at: Location) -> Location:
        """The location a `$ref` string found at `at` points to (already checked by load_spec)."""
        file_part, _, fragment = ref.partition("#")
        file = (at.file.parent / file_part).resolve() if file_part else at.file
        return Location(file, parse_pointer(fragment))

    def resolve(self, value: Any, at: Location) -> tuple[Any, Location]:
        """Follow `$ref` chains from `value` (found at `at`) to a node that is not a reference."""
        seen: set[Location] = set()
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            if at in seen or len(seen) > _MAX_REF_HOPS:
                raise self.error(f"$ref cycle: {value['$ref']!r} refers back to itself", at)
            seen.add(at)
            target = self.ref_target(value["$ref"], at)
            at, value = target, self.node(target)
        return value, at


def _walk(data: Any, pointer: Pointer) -> Any:
    for token in pointer:
        if isinstance(data, dict):
            data = data[token]
        elif isinstance(data, list):
            data = data[int(token)]
        else:
            raise KeyError(token)
    return data


@dataclass(frozen=True)
class RefProblem:
    """A `$ref` that cannot be followed, found by a lenient load (lint reports them all)."""

    message: str
    at: Location


def load_spec(path: Path, ref_problems: list[RefProblem] | None = None) -> SpecDocument:
    """Parse `path` and every file it `$ref`s; raise SpecError at the first unusable part.

    With `ref_problems`, a `$ref` that cannot be followed (a missing file, a pointer to nothing)
    is appended there instead, and loading goes on; the root file must still parse.
    """
    root_path = path.resolve()
    files: dict[Path, Any] = {}
    stamps: dict[Path, Stamp] = {}
    pending: list[tuple[Path, Location | None, str]] = [(root_path, None, "")]
    refs: list[tuple[str, Location]] = []
    extension_refs: list[tuple[str, Location]] = []
    while pending:
        file, referrer, ref_text = pending.pop()
        if file in files:
            continue
        stamps[file] = file_stamp(file)
        if referrer is not None and not file.is_file():
            # said at the $ref, where the mistake is, not as the missing file's name alone
            message = f"$ref {ref_text!r} points to a file that does not exist ({display_path(file)})"
            if ref_problems is None:
                raise SpecError(message, *_position(referrer))
            ref_problems.append(RefProblem(message, referrer))
            continue
        try:
            files[file] = parse_file_shown(file)
        except SpecError as exc:
            if ref_problems is None or referrer is None:
                raise
            ref_problems.append(RefProblem(f"$ref target cannot be loaded: {exc}", referrer))
            continue
        found: list[tuple[str, Location]] = []
        _collect_refs(files[file], file, [], None, None, found, extension_refs)
        for ref, at in found:
            file_part = ref.partition("#")[0]
            if "://" in file_part:
                message = f"remote $ref {ref!r} is not supported: download it next to the spec"
                if ref_problems is None:
                    raise SpecError(message, *_position(at))
                ref_problems.append(RefProblem(message, at))
            elif file_part:
                pending.append(((at.file.parent / file_part).resolve(), at, ref))
        refs.extend(found)
    document = SpecDocument(root_path, files)
    document.refs = refs
    document.extension_refs = extension_refs
    document.stamps = stamps
    _check_root(document)
    document.built_in_models = _add_built_in_models(document)
    for ref, at in refs:
        if ref_problems is None:
            _check_ref(document, ref, at)
            continue
        file_part = ref.partition("#")[0]
        if "://" in file_part or (file_part and (at.file.parent / file_part).resolve() not in files):
            continue  # reported above
        problem = _ref_message(document, ref, at)
        if problem is not None:
            ref_problems.append(RefProblem(problem, at))
    return document


def parse_file_shown(file: Path) -> Any:
    try:
        return parse_file(file)
    except SpecError as exc:
        exc.file = Path(display_path(file))
        raise


def _position(at: Location) -> tuple[str, int | None, int | None]:
    found = locate(at.file, at.pointer)
    return display_path(at.file), *(found or (None, None))


def _refs_in(node: Any, at: Location, out: list[tuple[str, Location]]) -> None:
    """Every `$ref` string under `node` (inside an extension: x-webhooks, say)."""
    stack = [(node, at)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                out.append((ref, where.child("$ref")))
            stack.extend((child, where.child(key)) for key, child in value.items() if isinstance(child, dict | list))
        elif isinstance(value, list):
            stack.extend(
                (child, where.child(index)) for index, child in enumerate(value) if isinstance(child, dict | list)
            )


def _collect_refs(
    node: Any,
    file: Path,
    path: list[str],
    key: str | None,
    parent_key: str | None,
    out: list[tuple[str, Location]],
    extension_refs: list[tuple[str, Location]] | None = None,
) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            out.append((ref, Location(file, (*path, "$ref"))))
        names = key in _NAME_MAPS
        in_example = parent_key == "examples"
        for child_key, child in node.items():
            if not isinstance(child, dict | list):
                continue
            if not names and child_key in _LITERAL_KEYS:
                continue
            if not names and child_key.startswith("x-") and child_key not in _REF_EXTENSIONS:
                if extension_refs is not None:  # not followed, but they do use what they name
                    _refs_in(child, Location(file, (*path, child_key)), extension_refs)
                continue
            if in_example and child_key == "value":
                continue
            path.append(child_key)
            _collect_refs(child, file, path, None if names else child_key, key, out, extension_refs)
            path.pop()
    elif isinstance(node, list):
        for index, child in enumerate(node):
            if isinstance(child, dict | list):
                path.append(str(index))
                _collect_refs(child, file, path, None, key, out, extension_refs)
                path.pop()


def _check_root(document: SpecDocument) -> None:
    root = document.root
    shown = display_path(document.root_path)
    if not isinstance(root, dict):
        raise SpecError("not an OpenAPI document: the top level is not a mapping", shown, 1, 1)
    if "openapi" not in root and "swagger" not in root:
        raise SpecError("not an OpenAPI document: no 'openapi' or 'swagger' version key at the top level", shown, 1, 1)
    version = document.version
    if not (version.startswith("3.0") or version.startswith("3.1") or version == "2.0"):
        where = document.root_location.child("openapi" if "openapi" in root else "swagger")
        raise document.error(f"unsupported OpenAPI version {version!r}: apigw reads 3.0.x, 3.1.x and 2.0", where)


def _add_built_in_models(document: SpecDocument) -> tuple[str, ...]:
    """Add `Empty` and `Error` where the root file references them without defining them."""
    root = document.root
    container_keys = ("definitions",) if document.dialect == "2.0" else ("components", "schemas")
    prefix = "#/" + "/".join(container_keys) + "/"
    wanted = {
        ref[len(prefix) :]
        for ref, at in document.refs
        if at.file == document.root_path and ref.startswith(prefix) and ref[len(prefix) :] in BUILT_IN_MODELS
    }
    added = []
    for name in sorted(wanted):
        container: Any = root
        for key in container_keys:
            if not isinstance(container, dict):
                break
            container = container.setdefault(key, {})
        if isinstance(container, dict) and name not in container:
            container[name] = dict(BUILT_IN_MODELS[name])
            added.append(name)
    return tuple(added)


def _ref_message(document: SpecDocument, ref: str, at: Location) -> str | None:
    """Why `ref` cannot be followed, or None when it can."""
    try:
        target = document.ref_target(ref, at)
    except ValueError as exc:
        return f"bad $ref {ref!r}: {exc}"
    try:
        document.node(target)
    except (KeyError, IndexError, ValueError):
        return (
            f"$ref {ref!r} points nowhere: {display_path(target.file)} has no {format_pointer(target.pointer) or '/'}"
        )
    return None


def _check_ref(document: SpecDocument, ref: str, at: Location) -> None:
    message = _ref_message(document, ref, at)
    if message is not None:
        raise document.error(message, at)
