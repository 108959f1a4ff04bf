"""The gateway's own endpoints: open on loopback; a --host other than loopback warns that they are
exposed; --admin-token (or APIGW_ADMIN_TOKEN) protects them."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.helpers import SPECS, serve_process


def test_the_admin_token_protects_health_and_metrics() -> None:
    with serve_process(str(SPECS / "petstore-mock.yaml"), "--no-reload", env={"APIGW_ADMIN_TOKEN": "s3cret"}) as base:
        for path in ("/_apigw/health", "/_apigw/metrics"):
            refused = httpx.get(f"{base}{path}", timeout=10)
            assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
            wrong = httpx.get(f"{base}{path}", headers={"authorization": "Bearer nope"}, timeout=10)
            assert wrong.status_code == 401
            allowed = httpx.get(f"{base}{path}", headers={"authorization": "Bearer s3cret"}, timeout=10)
            assert allowed.status_code == 200
        assert httpx.get(f"{base}/pets", timeout=10).status_code == 200  # the API itself needs no token


def test_without_a_token_they_stay_open_on_loopback_and_a_wider_host_warns(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serve_process(
        str(SPECS / "petstore-mock.yaml"), "--no-reload", "--host", "0.0.0.0", env={"APIGW_TEST_LOG": str(log)}
    ) as base:
        assert httpx.get(f"{base}/_apigw/health", timeout=10).status_code == 200
    text = " ".join(log.read_text().split())  # the console wraps long lines
    assert "warning: the gateway's own endpoints (/_apigw/health, /_apigw/metrics) are reachable on 0.0.0.0" in text
    loopback_log = tmp_path / "loopback.log"
    with serve_process(str(SPECS / "petstore-mock.yaml"), "--no-reload", env={"APIGW_TEST_LOG": str(loopback_log)}):
        pass
    assert "reachable on" not in loopback_log.read_text()
