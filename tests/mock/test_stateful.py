"""Stateful mocks through a real `apigw serve --stateful`: a CRUD walk on the bundled petstore mock
(seeded from its examples), 404 after delete, a filter by field, and POST /_apigw/mock/reset; and
`--mock-state FILE` keeping resources across a restart; an in-process reload keeping them too."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.helpers import REPO, serve_process

PETSTORE = str(REPO / "specs" / "petstore-mock.yaml")


def test_a_crud_walk_then_reset() -> None:
    with serve_process(PETSTORE, "--stateful", "--no-reload") as base:
        assert [p["id"] for p in httpx.get(f"{base}/pets", timeout=10).json()] == [1, 2]  # seeded
        created = httpx.post(f"{base}/pets", json={"name": "Kit", "kind": "cat"}, timeout=10)
        assert created.status_code == 201
        assert created.json() == {"id": 3, "name": "Kit", "kind": "cat"}
        assert created.headers["location"] == "/pets/3"
        assert httpx.get(f"{base}/pets/3", timeout=10).json()["name"] == "Kit"
        assert [p["id"] for p in httpx.get(f"{base}/pets", params={"kind": "cat"}, timeout=10).json()] == [3]
        taken = httpx.post(f"{base}/pets", json={"id": 3, "name": "Kat", "kind": "cat"}, timeout=10)
        assert taken.status_code == 409
        missing = httpx.get(f"{base}/pets/9", timeout=10)
        assert missing.status_code == 404 and missing.json() == {"message": "No resource with id '9' in /pets"}
        reset = httpx.post(f"{base}/_apigw/mock/reset", timeout=10)
        assert reset.json() == {"reset": True, "collections": 1}
        assert [p["id"] for p in httpx.get(f"{base}/pets", timeout=10).json()] == [1, 2]
        assert httpx.get(f"{base}/pets/3", timeout=10).status_code == 404


def test_mock_state_file_keeps_resources_across_a_restart(tmp_path: Path) -> None:
    state = str(tmp_path / "pets.sqlite")
    with serve_process(PETSTORE, "--stateful", "--mock-state", state, "--no-reload") as base:
        assert httpx.post(f"{base}/pets", json={"name": "Kit", "kind": "cat"}, timeout=10).status_code == 201
    with serve_process(PETSTORE, "--stateful", "--mock-state", state, "--no-reload") as base:
        assert [p["name"] for p in httpx.get(f"{base}/pets", timeout=10).json()] == ["Rex", "Fido", "Kit"]


def test_an_in_process_reload_keeps_the_resources(tmp_path: Path) -> None:
    spec = tmp_path / "petstore-mock.yaml"
    original = Path(PETSTORE).read_text()
    spec.write_text(original)
    with serve_process(str(spec), "--stateful") as base:
        assert httpx.post(f"{base}/pets", json={"name": "Kit", "kind": "cat"}, timeout=10).status_code == 201
        spec.write_text(original.replace("paths:\n", "paths:\n  /extra:\n    get:\n      x-integration: {type: mock}\n"
                                         "      responses: {'200': {description: ok}}\n", 1))  # fmt: skip
        deadline = time.monotonic() + 20
        while httpx.get(f"{base}/extra", timeout=10).status_code != 200:  # the reload has landed
            assert time.monotonic() < deadline, "the edit was not reloaded in time"
            # the watcher starts some time after the server answers: an edit before it is not seen
            spec.write_text(spec.read_text())
            time.sleep(0.2)
        assert [p["name"] for p in httpx.get(f"{base}/pets", timeout=10).json()] == ["Rex", "Fido", "Kit"]
        assert httpx.get(f"{base}/pets/3", timeout=10).json()["name"] == "Kit"
