"""`apigw coverage` on the AWS test specs and on specs that run otherwise than on AWS, and the
summary `serve` prints at start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO, serve_process

AWS = REPO / "tests" / "specs" / "aws"


def apigw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigw_cli", *args], capture_output=True, text=True, timeout=60, cwd=REPO
    )


def test_coverage_of_the_aws_rest_export() -> None:
    run = apigw(
        "coverage", str(AWS / "rest-api-swagger2.yaml"), "--lambda-map", str(AWS / "lambdas.yaml"), "-f", "json"
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    statuses = {(o["method"], o["path"]): (o["status"], o["answer"]) for o in report["operations"]}
    assert statuses[("GET", "/pets")] == ("runs", None)
    assert statuses[("POST", "/orders")] == ("unavailable", 501)  # an SQS service integration
    assert statuses[("GET", "/reports")] == ("unavailable", 502)  # a Lambda nobody mapped
    assert (
        report["summary"]["text"] == "8 of 10 operations run as on AWS; 1 answer 501; 1 answer 502: see apigw coverage"
    )
    extensions = {e["name"]: e["status"] for e in report["extensions"]}
    assert extensions["x-amazon-apigateway-integration"] == "runs"
    assert extensions["x-amazon-apigateway-request-validators"] == "runs"
    text = apigw("coverage", str(AWS / "rest-api-swagger2.yaml"), "--lambda-map", str(AWS / "lambdas.yaml"))
    assert "unavailable (501)" in text.stdout and "integration type aws to sqs cannot run locally" in text.stdout


def test_what_is_approximated_says_how(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text("""openapi: 3.0.3
info: {title: approx, version: "1"}
x-amazon-apigateway-minimum-compression-size: 1024
components:
  securitySchemes:
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: "https://auth.example.com/token", scopes: {}}}}
paths:
  /a:
    get:
      responses: {"200": {description: ok}}
  /b:
    get:
      security: [{oauth: []}]
      x-integration: {type: mock}
      responses: {"200": {description: ok}}
  /c:
    get:
      x-integration: {type: mock}
      responses: {"200": {description: ok}}
""")
    report = json.loads(apigw("coverage", str(spec), "--format", "json").stdout)
    why = {o["path"]: (o["status"], o["why"]) for o in report["operations"]}
    assert why["/a"] == ("approximated", ["no integration declared: served as a mock from its responses"])
    assert why["/b"] == ("approximated", ["oauth: credentials checked for presence, not verified"])
    assert why["/c"] == ("runs", [])
    assert report["extensions"] == [
        {"name": "x-amazon-apigateway-minimum-compression-size", "uses": 1, "status": "ignored",
         "what": "responses are sent uncompressed"}
    ]  # fmt: skip
    assert report["summary"]["text"] == "1 of 3 operations run as on AWS; 2 approximated: see apigw coverage"


def test_serve_prints_the_summary_at_start_up(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serve_process(str(AWS / "rest-api-swagger2.yaml"), "--no-reload", "--lambda-map", str(AWS / "lambdas.yaml"),
                       env={"APIGW_TEST_LOG": str(log)}):  # fmt: skip
        pass
    printed = " ".join(log.read_text().split())  # the console wraps long lines
    assert "8 of 10 operations run as on AWS; 1 answer 501; 1 answer 502: see apigw coverage" in printed
