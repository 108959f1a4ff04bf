"""What a command does not use, it does not import: `apigw --help`, `lint` and `invoke` are run as
a user runs them (in a fresh interpreter) and the modules they loaded are checked against a deny
list. Start-up time is measured in bench/startup_bench.py, not here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"

# what the command runs, then the modules it loaded, as JSON on the last line of stdout
PROBE = """
import json, runpy, sys
sys.argv = ["apigw", *json.loads(sys.argv[1])]
try:
    runpy.run_module("apigw_cli", run_name="__main__")
except SystemExit:
    pass
print()
print(json.dumps(sorted(sys.modules)))
"""

# no command needs these at start: typer 0.29 validates options through pydantic (~130 ms);
# the servers, clients and stores load when serve starts them; urllib.request came with
# xml.sax.saxutils (~20 ms)
NEVER = {
    "pydantic",
    "httpx",
    "uvicorn",
    "starlette",
    "websockets",
    "redis",
    "jwt",
    "prometheus_client",
    "openapi_core",
    "watchfiles",
    "airspeed",
    "jsonpath",
    "urllib.request",
}
DENIED = {
    "help": NEVER | {"rich", "asyncio", "yaml", "yaml_rs", "jsonschema_rs", "aiohttp", "apigw_cli.gateway"},
    "lint": NEVER | {"aiohttp", "rich"},  # its report is plain text with ANSI colours
    # the spec's operations are python handlers and mocks; rich loads with the first log record
    "invoke": NEVER | {"aiohttp", "rich"},
}
COMMANDS = {
    "help": ["--help"],
    "lint": ["lint", str(SPECS / "petstore-mock.yaml")],
    "invoke": ["invoke", "/users", "-s", str(SPECS / "userapi.yaml")],
}


def loaded_modules(args: list[str], tmp_path: Path) -> set[str]:
    env = {"APIGW_USERS_DB": str(tmp_path / "users.db"), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return set(json.loads(run.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_command_imports_nothing_on_its_deny_list(command: str, tmp_path: Path) -> None:
    modules = loaded_modules(COMMANDS[command], tmp_path)
    assert "apigw_cli.cli" in modules  # the probe ran the command line
    found = sorted(name for name in modules if name in DENIED[command] or name.split(".")[0] in DENIED[command])
    assert found == [], f"apigw {' '.join(COMMANDS[command])} imported {found}"


def test_the_probe_sees_what_a_command_imports(tmp_path: Path) -> None:
    """The check can fail: invoke loads the gateway, and lint the compiler it runs serve's check with."""
    assert "apigw_cli.gateway.snapshot" in loaded_modules(COMMANDS["invoke"], tmp_path)
    assert "apigw_cli.gateway.compiling.gateway" in loaded_modules(COMMANDS["lint"], tmp_path)
