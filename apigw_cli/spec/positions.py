"""Line and column of many JSON pointers in one file, found in one pass and only when an error
or a lint finding needs them. JSON is tokenised with one regular expression (0.4 s for 13 MB);
Block-style YAML is read line by line by indentation (0.1 s for 4 MB); what that reader does not
take (anchors, tags, complex keys, a pointer inside a flow collection) goes through PyYAML's event
stream keeping only the path (0.4 s for 4 MB)."""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from apigw_cli.spec.pointer import Pointer

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')
# everything up to the next bracket that is not inside a string
_TO_BRACKET = re.compile(r'(?:[^"{}\[\]]+|"(?:[^"\\]|\\.)*")*')


def locate_all(path: Path, pointers: Iterable[Pointer]) -> dict[Pointer, tuple[int, int]]:
    wanted = set(pointers)
    if not wanted:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if text.lstrip()[:1] in ("{", "["):
        found = _locate_json(text, wanted)
        if found is not None:
            return found
    found = _locate_block_yaml(text, wanted)
    if found is not None:
        return found
    return _locate_yaml(path, wanted)


def _deepest(wanted: set[Pointer]) -> set[Pointer]:
    """Every prefix of a wanted pointer: a finding at a missing key falls back to its parent."""
    prefixes: set[Pointer] = set()
    for pointer in wanted:
        for length in range(len(pointer) + 1):
            prefixes.add(pointer[:length])
    return prefixes


def _resolve(wanted: set[Pointer], seen: dict[Pointer, tuple[int, int]]) -> dict[Pointer, tuple[int, int]]:
    out = {}
    for pointer in wanted:
        for length in range(len(pointer), -1, -1):
            if pointer[:length] in seen:
                out[pointer] = seen[pointer[:length]]
                break
    return out


def _skip_container(text: str, start: int) -> int:
    """The offset just past the object or array that opens at `start` (strings skipped whole)."""
    depth = 0
    pos = start
    end = len(text)
    while pos < end:
        found = _TO_BRACKET.match(text, pos)
        pos = found.end() if found is not None else pos
        if pos >= end:
            break
        char = text[pos]
        pos += 1
        if char in "{[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return pos
    return end


def _locate_json(text: str, wanted: set[Pointer]) -> dict[Pointer, tuple[int, int]] | None:
    import json

    prefixes = _deepest(wanted)
    line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def position(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(line_starts, offset)
        return line, offset - line_starts[line - 1] + 1

    seen: dict[Pointer, tuple[int, int]] = {(): (1, 1)}
    # stack entries: [path of the container, is_object, current key or index, expecting a key]
    stack: list[list[object]] = []
    path: Pointer = ()
    pending_key: str | None = None
    pos = 0
    search = _JSON_TOKEN.search
    for _ in range(len(text) + 1):  # bounded: each turn moves past one token
        match = search(text, pos)
        if match is None:
            break
        token = match.group()
        pos = match.end()
        if token in ("{", "["):
            child_path = path if not stack else (*path, str(stack[-1][2]))
            if stack and child_path not in prefixes:
                pos = _skip_container(text, match.start())  # no finding lies under it: past it at C speed
                continue
            stack.append([child_path, token == "{", 0 if token == "[" else None, token == "{"])
            path = child_path
            if token == "[":
                item = (*path, "0")
                if item in prefixes:
                    seen.setdefault(item, position(match.end()))
        elif token in ("}", "]"):
            stack.pop()
            path = stack[-1][0] if stack else ()  # type: ignore[assignment]
        elif token == ",":
            top = stack[-1]
            if top[1]:
                top[3] = True
            else:
                top[2] = int(top[2]) + 1  # type: ignore[call-overload]
                item = (*path, str(top[2]))
                if item in prefixes:
                    seen.setdefault(item, position(match.end()))
        elif token == ":":
            continue
        elif stack and stack[-1][1] and stack[-1][3]:
            if "\\" not in token and token.startswith('"') and token.endswith('"'):
                pending_key = token[1:-1]  # most keys have no escapes: json.loads took a third of the scan
            else:
                try:
                    pending_key = json.loads(token)
                except ValueError:
                    return None
            stack[-1][2] = pending_key
            stack[-1][3] = False
            key_path = (*path, str(pending_key))
            if key_path in prefixes:
                seen.setdefault(key_path, position(match.start()))
    return _resolve(wanted, seen)


_YAML_KEY = re.compile(  # a mapping key, double-quoted, single-quoted or plain, and its colon
    r'(?:"((?:[^"\\]|\\.)*)"|\'((?:[^\']|\'\')*)\''
    r"|([^\s\-?:,\[\]{}#&*!|>'\"%@`][^#]*?|-[^\s#][^#]*?))[ \t]*:(?:[ \t]+|$)"
)


class _NotBlockYaml(Exception):
    """The text uses YAML the line reader does not follow; the event stream takes over."""


def _locate_block_yaml(text: str, wanted: set[Pointer]) -> dict[Pointer, tuple[int, int]] | None:
    """Positions read from the lines of block-style YAML by indentation, or None when the text
    has something this reader leaves to PyYAML (it then gives the same answer, more slowly)."""
    prefixes = _deepest(wanted)
    try:
        seen, opaque = _scan_block_yaml(text, prefixes)
    except _NotBlockYaml:
        return None
    if any(pointer[:length] in opaque for pointer in wanted for length in range(len(pointer))):
        return None  # a pointer into a flow collection: the line reader does not look inside
    return _resolve(wanted, seen)


def _scan_block_yaml(text: str, prefixes: set[Pointer]) -> tuple[dict[Pointer, tuple[int, int]], set[Pointer]]:
    seen: dict[Pointer, tuple[int, int]] = {(): (1, 1)}
    opaque: set[Pointer] = set()  # flow collections met where a wanted pointer passes
    # a frame: [column, path, is_sequence, next index]
    stack: list[list[Any]] = []
    pending: Pointer | None = ()  # the path whose value starts on a later line (the root at first)
    pending_column = -1
    skip_deeper = -1  # lines indented past this column belong to a value already read or not wanted
    skip_dashes = False  # ... and so do `- ` lines at that column (a sequence under a key, not indented)
    explicit: tuple[int, Pointer] | None = None  # a `? key` line waiting for its `: value` line
    started = False
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    for number, line in enumerate(text.split("\n"), 1):
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        column = len(line) - len(content)
        dash = content[0] == "-" and (len(content) == 1 or content[1] == " ")
        if skip_deeper >= 0:
            if column > skip_deeper or (skip_dashes and dash and column == skip_deeper):
                continue
            skip_deeper, skip_dashes = -1, False
        if content[0] in "\t%\r" or (column == 0 and content.startswith("...")):
            raise _NotBlockYaml
        if column == 0 and content.startswith("---"):
            if started or content.rstrip() != "---":
                raise _NotBlockYaml
            continue
        started = True
        while stack and (stack[-1][0] > column or (stack[-1][0] == column and stack[-1][2] and not dash)):
            stack.pop()
        if explicit is not None:
            if not (column == explicit[0] and content[0] == ":" and (len(content) == 1 or content[1] == " ")):
                raise _NotBlockYaml
            pending, pending_column, explicit = explicit[1], column, None
            if pending not in prefixes:
                skip_deeper, skip_dashes, pending = column, True, None
                continue
            rest = content[1:].lstrip(" ")
            if not rest or rest[0] == "#":
                continue
            column += len(content) - len(rest)
            content = rest
            if content[0] == "-" and (len(content) == 1 or content[1] == " "):
                raise _NotBlockYaml
        if pending is not None and column <= pending_column and not (column == pending_column and dash):
            pending = None  # the key had no value (null)
        while True:  # one line may open a sequence item holding a mapping: `- name: x`
            if dash:
                if pending is None and stack and stack[-1][0] == column and stack[-1][2]:
                    frame = stack[-1]
                elif pending is not None:
                    frame = [column, pending, True, 0]
                    stack.append(frame)
                    pending = None
                else:
                    raise _NotBlockYaml
                item = (*frame[1], str(frame[3]))
                frame[3] += 1
                if item not in prefixes:
                    skip_deeper = column  # no wanted pointer in this item: its lines are stepped over
                    break
                rest = content[1:].lstrip(" ")
                if not rest or rest[0] == "#":
                    pending, pending_column = item, column
                    break
                dash_column = column
                column += len(content) - len(rest)
                content = rest
                if item in prefixes:
                    seen[item] = (number, column + 1)
                if content[0] == "-" and (len(content) == 1 or content[1] == " "):
                    pending, pending_column = item, dash_column  # `- - x`: a sequence in a sequence
                    continue
                if _YAML_KEY.match(content) is None:
                    _leaf(content, item, prefixes, opaque)
                    skip_deeper = dash_column
                    break
                pending, pending_column, dash = item, dash_column, False
                continue
            key = _YAML_KEY.match(content)
            name = _key_name(key) if key is not None else _explicit_key(content)
            if pending is not None and column > pending_column:
                if pending in prefixes:
                    seen.setdefault(pending, (number, column + 1))
                if name is None:  # the value of `key:` or `-` on the lines below, a scalar
                    _leaf(content, pending, prefixes, opaque)
                    skip_deeper, pending = pending_column, None
                    break
                frame = [column, pending, False, 0]
                stack.append(frame)
                pending = None
            elif name is not None and stack and stack[-1][0] == column and not stack[-1][2]:
                frame = stack[-1]
            else:
                raise _NotBlockYaml
            if name is None or name == "<<":
                raise _NotBlockYaml  # a merge key
            here = (*frame[1], name)
            if key is None:  # `? key`: the value is on the next line, `: value`
                if here in prefixes:
                    seen[here] = (number, column + 3)
                explicit = (column, here)
                break
            if here not in prefixes:
                skip_deeper, skip_dashes = column, True  # no wanted pointer under this key: stepped over
                break
            seen[here] = (number, column + 1)
            value = content[key.end() :]
            if not value or value[0] == "#":
                pending, pending_column = here, column
            else:
                _leaf(value, here, prefixes, opaque)
                skip_deeper = column
            break
    return seen, opaque


def _explicit_key(content: str) -> str | None:
    """The key of a `? key` line when it is a plain scalar alone on its line, else None."""
    if not content.startswith("? "):
        return None
    name = content[2:].strip()
    if not name or name[0] in "\"'[]{}&*!|>-?:#%@`" or ": " in name or " #" in name or name.endswith(":"):
        raise _NotBlockYaml
    return name


def _key_name(key: re.Match[str]) -> str:
    double, single, plain = key.groups()
    if double is not None:
        if "\\" not in double:
            return double
        import json

        try:
            return str(json.loads(f'"{double}"'))
        except ValueError:
            raise _NotBlockYaml from None
    if single is not None:
        return single.replace("''", "'")
    return plain


def _leaf(value: str, here: Pointer, prefixes: set[Pointer], opaque: set[Pointer]) -> None:
    first = value[0]
    if first in "&!*?":
        raise _NotBlockYaml  # anchors, tags, aliases and complex keys are the event stream's
    if first in "[{" and here in prefixes:
        opaque.add(here)


def _locate_yaml(path: Path, wanted: set[Pointer]) -> dict[Pointer, tuple[int, int]]:
    """Walks PyYAML's event stream (its C parser when present) keeping only the path: no nodes are
    built and no scalars resolved, which halves the time of composing the document."""
    import yaml

    from apigw_cli.spec.parse import spec_loader

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    prefixes = _deepest(wanted)
    seen: dict[Pointer, tuple[int, int]] = {(): (1, 1)}
    # a frame: [path, is_mapping, expecting a key, current key or next index]
    stack: list[list[Any]] = []
    scalar, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    collection_end = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    alias = yaml.AliasEvent
    try:
        event: Any
        for event in yaml.parse(text, Loader=spec_loader()):
            kind = type(event)
            if kind in collection_end:
                stack.pop()
                if stack:
                    _after_value(stack[-1])
                continue
            if kind is not scalar and kind is not mapping_start and kind is not sequence_start and kind is not alias:
                continue
            if not stack:
                if kind is mapping_start or kind is sequence_start:
                    stack.append([(), kind is mapping_start, True, 0])
                continue
            top = stack[-1]
            if top[1] and top[2]:
                key = str(event.value) if kind is scalar else "?"
                top[3] = key
                top[2] = False
                here = (*top[0], key)
                if here in prefixes:
                    seen[here] = (event.start_mark.line + 1, event.start_mark.column + 1)
                if kind is mapping_start or kind is sequence_start:
                    stack.append([here, kind is mapping_start, True, 0])  # a complex key: walked, not matched
                continue
            here = (*top[0], str(top[3]))
            if not top[1] and here in prefixes:
                seen[here] = (event.start_mark.line + 1, event.start_mark.column + 1)
            if kind is mapping_start or kind is sequence_start:
                stack.append([here, kind is mapping_start, True, 0])
            else:
                _after_value(top)
    except yaml.YAMLError:
        pass  # a file that does not parse was reported already; keep what was found
    return _resolve(wanted, seen)


def _after_value(frame: list[Any]) -> None:
    if frame[1]:
        frame[2] = True
    else:
        frame[3] += 1
