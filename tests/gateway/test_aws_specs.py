"""Specs exported from the managed gateway run unchanged: Swagger 2.0 and OpenAPI 3.0 exports with
aws_proxy Lambdas (Fn::Sub, Fn::GetAtt, ARNs), http/http_proxy backends, mocks, validators and
gateway responses."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigw_cli.cli import app
from apigw_cli.gateway.snapshot import Gateway
from tests.backends.echo import app as echo_app
from tests.helpers import call, gateway_for, running_app

AWS_SPECS = Path(__file__).resolve().parent.parent / "specs" / "aws"


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    with running_app(echo_app) as base:
        yield base


def aws_spec(tmp_path: Path, name: str, backend: str) -> Path:
    """A copy of an AWS spec next to its lambdas, pointing at the test backend."""
    text = (AWS_SPECS / name).read_text().replace("http://BACKEND", backend)
    target = tmp_path / name
    target.write_text(text)
    (tmp_path / "lambdas").mkdir(exist_ok=True)
    for handler in (AWS_SPECS / "lambdas").glob("*.py"):
        (tmp_path / "lambdas" / handler.name).write_text(handler.read_text())
    (tmp_path / "lambdas.yaml").write_text((AWS_SPECS / "lambdas.yaml").read_text())
    return target


@pytest.fixture
def rest(tmp_path: Path, backend: str) -> Gateway:
    return gateway_for(aws_spec(tmp_path, "rest-api-swagger2.yaml", backend), lambda_map=tmp_path / "lambdas.yaml")


@pytest.fixture
def http_api(tmp_path: Path, backend: str) -> Gateway:
    return gateway_for(aws_spec(tmp_path, "http-api-oas3.yaml", backend), lambda_map=tmp_path / "lambdas.yaml")


def test_swagger2_base_path_and_aws_proxy_through_fn_sub(rest: Gateway) -> None:
    response = call(rest, "GET", "/prod/pets?limit=1")
    assert response.status_code == 200
    assert response.json() == [{"id": 1, "name": "Rex", "kind": "dog"}]
    assert call(rest, "GET", "/pets").status_code == 404


def test_the_default_validator_checks_required_parameters_as_the_managed_gateway_does(rest: Gateway) -> None:
    missing = call(rest, "GET", "/prod/search")
    assert (missing.status_code, missing.json()) == (
        400,
        {"message": "Missing required request parameters: [q, x-tenant]"},
    )
    assert missing.headers["x-amzn-errortype"] == "BadRequestException"
    one = call(rest, "GET", "/prod/search?q=cats")
    assert one.json() == {"message": "Missing required request parameters: [x-tenant]"}
    # the managed gateway checks presence, not values: page=0 (minimum 1) passes, as limit=500 does
    found = call(rest, "GET", "/prod/search?q=cats&page=0", headers={"x-tenant": "t1"})
    assert (found.status_code, found.json()) == (200, {"q": "cats"})
    assert call(rest, "GET", "/prod/pets?limit=500").status_code == 200


def test_fn_getatt_in_an_fn_sub_list_maps_by_logical_id(rest: Gateway) -> None:
    response = call(rest, "POST", "/prod/pets", json={"name": "Bo", "kind": "cat"})
    assert (response.status_code, response.json()) == (201, {"id": 3, "name": "Bo", "kind": "cat"})


def test_body_validation_and_a_custom_gateway_response(rest: Gateway) -> None:
    response = call(rest, "POST", "/prod/pets", json={"name": "Bo", "kind": "lizard"})
    assert response.status_code == 422
    assert response.headers["x-error-kind"] == "validation"
    body = response.json()
    assert body["error"] == "Invalid request body"
    assert body["type"] == "BAD_REQUEST_BODY"
    assert body["id"] == response.headers["x-amzn-requestid"]


def test_arn_pattern_in_the_lambda_map(rest: Gateway) -> None:
    assert call(rest, "GET", "/prod/pets/2").json()["name"] == "Tom"


def test_unknown_route_uses_the_missing_authentication_token_response(rest: Gateway) -> None:
    response = call(rest, "GET", "/prod/nothing")
    assert (response.status_code, response.json()) == (404, {"message": "no such route"})


def test_mock_answers_from_its_request_template_and_integration_response(rest: Gateway) -> None:
    response = call(rest, "GET", "/prod/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response.headers["x-health"] == "green"


def test_passthrough_never_refuses_types_without_a_request_template(rest: Gateway) -> None:
    assert call(rest, "POST", "/prod/ping", json={}).status_code == 200
    response = call(rest, "POST", "/prod/ping", content=b"hi", headers={"content-type": "text/plain"})
    assert (response.status_code, response.json()) == (415, {"message": "Unsupported Media Type"})


def test_http_integration_maps_parameters_and_selects_responses(rest: Gateway) -> None:
    response = call(rest, "POST", "/prod/legacy", data={"name": "Ada", "age": "36"})
    assert response.status_code == 200
    seen = response.json()
    assert seen["path"] == "/legacy"
    assert seen["query"] == "source=gateway"
    assert ["x-api-version", "2"] in seen["headers"]
    assert base64.b64decode(seen["body"]) == b"name=Ada&age=36"
    assert call(rest, "POST", "/prod/legacy?status=500", data={"name": "Ada"}).status_code == 503


def test_form_bodies_pass_the_body_validator_which_has_json_models_only(rest: Gateway) -> None:
    response = call(rest, "POST", "/prod/legacy", data={"age": "-1"})
    assert response.status_code == 200
    assert base64.b64decode(response.json()["body"]) == b"age=-1"


def test_any_method_and_greedy_proxy(rest: Gateway) -> None:
    for method in ("GET", "PUT", "DELETE"):
        response = call(rest, method, "/prod/store/cart/items/9")
        seen = response.json()
        assert (seen["method"], seen["path"]) == (method, "/store-backend/cart/items/9")
        assert ["x-request-id", response.headers["x-amzn-requestid"]] in seen["headers"]


def test_non_lambda_aws_integration_answers_501_naming_the_operation(rest: Gateway) -> None:
    response = call(rest, "POST", "/prod/orders")
    assert response.status_code == 501
    assert response.json()["message"] == "POST /orders: integration type aws to sqs cannot run locally"
    assert response.headers["x-gateway-error"] == "true"  # DEFAULT_5XX styling


def test_unmapped_lambda_answers_502_with_what_to_map(rest: Gateway) -> None:
    response = call(rest, "GET", "/prod/reports")
    assert response.status_code == 502
    assert "Lambda function ReportsFunction has no local handler" in response.json()["message"]
    assert any("ReportsFunction (GET /reports)" in notice for notice in rest.notices)


def test_binary_media_types_reach_the_lambda_event_base64(tmp_path: Path, backend: str) -> None:
    spec = aws_spec(tmp_path, "rest-api-swagger2.yaml", backend)
    (tmp_path / "lambdas" / "pets.py").write_text(
        "import json\n"
        "def create_pet(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps([event['body'], event['isBase64Encoded']])}\n"
        "list_pets = get_pet = create_pet\n"
    )
    text = spec.read_text().replace(
        "x-amazon-apigateway-request-validator: all\n      parameters:\n        - {name: body",
        "parameters:\n        - {name: body",
    )
    spec.write_text(text.replace("consumes: [application/json]", "consumes: [application/json, image/png]"))
    gateway = gateway_for(spec, lambda_map=tmp_path / "lambdas.yaml")
    png = call(gateway, "POST", "/prod/pets", content=b"\x89PNG", headers={"content-type": "image/png"})
    assert png.json() == [base64.b64encode(b"\x89PNG").decode(), True]
    sent = b'{"name": "x", "kind": "dog"}'
    text_body = call(gateway, "POST", "/prod/pets", content=sent, headers={"content-type": "application/json"})
    assert text_body.json() == [sent.decode(), False]


def test_http_api_payload_20_lambda_by_arn(http_api: Gateway) -> None:
    response = call(http_api, "GET", "/hello/ada")
    assert response.json() == {"greeting": "hello ada", "route": "GET /hello/{name}"}


def test_http_api_http_proxy_for_any_method(http_api: Gateway) -> None:
    seen = call(http_api, "PATCH", "/echo/a/b?x=1", content=b"hi").json()
    assert (seen["method"], seen["path"], seen["query"]) == ("PATCH", "/echo/a/b", "x=1")


def test_lambda_custom_integration_selects_by_error_message(http_api: Gateway) -> None:
    assert call(http_api, "POST", "/sum", json={"numbers": [1, 2.5]}).json() == {"sum": 3.5}
    failed = call(http_api, "POST", "/sum", json={"numbers": []})
    assert failed.status_code == 400
    assert failed.json()["errorMessage"] == "Invalid input: numbers must not be empty"


def test_routes_shows_types_targets_and_unsupported(tmp_path: Path, backend: str) -> None:
    spec = aws_spec(tmp_path, "rest-api-swagger2.yaml", backend)
    result = CliRunner().invoke(app, ["routes", str(spec), "--lambda-map", str(tmp_path / "lambdas.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    rows = {f"{row['method']} {row['path']}": row for row in json.loads(result.output)}
    assert rows["GET /pets"]["integration"] == "python"
    assert rows["GET /pets"]["target"].endswith("pets.py:list_pets (payload 1.0)")
    assert rows["ANY /store/{proxy+}"]["integration"] == "http"
    assert rows["ANY /store/{proxy+}"]["target"] == f"{backend}/store-backend/{{proxy}}"
    assert rows["POST /orders"]["integration"] == "unsupported"
    assert rows["POST /orders"]["target"] == "integration type aws to sqs cannot run locally"
    assert rows["GET /reports"]["integration"] == "unmapped-lambda"
    assert rows["GET /health"]["integration"] == "mock"
    legacy = rows["POST /legacy"]["mapping"]
    assert legacy == (
        "request template application/json (passthrough when_no_match); 3 request parameters; "
        "2 integration responses (0 templated)"
    )
    assert rows["GET /pets"]["mapping"] is None  # a proxy integration maps nothing
