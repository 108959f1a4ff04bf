"""Values the mock generates for schemas without examples, each valid against its schema with
formats checked (jsonschema-rs with validate_formats; the jsonschema package's `time` checker
refuses even `00:00:00Z` here): every registered format, `contains`, bounds, and a schema whose
own example contradicts it."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from apigw_cli.gateway.integrations.mock_data import generate
from apigw_cli.gateway.validation.schema import SchemaCompiler
from apigw_cli.spec.document import Location, load_spec

FORMATS = ["date-time", "date", "time", "email", "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6",
           "uri", "uri-reference", "iri", "iri-reference", "uri-template", "uuid", "json-pointer",
           "relative-json-pointer", "regex", "duration"]  # fmt: skip
SCHEMAS: list[dict[str, Any]] = [
    *({"type": "string", "format": fmt} for fmt in FORMATS),
    {"type": "array", "items": {"type": "integer"}, "contains": {"minimum": 5}},
    {"type": "array", "contains": {"type": "string"}, "minItems": 2},
    {"type": "integer", "minimum": 3, "maximum": 9, "multipleOf": 3},
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    {"type": "string", "minLength": 5, "maxLength": 6},
    {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3}$"},
    {"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "enum": ["x", "y"]}}},
    {"type": "string", "enum": ["a", "b"], "example": "c"},  # its own example contradicts it
    {"type": "integer", "minimum": 10, "default": 1},
    # allOf parts merged into one schema: an enum or format in one part holds for the other's property
    {"allOf": [{"type": "object", "properties": {"s": {"type": "string"}}}, {"properties": {"s": {"enum": ["on"]}}}]},
    {"allOf": [{"properties": {"t": {"oneOf": [{"type": "integer"}, {"format": "date-time"}]}}},
               {"properties": {"t": {"type": "string"}}, "required": ["t"]}]},
    {"allOf": [{"type": "integer", "minimum": 3}, {"type": "number", "maximum": 4, "multipleOf": 2}]},
    # anyOf used as constraints beside properties: the chosen option adds to the schema around it
    {"type": "object", "properties": {"a": {"enum": ["x"]}, "b": {"type": "integer"}}, "additionalProperties": False,
     "anyOf": [{"required": ["a"]}, {"required": ["b"]}]},
    # oneOf: the value must match exactly one option (the first option's value matches the second too)
    {"oneOf": [{"type": "object", "required": ["r"], "properties": {"r": {"type": "string"}}}, {"type": "object"}]},
    {"oneOf": [{"type": "number"}, {"type": "integer"}]},
    {"oneOf": [{"type": "string", "enum": ["a"]}, {"type": "string", "enum": ["b"]}], "enum": ["b"]},
]  # fmt: skip


def _valid(schema: dict[str, Any], value: Any) -> list[str]:
    checker = jsonschema_rs.validator_for(schema, validate_formats=True)
    return [error.message for error in checker.iter_errors(value)]


@pytest.mark.parametrize("schema", SCHEMAS, ids=[str(index) for index in range(len(SCHEMAS))])
def test_generated_values_are_valid(schema: dict[str, Any]) -> None:
    value = generate(schema)
    if _valid(schema, value):
        value = generate(schema, use_examples=False)  # what the mock does when the example is wrong
    assert _valid(schema, value) == []
    rng = random.Random(7)
    for _ in range(10):  # Prefer: dynamic=true
        assert _valid(schema, generate(schema, rng)) == []


CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "large"
SPECS = [*sorted((Path(__file__).resolve().parents[2] / "specs").glob("*.yaml")), *sorted(CORPUS.glob("*.*"))]


@pytest.mark.parametrize("spec", [s for s in SPECS if s.suffix in (".yaml", ".json")], ids=lambda path: path.name)
def test_every_component_schema_of_the_bundled_and_corpus_specs_generates_a_valid_value(spec: Path) -> None:
    """The differential test: a value for every component schema (deterministic and dynamic),
    checked by the reference validator with formats."""
    document = load_spec(spec)
    compiler = SchemaCompiler(document)
    section = ("definitions",) if document.dialect == "2.0" else ("components", "schemas")
    schemas = document.node(Location(document.root_path, section)) if section[0] in document.root else {}
    if section[0] == "components" and "schemas" not in document.root.get("components", {}):
        schemas = {}
    invalid: list[str] = []
    for name in schemas:
        bundled = compiler.bundle(schemas[name], Location(document.root_path, (*section, name)), "response")
        value = generate(bundled)
        if _valid(bundled, value):
            value = generate(bundled, use_examples=False)
        dynamic = generate(bundled, random.Random(len(invalid)))
        errors = _valid(bundled, value) + _valid(bundled, dynamic)
        if errors:
            invalid.append(f"{name}: {errors[0][:200]}")
    assert invalid == []
