"""The sliced YAML reader (large specs under reload) gives exactly what a whole parse gives, and
steps aside (None) on any shape it does not cut, leaving the whole parse to decide."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from apigw_cli.give_way import Traffic, giving_way_to
from apigw_cli.spec import parse
from apigw_cli.spec.parse import _parse_yaml, _string_keys, parse_file
from apigw_cli.spec.sliced_yaml import parse_yaml_sliced
from tests.helpers import SPECS

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "large"


def sliced_equals_whole(text: str) -> None:
    sliced = parse_yaml_sliced(text)
    assert sliced is not None
    whole = _parse_yaml(text, Path("spec.yaml"))
    assert _string_keys(sliced) == whole
    assert list(_string_keys(sliced)) == list(whole)  # and in the same order


SHAPES = {
    "nested mappings, comments, blank lines": """
        # a comment before the first key
        openapi: 3.0.3
        info: {title: t, version: "1"}   # a flow mapping below the walked levels is parsed whole
        paths:

          /a:
            get:
              responses:
                "200": {description: ok}
        # a comment at column 0 between keys
          /b:
            post: {responses: {default: {description: any}}}
        components:
          schemas:
            Thing: {type: object}
        """,
    "a sequence at its key's indentation": """
        paths:
          /a:
            servers:
            - url: https://example.test
            get:
              tags:
              - one
        """,
    "long keys written with ? and :": """
        components:
          schemas:
            ? a.very.long.schema.name
            : type: string
            short: {type: integer}
        """,
    "block scalars whose lines look like keys": """
        info:
          description: |
            paths:
              /not-a-path: yes
          version: "1"
        paths: {}
        """,
    "quoted keys with colons, integer keys, repeated keys": """
        paths:
          "/a:b":
            get:
              responses:
                200: {description: first}
          '/c':
            get: {responses: {default: {description: x}}}
          "/a:b":
            put: {responses: {default: {description: last wins}}}
        """,
    "keys with nothing below them": """
        openapi: 3.1.0
        paths:
        webhooks:
        components:
          schemas:
        """,
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_cut_shapes_give_what_a_whole_parse_gives(name: str) -> None:
    sliced_equals_whole(textwrap.dedent(SHAPES[name]).lstrip("\n"))


def test_windows_line_endings() -> None:
    sliced_equals_whole(textwrap.dedent(SHAPES["nested mappings, comments, blank lines"]).replace("\n", "\r\n"))


@pytest.mark.parametrize(
    "text",
    [
        "---\nopenapi: 3.0.3\n",  # a document marker
        "openapi: 3.0.3\n...\n",
        "%YAML 1.2\n---\na: 1\n",  # a directive
        "{openapi: 3.0.3, paths: {}}\n",  # a flow mapping at the top
        "- a\n- b\n",  # a sequence at the top
        "base: &shared {type: string}\nother:\n  x: *shared\n",  # an alias to another piece
        "paths:\n  /a: {get: {\n  x: 1}}\n",  # a flow mapping cut at the key indentation
        "\ufeffopenapi: 3.0.3\n",  # a byte order mark
        "a: 1\nb: [\n",  # broken
    ],
)
def test_what_it_does_not_cut_goes_to_the_whole_parse(text: str) -> None:
    assert parse_yaml_sliced(text) is None


def test_the_bundled_specs_cut_the_same() -> None:
    for spec in sorted(SPECS.glob("*.yaml")):
        sliced_equals_whole(spec.read_text())


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_large_real_specs_cut_the_same() -> None:
    for spec in sorted(CORPUS.glob("*.yaml")):
        sliced_equals_whole(spec.read_text())


def test_parse_file_cuts_a_large_yaml_spec_and_gives_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "big.yaml"
    items = "".join(
        f"  /items/{n}:\n    get:\n      responses:\n        200: {{description: item {n}}}\n" for n in range(300)
    )
    spec.write_text(f"openapi: 3.0.3\ninfo: {{title: big, version: '1'}}\npaths:\n{items}")
    monkeypatch.setattr(parse, "SLICED_ABOVE", 1000)
    traffic = Traffic()
    traffic.enter()  # a request in flight the whole time: every step of the parse gives way
    with giving_way_to(traffic, budget=5, pause_cap=0) as builder:
        document = parse_file(spec)
    assert builder.pauses >= 300  # a step per path item at least
    assert document == _parse_yaml(spec.read_text(), spec)
    assert document["paths"]["/items/7"]["get"]["responses"]["200"] == {"description": "item 7"}
    assert os.path.getsize(spec) > 1000
