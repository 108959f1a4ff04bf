"""Lines and columns of JSON pointers in a JSON file, found in one pass that steps over the
subtrees no wanted pointer lies under (strings with brackets and escaped quotes in them too),
checked against a file whose every position is known."""

from __future__ import annotations

import json
from pathlib import Path

from apigw_cli.spec.positions import locate_all

DOCUMENT = {
    "skipped": {"a": ["{", "]", '"}"', {"deep": [1, 2, {"x": '\\"[{'}]}], "b": "}}]]"},
    "list": [{"v": "[["}, {"v": 2}, {"target": True}],
    'esc"aped': {"k": 1},
    "after": {"leaf": "value"},
}


def test_pointers_after_skipped_subtrees_are_found(tmp_path: Path) -> None:
    spec = tmp_path / "doc.json"
    text = json.dumps(DOCUMENT, indent=2)
    spec.write_text(text)
    lines = text.splitlines()

    def expected(key: str, occurrence: int = 1) -> tuple[int, int]:
        seen = 0
        for number, line in enumerate(lines, start=1):
            column = line.find(key)
            if column >= 0:
                seen += 1
                if seen == occurrence:
                    return number, column + 1
        raise AssertionError(key)

    found = locate_all(spec, [("after", "leaf"), ("list", "2", "target"), ('esc"aped', "k"), ("after", "missing")])
    assert found[("after", "leaf")] == expected('"leaf"')
    assert found[("list", "2", "target")] == expected('"target"')
    assert found[('esc"aped', "k")] == expected('"k"')
    assert found[("after", "missing")] == expected('"after"')  # a missing key falls back to its parent
