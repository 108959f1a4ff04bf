"""Values the mock generates for schemas without examples, each valid against its schema with
formats checked (jsonschema-rs with validate_formats; the jsonschema package's `time` checker
refuses even `00:00:00Z` here): every registered format, `contains`, bounds, and a schema whose
own example contradicts it."""

from __future__ import annotations

import random
from typing import Any

import jsonschema_rs
import pytest

from apigw_cli.gateway.integrations.mock_data import generate

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
]


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
