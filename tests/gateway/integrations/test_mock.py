"""The mock integration: status and example selection (Prefer, x-integration.status), and bodies
generated from schemas that validate against them."""

from __future__ import annotations

from pathlib import Path

import pytest

from apigw_cli.gateway.integrations.mock_data import generate
from apigw_cli.gateway.snapshot import Gateway
from apigw_cli.gateway.validation.schema import SchemaValidator
from tests.helpers import SPECS, call, gateway_for

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "large"


@pytest.fixture(scope="module")
def petstore() -> Gateway:
    return gateway_for(SPECS / "petstore-mock.yaml")


def test_first_2xx_and_first_example_by_default(petstore: Gateway) -> None:
    response = call(petstore, "GET", "/pets")
    assert response.status_code == 200
    assert [pet["name"] for pet in response.json()] == ["Rex", "Fido"]


def test_prefer_example_picks_a_named_example(petstore: Gateway) -> None:
    assert call(petstore, "GET", "/pets", headers={"Prefer": "example=cat"}).json()[0]["name"] == "Tom"


def test_prefer_unknown_example_lists_the_declared_ones(petstore: Gateway) -> None:
    response = call(petstore, "GET", "/pets", headers={"Prefer": "example=horse"})
    assert response.status_code == 404
    assert response.json()["message"] == "No example named 'horse' (declared: dogs, cat)"


def test_prefer_code_picks_the_response(petstore: Gateway) -> None:
    response = call(petstore, "GET", "/pets/1", headers={"Prefer": "code=404"})
    assert (response.status_code, response.json()) == (404, {"message": "pet not found"})


def test_prefer_undeclared_code_says_so(petstore: Gateway) -> None:
    response = call(petstore, "GET", "/pets/1", headers={"Prefer": "code=418"})
    assert response.status_code == 404
    assert "No response for status 418" in response.json()["message"]


def test_integration_status_wins_over_first_2xx(petstore: Gateway) -> None:
    response = call(petstore, "POST", "/pets", json={"name": "Rex", "kind": "dog"})
    assert response.status_code == 201


def test_generated_body_is_valid_and_deterministic(petstore: Gateway) -> None:
    first = call(petstore, "GET", "/pets/1")
    assert first.json() == call(petstore, "GET", "/pets/1").json()
    operation = next(op for op in petstore.operations if op.operation_id == "showPetById")
    validator = operation.responses["200"].media["application/json"].spec.validator
    assert validator is not None and validator.errors(first.json()) == []
    assert first.json()["tags"] == ["string"] and first.json()["born"] == "2024-01-01"


def test_mock_validates_requests_too(petstore: Gateway) -> None:
    assert call(petstore, "POST", "/pets", json={"name": "", "kind": "dog"}).status_code == 400


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "minLength": 12, "format": "email"},
        {"type": "integer", "minimum": 5, "multipleOf": 4},
        {"type": "number", "exclusiveMinimum": 1, "maximum": 3},
        {"type": "array", "minItems": 3, "items": {"type": "boolean"}},
        {"type": ["null", "string"], "enum": [None, "x"]},
        {"oneOf": [{"type": "null"}, {"type": "object", "required": ["a"]}]},
        {"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}},
        {"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}}}}, "$ref": "#/$defs/n"},
    ],
)
def test_generated_values_validate(schema: dict[str, object]) -> None:
    validator = SchemaValidator({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema})
    assert validator.errors(generate(validator.schema)) == []


@pytest.mark.skipif(not (CORPUS / "twilio_api_v2010.yaml").exists(), reason="shared corpus not present")
def test_every_generated_body_of_a_large_real_spec_validates() -> None:
    gateway = gateway_for(CORPUS / "twilio_api_v2010.yaml")
    checked = 0
    for operation in gateway.operations:
        for response in operation.responses.values():
            for media in response.media.values():
                validator = media.spec.validator
                if validator is not None:
                    assert validator.errors(generate(validator.schema)) == [], operation.route_key
                    checked += 1
    assert checked > 100
