"""Stages: stage variables reach http URLs, AWS uris and Lambda events; --stage picks one;
--stage-prefix serves under /{stage}."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apigw_cli.cli import app
from apigw_cli.errors import SpecError
from tests.backends.echo import app as echo_app
from tests.helpers import call, gateway_for, running_app, write

SPEC = """
openapi: 3.0.3
info: {{title: staged, version: "1"}}
x-gateway:
  stages:
    dev:
      variables: {{backendPath: dev-backend, table: users-dev}}
    prod:
      variables: {{backendPath: prod-backend, table: users-prod}}
paths:
  /proxied/{{id}}:
    get:
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      x-integration: {{type: http, url: "{backend}/${{stageVariables.backendPath}}/{{id}}"}}
      responses: {{default: {{description: any}}}}
  /v1-event:
    get:
      x-integration: {{type: python, handler: "h.py:echo", payload: "1.0"}}
      responses: {{default: {{description: any}}}}
  /v2-event:
    get:
      x-integration: {{type: python, handler: "h.py:echo", payload: "2.0"}}
      responses: {{default: {{description: any}}}}
"""
HANDLER = "import json\n\ndef echo(event, context):\n    return {'statusCode': 200, 'body': json.dumps(event)}\n"


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    with running_app(echo_app) as base:
        yield base


@pytest.fixture
def spec(tmp_path: Path, backend: str) -> Path:
    write(tmp_path, "h.py", HANDLER)
    return write(tmp_path, "api.yaml", SPEC.format(backend=backend))


def test_the_first_declared_stage_is_the_default(spec: Path) -> None:
    gateway = gateway_for(spec)
    assert gateway.deployment == "dev"
    assert call(gateway, "GET", "/proxied/7").json()["path"] == "/dev-backend/7"


def test_stage_variables_reach_an_http_url(spec: Path) -> None:
    assert call(gateway_for(spec, deployment="prod"), "GET", "/proxied/7").json()["path"] == "/prod-backend/7"


def test_stage_variables_reach_lambda_events_of_both_formats(spec: Path) -> None:
    gateway = gateway_for(spec, deployment="prod")
    v1 = call(gateway, "GET", "/v1-event").json()
    assert v1["stageVariables"] == {"backendPath": "prod-backend", "table": "users-prod"}
    assert v1["requestContext"]["stage"] == "prod"
    v2 = call(gateway, "GET", "/v2-event").json()
    assert v2["stageVariables"]["table"] == "users-prod"
    assert v2["requestContext"]["stage"] == "prod"


def test_stage_prefix_serves_under_the_stage_name(spec: Path) -> None:
    gateway = gateway_for(spec, deployment="prod", deployment_prefix=True)
    assert call(gateway, "GET", "/prod/v1-event").status_code == 200
    assert call(gateway, "GET", "/v1-event").status_code == 404


def test_an_undeclared_stage_is_refused(spec: Path) -> None:
    with pytest.raises(SpecError, match=r"stage 'qa' is not declared \(declared: dev, prod\)"):
        gateway_for(spec, deployment="qa")


def test_an_unset_stage_variable_names_itself(tmp_path: Path, backend: str) -> None:
    write(tmp_path, "h.py", HANDLER)
    text = SPEC.format(backend=backend).replace("stageVariables.backendPath", "stageVariables.missing")
    spec = write(tmp_path, "api.yaml", text)
    with pytest.raises(SpecError, match="stage variable 'missing' is not set for stage 'dev'") as caught:
        gateway_for(spec)
    assert caught.value.line is not None


def test_invoke_and_routes_follow_the_stage(spec: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["invoke", "/v2-event", "-s", str(spec), "--stage", "prod", "--json"])
    assert json.loads(result.output)["body"]["requestContext"]["stage"] == "prod"
    routes = runner.invoke(app, ["routes", str(spec), "--stage", "prod", "--json"])
    targets = {row["path"]: row["target"] for row in json.loads(routes.output)}
    assert targets["/proxied/{id}"].endswith("/prod-backend/{id}")


def test_a_stage_overrides_the_throttle_and_turns_the_cache_off(tmp_path: Path) -> None:
    write(tmp_path, "h.py", HANDLER)
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: staged, version: "1"}
        x-integration: {type: mock}
        x-gateway:
          throttle: {rate: 100, burst: 100}
          stages:
            dev: {throttle: {rate: 1, burst: 2}, cache: false}
            prod: {}
        paths:
          /items:
            get:
              x-cache: {ttl: 60}
              responses: {"200": {description: ok}}
        """,
    )
    dev = gateway_for(spec, deployment="dev")
    assert dev.routes[0].cache is None
    assert [call(dev, "GET", "/items").status_code for _ in range(3)][-1] == 429
    prod = gateway_for(spec, deployment="prod")
    assert prod.routes[0].cache is not None
    assert [call(prod, "GET", "/items").status_code for _ in range(3)] == [200, 200, 200]
