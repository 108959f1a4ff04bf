"""Parse one YAML or JSON file into plain Python data.

The happy path keeps no positions (a 13 MB spec would pay for them in memory); `locate`
re-reads a file to find the line of a node only when an error needs it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from apigw_cli.errors import SpecError

if TYPE_CHECKING:
    from pathlib import Path


def _make_loader() -> type:
    import yaml

    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class SpecLoader(base):  # type: ignore[misc]
        """Safe loader for specs: mapping keys are always strings (`200:` is the status "200")
        and dates stay strings, as JSON would have them."""

        yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in base.yaml_implicit_resolvers.items()  # type: ignore[attr-defined]
        }

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[str, Any]:
            mapping = super().construct_mapping(node, deep=deep)
            if all(type(key) is str for key in mapping):
                return mapping  # type: ignore[no-any-return]
            return {_key_text(key): value for key, value in mapping.items()}

    SpecLoader.add_constructor("tag:yaml.org,2002:map", SpecLoader.construct_yaml_map)
    return SpecLoader


def _key_text(key: Any) -> str:
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    return str(key)


_loader: type | None = None


def spec_loader() -> type:
    global _loader
    if _loader is None:
        _loader = _make_loader()
    return _loader


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("file not found", path) from None
    except IsADirectoryError:
        raise SpecError("is a folder, not a spec file", path) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path) from None
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror}", path) from None


def parse_text(text: str, path: Path) -> Any:
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if path.suffix.lower() == ".json":
                raise SpecError(f"invalid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    return _parse_yaml(text, path)


def _parse_yaml(text: str, path: Path) -> Any:
    """YAML 1.2 core schema via yaml-rs (about 15x PyYAML's C loader on a 4 MB spec), keys as strings,
    dates left as strings; PyYAML's loader when yaml-rs is missing or refuses the text, which also
    gives the precise line and column of a syntax error."""
    try:
        import yaml_rs
    except ImportError:
        return _parse_pyyaml(text, path)
    try:
        data = yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.LastWins)
    except (yaml_rs.YAMLDecodeError, ValueError, RecursionError):
        return _parse_pyyaml(text, path)
    return _string_keys(data)


def _string_keys(data: Any) -> Any:
    """Mapping keys as JSON has them: `200:` is the status "200", `true:` is "true"."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(type(key) is not str for key in node):
                items = [(_key_text(key), value) for key, value in node.items()]
                node.clear()
                node.update(items)
            stack.extend(value for value in node.values() if isinstance(value, dict | list))
        elif isinstance(node, list):
            stack.extend(value for value in node if isinstance(value, dict | list))
    return data


def _parse_pyyaml(text: str, path: Path) -> Any:
    import yaml

    try:
        return yaml.load(text, Loader=spec_loader())  # SpecLoader derives from the safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        raise SpecError(f"invalid YAML: {problem}{context}", path, line, col) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", path) from None


def parse_file(path: Path) -> Any:
    return parse_text(read_text(path), path)
