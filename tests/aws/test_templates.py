"""The mapping template corpus (template_cases.py) through a real `apigw serve`: request templates
render for an echo backend, which answers with the body it got; response templates render over a
backend's fixed answer. One server for the whole table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.aws.template_cases import CASES, Case
from tests.helpers import running_app, serve_process

SOURCES = {"REF", "OVERRIDE", "MODELS", "LIMITS", "VELOCITY", "JAVA", "LS12413", "LS12379", "LS12774", "TOQOZ5",
           "PASSTHRU"}  # fmt: skip
BY_NAME = {case.name: case for case in CASES}
AUTHORIZER = """
def handler(event, context):
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        "context": {"numKey": 1, "boolKey": True},
    }
"""
AUTHORIZER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:corpus-auth"


async def echo(request: Request) -> Response:
    return Response(await request.body(), media_type=request.headers.get("content-type"))


async def echo_header(request: Request) -> Response:
    return Response(request.headers.get(request.path_params["name"], ""))


async def echo_query(request: Request) -> Response:
    return Response(request.url.query)


async def echo_path(request: Request) -> Response:
    return Response(request.url.path)


async def fixed(request: Request) -> Response:
    return Response(BY_NAME[request.path_params["name"]].backend_body, media_type="application/json")


BACKEND = Starlette(
    routes=[
        Route("/echo", echo, methods=["POST"]),
        Route("/echo-header/{name}", echo_header, methods=["POST"]),
        Route("/echo-query", echo_query, methods=["POST"]),
        Route("/echo-path/{p}", echo_path, methods=["POST"]),
        Route("/fixed/{name}", fixed),
    ]
)


def _route(case: Case) -> str:
    return f"/case-{case.name}{case.path}"


def _operation(case: Case, backend: str) -> dict[str, Any]:
    if case.kind == "request":
        integration: dict[str, Any] = {
            "type": "http",
            "httpMethod": "POST",
            "uri": backend + case.backend,
            "passthroughBehavior": "when_no_match",
            "requestTemplates": {case.media_type: case.template},
            "responses": {"default": {"statusCode": "200"}},
        }
    else:
        integration = {
            "type": "http",
            "httpMethod": "GET",
            "uri": f"{backend}/fixed/{case.name}",
            "responses": {"default": {"statusCode": "200", "responseTemplates": {case.media_type: case.template}}},
        }
    if case.request_parameters:
        integration["requestParameters"] = case.request_parameters
    operation: dict[str, Any] = {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": integration,
    }
    names = [part[1:-1] for part in case.path.split("/") if part.startswith("{")]
    if names:
        operation["parameters"] = [{"name": name, "in": "path", "required": True, "type": "string"} for name in names]
    if case.authorized:
        operation["security"] = [{"byRequest": []}]
    return operation


def corpus_spec(backend: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for case in CASES:
        paths[_route(case)] = {"post" if case.kind == "request" else "get": _operation(case, backend)}
    return {
        "swagger": "2.0",
        "info": {"title": "template corpus", "version": "1"},
        "basePath": "/prod",
        "x-gateway": {
            "stages": {"prod": {"variables": {"env": "test"}}},
            "lambdas": {"corpus-auth": "auth.py:handler"},
        },
        "securityDefinitions": {
            "byRequest": {
                "type": "apiKey",
                "name": "x-user",
                "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "request",
                    "identitySource": "method.request.header.x-user",
                    "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                    f"{AUTHORIZER_ARN}/invocations",
                    "authorizerResultTtlInSeconds": 0,
                },
            }
        },
        "paths": paths,
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("templates")
    with running_app(BACKEND) as backend:
        spec = folder / "corpus.json"
        spec.write_text(json.dumps(corpus_spec(backend), indent=1))
        (folder / "auth.py").write_text(AUTHORIZER)
        with serve_process(str(spec)) as base:
            yield base


def _request(base: str, case: Case) -> httpx.Response:
    path = _route(case).replace("{id}", "p1" if case.name == "params-path" else "p2")
    headers = dict(case.headers)
    if case.content_type is not None and case.kind == "request":
        headers["content-type"] = case.content_type
    if case.accept is not None:
        headers["accept"] = case.accept
    if case.authorized:
        headers["x-user"] = "ada"
    url = f"{base}/prod{path}" + (f"?{case.query}" if case.query else "")
    method = "POST" if case.kind == "request" else "GET"
    return httpx.request(method, url, headers=headers, content=case.body or None, timeout=10)


def test_the_corpus_covers_enough_cases_each_with_its_source() -> None:
    assert len(CASES) >= 80
    assert len(BY_NAME) == len(CASES), "case names are unique"
    assert {case.source for case in CASES} <= SOURCES
    assert {case.kind for case in CASES} == {"request", "response"}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_template_case(served: str, case: Case) -> None:
    response = _request(served, case)
    assert response.status_code == case.status, response.text
    if case.expected is not None:
        assert response.text == case.expected
    if case.prefix is not None:
        assert response.text.startswith(case.prefix), response.text
    if case.header is not None:
        name, value = case.header
        assert response.headers.get(name) == value


def test_the_bundled_mapping_template_spec_runs_through_invoke() -> None:
    from typer.testing import CliRunner

    from apigw_cli.cli import app

    runner = CliRunner()
    spec = str(Path(__file__).resolve().parents[2] / "specs" / "mapping-templates.yaml")
    items = '{"items": [{"sku": "a\'b", "qty": 2}, {"sku": "c", "qty": 1}]}'
    quote = runner.invoke(app, ["invoke", "/quotes", "POST", "-s", spec, "-d", items, "--json"])
    assert quote.exit_code == 0, quote.output
    answer = json.loads(quote.output)
    assert answer["status"] == 200
    body = answer["body"]
    assert (body["currency"], body["units"]) == ("EUR", 3)
    assert body["lines"] == [{"sku": "a'b", "qty": 2}, {"sku": "c", "qty": 1}]
    assert body["quote"] == answer["headers"]["x-amzn-requestid"]
    empty = runner.invoke(app, ["invoke", "/quotes", "POST", "-s", spec, "-d", '{"items": []}', "--json"])
    assert json.loads(empty.output)["status"] == 400
    greeting = runner.invoke(app, ["invoke", "/greetings/Ada?style=loud", "-s", spec, "--json"])
    greeted = json.loads(greeting.output)
    assert greeted["body"] == {"greeting": "Hello, ADA!", "stage": "dev"}
    assert greeted["headers"]["x-greeted"] == "yes"
