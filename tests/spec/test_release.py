"""A compiled spec's document is freed a container at a time, and the snapshot keeps working."""

from __future__ import annotations

from tests.helpers import SPECS


def test_a_compiled_spec_is_taken_apart_and_the_snapshot_still_serves() -> None:
    import sys

    from apigw_cli.config import Settings
    from apigw_cli.gateway.compiling import compile_gateway
    from apigw_cli.spec.document import load_spec
    from apigw_cli.spec.release import release_gradually
    from tests.helpers import call

    spec = SPECS / "petstore-mock.yaml"
    document = load_spec(spec)
    gateway = compile_gateway(document, Settings(spec=spec), None, ())
    taken_apart = release_gradually(document)
    assert taken_apart > 0 if sys.version_info < (3, 14) else taken_apart == 0
    assert document.files == {} and document.root == {}
    assert call(gateway, "GET", "/pets/1").status_code == 200
    assert call(gateway, "POST", "/pets", json={"name": "Rex", "kind": "dog"}).status_code == 201
