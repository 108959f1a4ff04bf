"""The CLI as a user meets it: invoke, routes, serve, --help, and exit code 2 for unusable input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from apigw_cli.cli import app
from tests.helpers import REPO, SPECS, free_port, serve_process, write

runner = CliRunner()
USERAPI = str(SPECS / "userapi.yaml")


def test_invoke_prints_status_headers_and_body() -> None:
    result = runner.invoke(app, ["invoke", "/users", "GET", "-s", USERAPI])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("HTTP 200 OK\n")
    assert "content-type: application/json" in result.output
    assert '"items": []' in result.output


def test_invoke_json_with_body_and_query() -> None:
    body = json.dumps({"name": "Ada", "email": "ada@example.com"})
    created = runner.invoke(app, ["invoke", "/users", "POST", "-s", USERAPI, "-d", body, "--json"])
    assert created.exit_code == 0, created.output
    payload = json.loads(created.output)
    assert payload["status"] == 201
    assert payload["headers"]["location"] == f"/users/{payload['body']['id']}"
    listed = json.loads(runner.invoke(app, ["invoke", "/users?limit=1", "-s", USERAPI, "--json"]).output)
    assert listed["body"]["total"] == 1 and listed["body"]["limit"] == 1


def test_invoke_data_from_a_file_and_headers(tmp_path: Path) -> None:
    data = write(tmp_path, "new.json", '{"name": "Bo", "email": "bo@example.com"}')
    result = runner.invoke(
        app, ["invoke", "/users", "POST", "-s", USERAPI, "-d", f"@{data}", "-H", "Content-Type: application/json"]
    )
    assert result.output.startswith("HTTP 201 Created")


def test_invoke_fail_exits_1_on_an_error_status() -> None:
    assert runner.invoke(app, ["invoke", "/users/99", "-s", USERAPI]).exit_code == 0
    result = runner.invoke(app, ["invoke", "/users/99", "-s", USERAPI, "--fail"])
    assert result.exit_code == 1
    assert "HTTP 404" in result.output


def test_routes_json_lists_every_operation() -> None:
    result = runner.invoke(app, ["routes", USERAPI, "--json"])
    rows = json.loads(result.output)
    assert [(r["method"], r["path"], r["integration"]) for r in rows] == [
        ("GET", "/users", "python"),
        ("POST", "/users", "python"),
        ("GET", "/users/{id}", "python"),
        ("DELETE", "/users/{id}", "python"),
    ]
    assert rows[0]["target"] == "handlers/users.py:list_users (payload 1.0)"


def table_cells(output: str) -> tuple[list[str], list[list[str]]]:
    """A rich table's heading and rows, each as its cells' text (box lines and the title dropped)."""
    lines = [line for line in output.splitlines() if line.startswith(("┃", "│"))]
    cells = [[cell.strip() for cell in line.strip("┃│").replace("┃", "│").split("│")] for line in lines]
    return cells[0], cells[1:]


def test_routes_table_puts_each_value_under_its_heading(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: cells, version: "1"}
        x-integration: {type: mock}
        x-gateway: {apiKeys: [{name: k, value: v}]}
        components:
          securitySchemes: {key: {type: apiKey, in: header, name: x-api-key}}
        paths:
          /things:
            get:
              operationId: listThings
              security: [{key: []}]
              x-throttle: {rate: 5, burst: 10}
              x-cache: {ttl: 60}
              responses: {"200": {description: ok}}
          /plain:
            get:
              operationId: plain
              responses: {"200": {description: ok}}
        """,
    )
    result = runner.invoke(app, ["routes", str(spec)])
    assert result.exit_code == 0, result.output
    heading, rows = table_cells(result.output)
    assert heading == ["method", "path", "integration", "target", "mapping", "auth", "throttle", "cache", "operationId"]
    assert rows == [
        ["GET", "/things", "mock", "from examples", "", "api key", "5/s burst 10", "60s", "listThings"],
        ["GET", "/plain", "mock", "from examples", "", "none", "", "", "plain"],
    ]


def test_routes_table_mentions_mocked_operations() -> None:
    result = runner.invoke(app, ["routes", str(SPECS / "petstore-mock.yaml")])
    assert result.exit_code == 0
    assert "showPetById" in result.output


def test_spec_is_discovered_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APIGW_SPEC", str(SPECS / "hello-python.yaml"))
    result = runner.invoke(app, ["invoke", "/hello/Ada", "-q", "greeting=Hi", "--json"])
    assert json.loads(result.output)["body"] == {"message": "Hi, Ada!"}


def test_spec_is_discovered_in_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APIGW_SPEC", raising=False)
    monkeypatch.chdir(tmp_path)
    missing = runner.invoke(app, ["routes"])
    assert missing.exit_code == 2
    assert "no spec given and none of apigw.yaml, openapi.yaml, openapi.json" in missing.output
    (tmp_path / "openapi.yaml").write_text((SPECS / "petstore-mock.yaml").read_text())
    assert runner.invoke(app, ["routes", "--json"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["routes", "does-not-exist.yaml"], "does-not-exist.yaml: file not found"),
        (["invoke", "/x", "-s", "does-not-exist.yaml"], "does-not-exist.yaml: file not found"),
        (["invoke", "/users", "-s", USERAPI, "-H", "no-colon"], "header 'no-colon' must look like 'Name: value'"),
        (["invoke", "/users", "-s", USERAPI, "-d", "@nowhere.json"], "cannot read nowhere.json"),
        (["invoke", "users", "-s", USERAPI], "path 'users' must start with '/'"),
        (
            ["invoke", "/users", "-s", USERAPI, "--validate-responses", "loud"],
            "Invalid value for '--validate-responses': 'loud' is not one of 'off', 'warn', 'strict'",
        ),
    ],
)
def test_unusable_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("policy", "place", "problem"),
    [
        ("x-throttle: {rateLimit: 5, burst: 10}", "api.yaml:7:7: x-throttle:", "('rateLimit' was unexpected)"),
        ("x-cache: {ttl: 30, key: [query.page]}", "api.yaml:7:7: x-cache:", "('key' was unexpected)"),
        ("x-cache: {ttl: 30, enabled: yes}", "api.yaml:7:26: x-cache.enabled:", '"yes" is not of type "boolean"'),
    ],
)
def test_a_bad_policy_key_is_refused_not_ignored(tmp_path: Path, policy: str, place: str, problem: str) -> None:
    write(
        tmp_path,
        "api.yaml",
        f"""
        openapi: 3.0.3
        info: {{title: t, version: "1"}}
        paths:
          /a:
            get:
              x-integration: {{type: mock}}
              {policy}
              responses: {{"200": {{description: ok}}}}
        """,
    )
    result = runner.invoke(app, ["invoke", "/a", "-s", str(tmp_path / "api.yaml")])
    assert result.exit_code == 2, result.output
    assert place in result.output and problem in result.output


@pytest.mark.parametrize(
    ("command", "extension", "message"),
    [
        ("routes", "x-gateway: {throttel: {rate: 5}}", "api.yaml:3:1: x-gateway: Additional properties"),
        ("invoke", "x-integration: {type: mock, statuss: 201}", "('statuss' was unexpected)"),
    ],
)
def test_an_extension_off_the_published_schema_is_refused(
    tmp_path: Path, command: str, extension: str, message: str
) -> None:
    write(tmp_path, "api.yaml", f"""
        openapi: 3.0.3
        info: {{title: t, version: "1"}}
        {extension}
        paths:
          /a: {{get: {{responses: {{"200": {{description: ok}}}}}}}}
        """)  # fmt: skip
    args = [command, *(["/a", "-s"] if command == "invoke" else []), str(tmp_path / "api.yaml")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_bad_ref_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    spec = write(
        tmp_path,
        "api.yaml",
        """
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              responses:
                "200": {$ref: "#/components/responses/Gone"}
        """,
    )
    result = runner.invoke(app, ["routes", str(spec)])
    assert result.exit_code == 2
    assert f"{spec}:7:" in result.output or "api.yaml:7:" in result.output
    assert "points nowhere" in result.output


def test_help_of_each_command_has_examples() -> None:
    for command in ("serve", "invoke", "routes"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Examples:" in result.output and f"apigw {command}" in result.output


def run_apigw(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigw_cli", *args], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def test_installed_entry_point_runs_invoke_in_a_fresh_process() -> None:
    result = run_apigw("invoke", "/hello/you", "-s", str(SPECS / "hello-python.yaml"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["body"] == {"message": "Hello, you!"}


def test_serve_answers_over_http_and_logs_each_request(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {"APIGW_USERS_DB": str(tmp_path / "users.db"), "APIGW_TEST_LOG": str(log)}
    with serve_process(USERAPI, env=env) as base, httpx.Client(base_url=base, timeout=5) as client:
        created = client.post("/users", json={"name": "Ada", "email": "ada@example.com"})
        assert created.status_code == 201
        user = created.json()
        assert client.get(f"/users/{user['id']}").json() == user
        assert client.post("/users", json={"name": "Ada", "email": "ada@example.com"}).status_code == 409
        assert client.post("/users", json={"name": "Ada"}).status_code == 400
        assert client.delete(f"/users/{user['id']}").status_code == 204
        assert client.get(f"/users/{user['id']}").status_code == 404
        assert client.get("/nowhere").status_code == 404
    stderr = log.read_text()
    assert "listening on http://127.0.0.1:" in stderr
    assert "apigw serving UserAPI 1.0.0 (4 operations, OpenAPI 3.0.3)" in stderr
    log_lines = [line for line in stderr.splitlines() if " /users" in line or "/nowhere" in line]
    assert len(log_lines) == 7
    assert any("POST   /users 201" in line and "-> /users [python]" in line for line in log_lines)
    assert any("/nowhere 404" in line and "no route matches the path" in line for line in log_lines)
    # the readiness probe asked for the health endpoint
    assert any("/_apigw/health 200" in line for line in stderr.splitlines())


def test_serve_with_a_broken_spec_exits_2_without_traceback(tmp_path: Path) -> None:
    spec = write(tmp_path, "api.yaml", "openapi: 3.0.3\npaths: [\n")
    result = run_apigw("serve", str(spec), "--port", str(free_port()))
    assert result.returncode == 2
    assert "api.yaml:" in result.stderr and "invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr
