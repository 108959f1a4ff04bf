"""`apigw export` of every bundled spec to both flavours: valid OpenAPI 3.0 (or 2.0) that apigw's
AWS lint rules accept, apigw's own extensions gone, losses listed with exit 1 (0 with
--allow-loss), and round trips: the exported spec served with the Lambdas mapped back answers a
recording of the original exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from tests.helpers import REPO, SPECS, serve_process

BUNDLED = ["userapi", "hello-python", "petstore-mock", "proxy", "mapping-templates", "chat"]
# what each export loses, by spec and flavour (the rest export whole)
LOSSES = {
    ("hello-python", "aws-rest"): ["payload 2.0"],
    ("chat", "aws-rest"): ["payload 2.0", "WebSocket API"],
    ("chat", "aws-http"): ["WebSocket API"],
    ("userapi", "aws-http"): ["HTTP APIs do not validate requests"],
    ("hello-python", "aws-http"): ["HTTP APIs do not validate requests"],
    ("proxy", "aws-http"): ["HTTP APIs do not validate requests"],
    ("petstore-mock", "aws-http"): ["HTTP APIs have no mock integration"],
    ("mapping-templates", "aws-http"): ["HTTP APIs take aws_proxy and http_proxy only"],
}


def apigw(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigw_cli", *args], capture_output=True, text=True, timeout=120, cwd=REPO,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def _own_extensions(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [key for key in value if key in ("x-integration", "x-gateway", "x-throttle", "x-cache")]
        return found + [key for item in value.values() for key in _own_extensions(item)]
    if isinstance(value, list):
        return [key for item in value for key in _own_extensions(item)]
    return []


@pytest.mark.parametrize("target", ["aws-rest", "aws-http"])
@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_spec_exports(name: str, target: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.json"
    run = apigw("export", str(SPECS / f"{name}.yaml"), "--to", target, "-o", str(out))
    expected = LOSSES.get((name, target), [])
    assert run.returncode == (1 if expected else 0), run.stderr
    for words in expected:
        assert words in run.stderr
    exported = json.loads(out.read_text())
    assert str(exported.get("openapi", "")).startswith("3.0") or exported.get("swagger") == "2.0"
    assert _own_extensions(exported) == []
    if name != "proxy":  # its {path+} is the managed gateway's greedy syntax, which the validator does not know
        validate(exported)
    linted = apigw("lint", str(out))
    assert linted.returncode == 0, linted.stdout
    assert apigw("export", str(SPECS / f"{name}.yaml"), "--to", target, "--allow-loss").returncode == 0


def test_a_python_api_round_trips_through_the_rest_export(tmp_path: Path) -> None:
    out = tmp_path / "userapi-aws.json"
    assert apigw("export", str(SPECS / "userapi.yaml"), "--to", "aws-rest", "-o", str(out)).returncode == 0
    exported = json.loads(out.read_text())
    integration = exported["paths"]["/users/{id}"]["get"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy" and integration["uri"].endswith(":function:get_user/invocations")
    assert exported["x-amazon-apigateway-request-validator"] == "all"
    record = tmp_path / "traffic.jsonl"
    env = {"APIGW_USERS_DB": str(tmp_path / "first.db")}
    with serve_process(str(SPECS / "userapi.yaml"), "--no-reload", "--record", str(record), env=env) as base:
        httpx.post(f"{base}/users", json={"name": "Ada", "email": "ada@example.com"}, timeout=10)
        httpx.get(f"{base}/users", timeout=10)
        httpx.get(f"{base}/users/1", timeout=10)
        httpx.delete(f"{base}/users/1", timeout=10)
        httpx.get(f"{base}/users/1", timeout=10)  # 404 from the handler
    lambdas = tmp_path / "userapi-aws.lambdas.yaml"
    replayed = apigw("replay", str(record), "-s", str(out), "--lambda-map", str(lambdas),
                     "--ignore", "/createdAt", "--ignore", "/**/createdAt",
                     env={"APIGW_USERS_DB": str(tmp_path / "second.db")})  # fmt: skip
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "5 sent, 5 matched" in replayed.stdout


def test_a_mock_api_round_trips_and_an_http_api_keeps_payload_2(tmp_path: Path) -> None:
    out = tmp_path / "pets.json"
    assert apigw("export", str(SPECS / "petstore-mock.yaml"), "--to", "aws-rest", "-o", str(out)).returncode == 0
    record = tmp_path / "pets.jsonl"
    with serve_process(str(SPECS / "petstore-mock.yaml"), "--no-reload", "--record", str(record)) as base:
        httpx.get(f"{base}/pets", timeout=10)
    replayed = apigw("replay", str(record), "-s", str(out))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    http = tmp_path / "hello.json"
    assert (
        apigw(
            "export", str(SPECS / "hello-python.yaml"), "--to", "aws-http", "--allow-loss", "-o", str(http)
        ).returncode
        == 0
    )
    hello = json.loads(http.read_text())
    assert hello["paths"]["/hello/{name}"]["get"]["x-amazon-apigateway-integration"]["payloadFormatVersion"] == "2.0"
    assert hello["openapi"] == "3.0.3"  # taken down from 3.1
    assert hello["x-amazon-apigateway-importexport-version"] == "1.0"


def test_openapi_31_is_taken_down_or_refused_naming_the_construct(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text("""openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /x:
    post:
      x-integration: {type: mock}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: [string, "null"], examples: [ada]}
                kind: {const: person}
                age: {type: integer, exclusiveMinimum: 0}
                pair: {type: array, prefixItems: [{type: string}, {type: integer}]}
      responses: {"200": {description: ok}}
""")
    out = tmp_path / "out.json"
    run = apigw("export", str(spec), "--to", "aws-rest", "-o", str(out))
    assert run.returncode == 1
    assert "properties/pair/prefixItems: prefixItems (JSON Schema 2020-12) has no form in OpenAPI 3.0" in run.stderr
    properties = json.loads(out.read_text())["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["properties"]  # fmt: skip
    assert properties["name"] == {"type": "string", "nullable": True, "example": "ada"}
    assert properties["kind"] == {"enum": ["person"]}
    assert properties["age"] == {"type": "integer", "minimum": 0, "exclusiveMinimum": True}
