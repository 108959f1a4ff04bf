"""`apigw bundle` on the multi-file spec in tests/fixtures/multifile: one file, external refs as
components (recursion a reference to itself), internal refs as written, the bundle served exactly
as the original (a recording of one replayed against the other), clashing names kept apart, and
a bad reference named at its file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests.helpers import REPO, serve_process

MULTIFILE = REPO / "tests" / "fixtures" / "multifile" / "api.yaml"


def apigw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigw_cli", *args], capture_output=True, text=True, timeout=60, cwd=REPO
    )


def test_a_multi_file_spec_as_one(tmp_path: Path) -> None:
    out = tmp_path / "bundled.json"
    run = apigw("bundle", str(MULTIFILE), "-o", str(out))
    assert run.returncode == 0, run.stderr
    text = out.read_text()
    bundled = json.loads(text)
    assert ".yaml" not in text  # no reference to another file is left
    schemas = bundled["components"]["schemas"]
    assert sorted(schemas) == ["Category", "Error", "Item", "NewOrder", "Order"]
    assert schemas["Category"]["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Category"}
    assert schemas["Order"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Item"}
    get_order = bundled["paths"]["/orders/{id}"]["get"]
    assert get_order["parameters"] == [{"$ref": "#/components/parameters/OrderId"}]  # internal refs as written
    assert "get" in bundled["paths"]["/orders"] and "$ref" not in bundled["paths"]["/orders"]  # a path item inlined
    assert apigw("lint", str(out)).returncode == 0
    yaml_run = apigw("bundle", str(MULTIFILE))
    assert yaml_run.returncode == 0 and yaml_run.stdout.startswith("openapi: 3.0.3")


def test_the_bundle_answers_as_the_original(tmp_path: Path) -> None:
    out = tmp_path / "bundled.yaml"
    assert apigw("bundle", str(MULTIFILE), "-o", str(out)).returncode == 0
    record = tmp_path / "traffic.jsonl"
    with serve_process(str(MULTIFILE), "--no-reload", "--record", str(record)) as base:
        httpx.get(f"{base}/orders", timeout=10)
        httpx.get(f"{base}/orders/7", timeout=10)
        httpx.get(f"{base}/orders/0", timeout=10)  # below the parameter's minimum: 400
        httpx.post(f"{base}/orders", json={"items": [{"sku": "B2", "quantity": 1}]}, timeout=10)
        httpx.post(f"{base}/orders", json={"items": [{"sku": "bad", "quantity": 0}]}, timeout=10)  # 400
    replayed = apigw("replay", str(record), "-s", str(out))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "5 sent, 5 matched" in replayed.stdout


def test_clashing_names_and_swagger_definitions(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("Item: {type: object, properties: {a: {type: string}}}\n")
    (tmp_path / "b.yaml").write_text("Item: {type: object, properties: {b: {type: integer}}}\n")
    (tmp_path / "api.yaml").write_text("""swagger: "2.0"
info: {title: clash, version: "1"}
paths:
  /x:
    get:
      responses:
        "200": {description: a, schema: {$ref: a.yaml#/Item}}
        "201": {description: b, schema: {$ref: b.yaml#/Item}}
        "202": {description: a again, schema: {$ref: a.yaml#/Item}}
""")
    run = apigw("bundle", str(tmp_path / "api.yaml"), "-o", str(tmp_path / "out.json"))
    assert run.returncode == 0, run.stderr
    bundled = json.loads((tmp_path / "out.json").read_text())
    assert sorted(bundled["definitions"]) == ["Item", "Item_2"]
    responses = bundled["paths"]["/x"]["get"]["responses"]
    assert [responses[code]["schema"]["$ref"] for code in ("200", "201", "202")] == [
        "#/definitions/Item", "#/definitions/Item_2", "#/definitions/Item",
    ]  # fmt: skip


def test_a_bad_reference_is_named_at_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "schemas.yaml").write_text("Thing:\n  type: object\n  properties:\n    x: {$ref: '#/Nowhere'}\n")
    (tmp_path / "api.yaml").write_text("""openapi: 3.0.3
info: {title: bad, version: "1"}
paths:
  /x:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: schemas.yaml#/Thing}}}
""")
    run = apigw("bundle", str(tmp_path / "api.yaml"))
    assert run.returncode == 2
    assert "schemas.yaml:4:" in run.stderr and "Nowhere" in run.stderr
