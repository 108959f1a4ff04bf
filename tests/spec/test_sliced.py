"""The sliced JSON reader (large specs under reload) gives exactly what json.loads gives, wherever
the chunks happen to cut the text, and steps aside on anything it does not expect."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from apigw_cli.errors import SpecError
from apigw_cli.give_way import Traffic, giving_way_to
from apigw_cli.spec import sliced
from apigw_cli.spec.parse import parse_file
from tests.helpers import SPECS

DOCUMENTS: list[Any] = [
    {},
    {"a": 1, "b": {"c": {"d": [1, 2, {"e": None}], "f": 12345678901234567890}}, "g": -0.5e-3},
    {"text": 'quote " backslash \\ unicode é 😀 \u2028', "empty": {}, "list": [], "flags": [True, False]},
    {"paths": {f"/p{n}": {"get": {"responses": {"200": {"description": "x" * n}}}} for n in range(60)}},
]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 18])
@pytest.mark.parametrize("document", DOCUMENTS)
def test_any_chunk_size_gives_what_json_loads_gives(document: Any, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sliced, "_CHUNK", chunk)
    for indent in (None, 2):
        text = json.dumps(document, indent=indent, ensure_ascii=False)
        assert sliced.parse_json_sliced(text.encode()) == json.loads(text)


def test_the_bundled_specs_as_json_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    monkeypatch.setattr(sliced, "_CHUNK", 97)
    rng = random.Random(3)
    for spec in sorted(SPECS.glob("*.yaml")):
        data = yaml.safe_load(spec.read_text())
        text = json.dumps(data, indent=rng.choice([None, 1, 4]), ensure_ascii=rng.random() < 0.5, default=str)
        assert sliced.parse_json_sliced(text.encode()) == json.loads(text), spec.name


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": 1,}',
        b"[1, 2]",
        b'{"a": 1} trailing',
        b'{"a" 1}',
        b'{"a": tru}',
        b"",
        b"\xef\xbb\xbf{}",
        b'{"a": "\xff"}',
    ],
)
def test_what_it_does_not_expect_goes_to_the_usual_parser(data: bytes) -> None:
    assert sliced.parse_json_sliced(data) is None


def test_a_large_broken_file_is_still_reported_with_its_line(tmp_path: Path) -> None:
    body = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, "pad": "x" * (1 << 20)}
    text = json.dumps(body, indent=2).replace('"paths": {}', '"paths": {,}')
    spec = tmp_path / "big.json"
    spec.write_text(text)
    with giving_way_to(Traffic()):  # sliced only on a reload's build
        with pytest.raises(SpecError) as raised:
            parse_file(spec)
        assert raised.value.line == text[: text.index("{,}")].count("\n") + 1
        spec.write_text(json.dumps(body))
        assert parse_file(spec) == body
