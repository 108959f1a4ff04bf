"""Lines and columns of JSON pointers in block-style YAML, read line by line by indentation,
checked against PyYAML's event stream (the reference) pointer by pointer: every pointer of the
bundled specs and of a file with YAML's harder block forms, and random sets of pointers (where the
reader steps over the subtrees no wanted pointer lies under) in the corpus specs. What the reader
does not take (anchors, a pointer inside a flow collection) it leaves to the event stream."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apigw_cli.spec.parse import parse_file
from apigw_cli.spec.pointer import Pointer
from apigw_cli.spec.positions import _locate_block_yaml, _locate_yaml, locate_all

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "large"
HARD = """---
# a comment
openapi: 3.0.3
info:
  title: hard   # trailing comment
  description: |
    a block scalar with: a colon
      - and a dash
    - at its own indent
  summary: >-
    folded
"quoted key": 1
'it''s': 2
"esc\\u0041ped": 3
plain: a multi-line
  plain scalar, still text
tags:
- name: a
  description: compact sequence under a key
- name: b
-
  name: c
matrix:
  - - 1
    - 2
  - - x: 1
      y: 2
? long explicit key
: type: object
  properties: {a: {type: string}}
? another
: 7
after:
  leaf: value
empty:
last: end
"""


def pointers(node: Any, path: Pointer = ()) -> Iterator[Pointer]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from pointers(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from pointers(value, (*path, str(index)))


def test_every_pointer_of_the_hard_forms_matches_the_event_stream(tmp_path: Path) -> None:
    spec = tmp_path / "hard.yaml"
    spec.write_text(HARD)
    every = list(pointers(parse_file(spec)))
    assert ("matrix", "1", "0", "y") in every and ("long explicit key", "type") in every
    wanted = {p for p in every if p[:3] != ("long explicit key", "properties", "a")} | {("info", "missing")}
    fast = _locate_block_yaml(HARD, wanted)
    assert fast is not None
    assert fast == _locate_yaml(spec, wanted)
    assert fast[("tags", "2", "name")] == (22, 3)
    assert fast[("matrix", "1", "0", "y")] == (27, 7)
    assert fast[("long explicit key",)] == (28, 3)
    assert fast[("info", "missing")] == (4, 1)
    inside_flow: set[Pointer] = {("long explicit key", "properties", "a")}
    assert _locate_block_yaml(HARD, inside_flow) is None  # left to the event stream
    assert locate_all(spec, inside_flow) == {("long explicit key", "properties", "a"): (30, 16)}


def test_anchors_are_left_to_the_event_stream(tmp_path: Path) -> None:
    text = "a: &x {b: 1}\nc: *x\n"
    assert _locate_block_yaml(text, {("c",)}) is None
    spec = tmp_path / "anchors.yaml"
    spec.write_text(text)
    assert locate_all(spec, [("c",)]) == {("c",): (2, 1)}


@pytest.mark.parametrize("spec", sorted((REPO / "specs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_pointer_of_a_bundled_spec_matches_the_event_stream(spec: Path) -> None:
    text = spec.read_text()
    every = list(pointers(parse_file(spec)))
    wanted = {p for p in every if _locate_block_yaml(text, {p}) is not None}  # not inside a flow collection
    assert len(wanted) > len(every) / 3
    missing = ((*p, "missing") for p in sorted(wanted, key=str))
    wanted |= {p for p in missing if _locate_block_yaml(text, {p}) is not None}  # a missing key under a block
    fast = _locate_block_yaml(text, wanted)
    assert fast is not None and fast == _locate_yaml(spec, wanted)


@pytest.mark.parametrize("spec", sorted(CORPUS.glob("*.yaml")), ids=lambda p: p.name)
def test_random_pointers_of_a_corpus_spec_match_the_event_stream(spec: Path) -> None:
    text = spec.read_text()
    every = sorted(pointers(parse_file(spec)), key=str)
    rng = random.Random(7)
    answers: list[tuple[set[Pointer], dict[Pointer, tuple[int, int]]]] = []
    for _ in range(8):
        wanted = set(rng.sample(every, min(len(every), rng.choice([1, 3, 30]))))
        wanted |= {(*p, "missing") for p in list(wanted)[:2]}
        fast = _locate_block_yaml(text, wanted)
        if fast is not None:
            answers.append((wanted, fast))
    assert len(answers) >= 4
    reference = _locate_yaml(spec, set().union(*(wanted for wanted, _ in answers)))  # one pass for all sets
    for wanted, fast in answers:
        assert fast == {p: reference[p] for p in wanted}
