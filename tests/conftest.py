from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def users_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The UserAPI example keeps its SQLite file in the test's own folder."""
    path = tmp_path / "users.db"
    monkeypatch.setenv("APIGW_USERS_DB", str(path))
    yield path
