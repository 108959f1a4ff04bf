"""Hot reload under a real server with real file edits: handler and spec edits show up, broken
edits keep the previous version serving, and a steady load sees no failed or mixed request."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from apigw_cli.config import Settings
from apigw_cli.gateway.asgi import GatewayApp
from apigw_cli.gateway.reload import Reloader, ReloadResult
from apigw_cli.loading import build_gateway
from tests.helpers import running_app, write

SPEC = """
openapi: 3.0.3
info: {{title: reloading, version: "{version}"}}
x-integration: {{type: python, handler: "handler.py:answer", payload: "2.0"}}
paths:
  /version:
    get:
      responses:
        "200":
          description: the version
          content:
            application/json:
              schema:
                type: object
                required: [version, greeting]
                properties:
                  version: {{const: {version}}}
                  greeting: {{type: string}}
{extra}"""
HANDLER = (
    "import greeting\n\nVERSION = {version}\n\n\n"
    "def answer(event, context):\n    return {{'version': VERSION, 'greeting': greeting.TEXT}}\n"
)
EXTRA_PATH = """  /extra:
    get:
      x-integration: {type: mock}
      responses: {"200": {description: ok, content: {application/json: {example: {extra: true}}}}}
"""


class Reporter:
    def __init__(self) -> None:
        self.done: list[ReloadResult] = []
        self.refused: list[ReloadResult] = []

    def reloaded(self, result: ReloadResult) -> None:
        self.done.append(result)

    def failed(self, result: ReloadResult) -> None:
        self.refused.append(result)


def write_version(folder: Path, version: int, extra: str = "") -> None:
    write(folder, "handler.py", HANDLER.format(version=version))
    write(folder, "api.yaml", SPEC.format(version=version, extra=extra))


@contextlib.contextmanager
def reloading_server(folder: Path) -> Iterator[tuple[str, Reporter]]:
    settings = Settings(spec=folder / "api.yaml", validate_responses="strict")
    reporter = Reporter()
    reloader = Reloader(lambda: build_gateway(settings), reporter, debounce_ms=100)
    app = GatewayApp(build_gateway(settings), settings.max_body_bytes, reloader.start, reloader.stop)
    with running_app(app) as base:
        yield base, reporter  # no wait for the watcher: an edit before it runs is caught by its stamp


def wait_for(condition: Callable[[], bool], timeout: float = 8) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def fetch(base: str, path: str = "/version") -> httpx.Response:
    return httpx.get(base + path, timeout=5)


def project(tmp_path: Path) -> Path:
    write(tmp_path, "greeting.py", "TEXT = 'hello'\n")
    write_version(tmp_path, 1)
    return tmp_path


def test_a_handler_edit_shows_on_the_next_requests(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with reloading_server(folder) as (base, reporter):
        assert fetch(base).json() == {"version": 1, "greeting": "hello"}
        write(folder, "greeting.py", "TEXT = 'bonjour'\n")  # a module the handler imports
        wait_for(lambda: fetch(base).json()["greeting"] == "bonjour")
        assert reporter.done and reporter.done[-1].changes == ()


def test_a_new_path_answers_and_the_diff_names_it(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with reloading_server(folder) as (base, reporter):
        assert fetch(base, "/extra").status_code == 404
        write_version(folder, 2, EXTRA_PATH)
        wait_for(lambda: fetch(base, "/extra").status_code == 200)
        assert fetch(base).json()["version"] == 2
        changes = {(c.kind, c.route) for result in reporter.done for c in result.changes}
        assert ("added", "GET /extra") in changes and ("changed", "GET /version") in changes


def test_a_broken_edit_keeps_the_previous_version_serving(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with reloading_server(folder) as (base, reporter):
        (folder / "api.yaml").write_text("openapi: 3.0.3\npaths: [\n")
        wait_for(lambda: bool(reporter.refused))
        assert "api.yaml:3:1: invalid YAML" in (reporter.refused[0].error or "")
        assert fetch(base).json()["version"] == 1
        (folder / "handler.py").write_text("def answer(event, context)\n")  # a syntax error too
        wait_for(lambda: len(reporter.refused) >= 2)
        assert fetch(base).json()["version"] == 1
        write_version(folder, 3)
        wait_for(lambda: fetch(base).json()["version"] == 3)


def test_steady_load_through_good_and_broken_reloads(tmp_path: Path) -> None:
    folder = project(tmp_path)
    failures: list[str] = []
    seen_versions: set[int] = set()
    sent = 0
    stop = threading.Event()

    def load(base: str) -> None:
        nonlocal sent
        with httpx.Client(base_url=base, timeout=5) as client:
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                started = time.monotonic()
                response = client.get("/version")
                sent += 1
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.text}")
                else:
                    seen_versions.add(response.json()["version"])
                time.sleep(max(0.0, 0.02 - (time.monotonic() - started)))  # 50 requests a second

    with reloading_server(folder) as (base, reporter):
        worker = threading.Thread(target=load, args=(base,), daemon=True)
        worker.start()
        wait_for(lambda: 1 in seen_versions)  # the load has seen the first version before any edit
        for round_number in range(20):
            if round_number % 2:
                refused = (round_number + 1) // 2
                (folder / "api.yaml").write_text("openapi: 3.0.3\npaths: {/version: [\n")
                wait_for(lambda: len(reporter.refused) >= refused)  # noqa: B023 - called before the loop moves on
            else:
                version = round_number // 2 + 2
                write_version(folder, version)
                wait_for(lambda: fetch(base).json().get("version") == version)  # noqa: B023
        stop.set()
        worker.join(10)
    assert failures == []  # strict response validation: a request that mixed versions would be a 502
    assert sent > 100
    assert seen_versions >= {1, 11}
    assert len(reporter.done) >= 10 and len(reporter.refused) == 10


def test_a_reload_compiles_the_validators_of_routes_already_in_use(tmp_path: Path) -> None:
    from apigw_cli.gateway.reload import warm_used_routes
    from tests.helpers import SPECS, call, gateway_for

    old = gateway_for(SPECS / "petstore-mock.yaml")
    assert call(old, "GET", "/pets/1").status_code == 200
    new = gateway_for(SPECS / "petstore-mock.yaml")
    assert warm_used_routes(old, new) > 0
    by_route = {op.route_key: op for op in new.operations}
    assert all(v.compiled for v in by_route["GET /pets/{petId}"].validators())
    assert not any(v.compiled for v in by_route["POST /pets"].validators())  # never requested: left lazy


DIFFED = """
openapi: 3.0.3
info: {{title: diffed, version: "1"}}
paths:
  /same:
    get:
      x-integration: {{type: mock}}
      responses:
        "200":
          description: ok
          content: {{application/json: {{example: {{big: 123456789012345678901234567890}}}}}}
  /edited:
    get:
      x-integration: {{type: mock}}
      x-throttle: {{rate: {rate}, burst: 10}}
      responses: {{"200": {{description: ok}}}}
"""


def test_the_route_diff_names_only_what_changed_even_with_integers_past_64_bits(tmp_path: Path) -> None:
    from apigw_cli.gateway.reload import route_changes
    from tests.helpers import gateway_for

    old = gateway_for(write(tmp_path, "a.yaml", DIFFED.format(rate=5)))
    same = gateway_for(write(tmp_path, "b.yaml", DIFFED.format(rate=5)))
    edited = gateway_for(write(tmp_path, "c.yaml", DIFFED.format(rate=7)))
    assert route_changes(old, same) == ()
    [change] = route_changes(old, edited)
    assert change.kind == "changed" and change.route == "GET /edited" and change.detail.startswith("throttle:")


def test_a_reload_takes_over_compiled_validators_only_for_unchanged_schemas(tmp_path: Path) -> None:
    from apigw_cli.gateway.snapshot import Gateway
    from apigw_cli.gateway.validation.schema import SchemaValidator
    from tests.helpers import SPECS, call, gateway_for

    def pet_response(gateway: Gateway) -> SchemaValidator:
        [operation] = [op for op in gateway.operations if op.route_key == "GET /pets/{petId}"]
        declared = operation.response_for(200)
        assert declared is not None
        validator = declared.media_specs["application/json"].validator  # the 200 response's body: a Pet
        assert validator is not None
        return validator

    old = gateway_for(SPECS / "petstore-mock.yaml")
    fresh = pet_response(gateway_for(SPECS / "petstore-mock.yaml"))
    assert not fresh.adopt(pet_response(old))  # nothing compiled yet: nothing to take over
    assert call(old, "GET", "/pets/1").status_code == 200
    served = pet_response(old)
    assert served.compiled
    assert fresh.adopt(served) and fresh.compiled
    assert fresh.is_valid({"id": 1, "name": "Rex", "kind": "dog"})
    assert not fresh.is_valid({"id": 1, "name": "", "kind": "dog"})
    edited = (SPECS / "petstore-mock.yaml").read_text().replace("{type: string, minLength: 1}", "{type: string}")
    changed = pet_response(gateway_for(write(tmp_path, "petstore.yaml", edited)))
    assert not changed.adopt(served) and not changed.compiled  # the schema changed: compiled anew when used
    assert changed.is_valid({"id": 1, "name": "", "kind": "dog"})


def test_an_edit_before_the_watcher_runs_is_not_lost(tmp_path: Path) -> None:
    folder = project(tmp_path)
    settings = Settings(spec=folder / "api.yaml", validate_responses="strict")
    reporter = Reporter()
    reloader = Reloader(lambda: build_gateway(settings), reporter, debounce_ms=100)
    first = build_gateway(settings)
    write_version(folder, 2)  # after the snapshot read the files, before anything watches them
    app = GatewayApp(first, settings.max_body_bytes, reloader.start, reloader.stop)
    with running_app(app) as base:
        assert fetch(base).json()["version"] in (1, 2)
        wait_for(lambda: fetch(base).json()["version"] == 2)
    assert len(reporter.done) == 1 and not reporter.refused


def test_a_broken_edit_is_tried_once_until_it_changes(tmp_path: Path) -> None:
    folder = project(tmp_path)
    with reloading_server(folder) as (base, reporter):
        (folder / "api.yaml").write_text("openapi: 3.0.3\npaths: [\n")
        wait_for(lambda: bool(reporter.refused))
        deadline = time.monotonic() + 1.5  # three stamp checks: none may try the same broken file again
        while time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(reporter.refused) == 1
        write_version(folder, 2)
        wait_for(lambda: fetch(base).json()["version"] == 2)
