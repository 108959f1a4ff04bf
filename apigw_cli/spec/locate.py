"""Find the line and column of a node, given its file and JSON pointer.

Called only on the error path: it composes the file again with positions (YAML's node
graph; JSON is read as YAML, which it nearly always is) and walks the pointer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apigw_cli.spec.pointer import Pointer


def locate(path: Path, pointer: Pointer) -> tuple[int, int] | None:
    """1-based (line, column) of the deepest node on `pointer` that exists, or None."""
    import yaml

    from apigw_cli.spec.parse import spec_loader

    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=spec_loader())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if node is None:
        return None
    mark = node.start_mark
    for token in pointer:
        found = _child(node, token)
        if found is None:
            break
        key_node, node = found
        # a mapping entry is reported at its key, where an editor's cursor should go
        mark = (key_node or node).start_mark
    return mark.line + 1, mark.column + 1


def _child(node: Any, token: str) -> tuple[Any, Any] | None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == token:
                return key, value
        return None
    if isinstance(node, yaml.SequenceNode) and token.isdigit():
        index = int(token)
        if index < len(node.value):
            return None, node.value[index]
    return None
