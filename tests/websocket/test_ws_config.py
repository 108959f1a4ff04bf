"""A WebSocket API declared wrong is named at its line by `apigw lint` (and refused by serve)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

BASE = """openapi: 3.0.3
info: {title: t, version: "1"}
x-gateway:
  websocket:
WEBSOCKET
paths: {}
"""


@pytest.mark.parametrize(
    ("websocket", "message"),
    [
        ("    routes:\n      $connect: {type: python, handler: nope.py:connect}", "nope.py not found"),
        ("    routes:\n      chat: {type: mock, stauts: 200}", "'stauts' was unexpected"),
        ("    routeSelectionExpression: $request.query.x\n    routes:\n      $default: {type: mock}",
         "must be $request.body.NAME"),
        ("    routes:\n      chat: {type: mock, authorizer: mine}", "only $connect takes an authorizer"),
        ("    routes:\n      $connect: {type: mock, authorizer: mine}", "'mine' is not a declared authorizer"),
        ("    path: /ws/{id}\n    routes:\n      $default: {type: mock}", "must be a literal path"),
        ("    idleTimeout: 0\n    routes:\n      $default: {type: mock}", "idleTimeout"),
        ("    routes:\n      $default: {type: lambda}", "is not one of"),
    ],
)  # fmt: skip
def test_a_bad_websocket_api_is_named_at_its_line(websocket: str, message: str, tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(BASE.replace("WEBSOCKET", websocket))
    run = subprocess.run(
        [sys.executable, "-m", "apigw_cli", "lint", str(spec), "--format", "github"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert message in run.stdout, run.stdout
    assert f"file={spec}" in run.stdout and ",line=" in run.stdout
