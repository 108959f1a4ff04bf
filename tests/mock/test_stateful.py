"""Stateful mocks through a real `apigw serve --stateful`: a CRUD walk on the bundled petstore mock
(seeded from its examples), 404 after delete, a filter by field, and POST /_apigw/mock/reset; and
`--mock-state FILE` keeping resources across a restart; an in-process reload keeping them too."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx

from tests.helpers import REPO, serve_process

PETSTORE = str(REPO / "specs" / "petstore-mock.yaml")
NOTES = """openapi: 3.0.3
info: {title: notes, version: "1"}
x-integration: {type: mock, state: collection}
paths:
  /notes:
    get:
      parameters: [{name: tag, in: query, schema: {type: string}}]
      responses:
        "200":
          description: a page of notes
          content:
            application/json:
              schema: {type: object, properties: {items: {type: array, items: {$ref: "#/components/schemas/Note"}}}}
              example: {items: []}
    post:
      requestBody: {required: true, content: &note {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"201": {description: made, content: *note}}
  /notes/{noteId}:
    parameters: [{name: noteId, in: path, required: true, schema: {type: string, format: uuid}}]
    get:
      responses: {"200": {description: one, content: *note}}
    put:
      requestBody: {required: true, content: *note}
      responses: {"200": {description: replaced, content: *note}}
    patch:
      requestBody: {required: true, content: {application/merge-patch+json: {schema: {type: object}}}}
      responses: {"200": {description: merged, content: *note}}
    delete:
      responses: {"204": {description: gone}}
components:
  schemas:
    Note:
      type: object
      required: [text]
      properties:
        id: {type: string, format: uuid}
        text: {type: string}
        tag: {type: string}
"""


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


def test_update_and_delete_on_uuid_ids_in_an_envelope(tmp_path: Path) -> None:
    spec = tmp_path / "notes.yaml"
    spec.write_text(NOTES)
    merge = {"content-type": "application/merge-patch+json"}
    with serve_process(str(spec), "--no-reload") as base:
        assert httpx.get(f"{base}/notes", timeout=10).json() == {"items": []}  # seeded from the empty example
        made = httpx.post(f"{base}/notes", json={"text": "milk", "tag": "shop"}, timeout=10).json()
        note_id = made["id"]
        assert str(uuid.UUID(note_id)) == note_id  # the id property is a uuid: a fresh one is made
        assert httpx.post(f"{base}/notes", json={"text": "call"}, timeout=10).status_code == 201
        listed = httpx.get(f"{base}/notes", params={"tag": "shop"}, timeout=10).json()
        assert listed == {"items": [{"id": note_id, "text": "milk", "tag": "shop"}]}  # the envelope is kept
        replaced = httpx.put(f"{base}/notes/{note_id}", json={"text": "oat milk"}, timeout=10)
        assert replaced.status_code == 200 and replaced.json() == {"id": note_id, "text": "oat milk"}
        merged = httpx.patch(f"{base}/notes/{note_id}", content=b'{"tag": "shop", "text": null}', headers=merge,
                             timeout=10)  # fmt: skip
        assert merged.json() == {"id": note_id, "tag": "shop"}  # null removes a field
        assert httpx.get(f"{base}/notes/{note_id}", timeout=10).json() == {"id": note_id, "tag": "shop"}
        assert httpx.delete(f"{base}/notes/{note_id}", timeout=10).status_code == 204
        assert httpx.get(f"{base}/notes/{note_id}", timeout=10).status_code == 404
        assert httpx.delete(f"{base}/notes/{note_id}", timeout=10).status_code == 404
        assert [note["text"] for note in httpx.get(f"{base}/notes", timeout=10).json()["items"]] == ["call"]
        invalid = httpx.put(f"{base}/notes/{uuid.uuid4()}", json={"tag": "no text"}, timeout=10)
        assert invalid.status_code == 400  # validated against the schema before the state is touched
