"""The resources of stateful mocks: per collection (a path family such as `/pets`), its resources
by id in the order they were made. In memory (one process; kept across in-process reloads) or in
a SQLite file (`--mock-state FILE`: kept across restarts, shared by workers). A collection is
seeded from the spec's examples the first time it is used, and again after a reset.

Calls are synchronous: a local SQLite write takes well under a millisecond, and the mock runs
them on the event loop's thread one at a time."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

Seeds = Callable[[], list[tuple[str, Any]]]  # (id, resource) pairs a new collection starts with


class MockState(Protocol):
    def resources(self, collection: str, seeds: Seeds) -> list[Any]: ...
    def get(self, collection: str, key: str, seeds: Seeds) -> Any | None: ...
    def keys(self, collection: str, seeds: Seeds) -> list[str]: ...
    def put(self, collection: str, key: str, resource: Any) -> None: ...
    def delete(self, collection: str, key: str) -> bool: ...
    def reset(self) -> int: ...
    def close(self) -> None: ...


class MemoryMockState:
    def __init__(self) -> None:
        self._collections: dict[str, dict[str, Any]] = {}

    def _collection(self, name: str, seeds: Seeds | None) -> dict[str, Any]:
        found = self._collections.get(name)
        if found is None:
            found = self._collections[name] = dict(seeds()) if seeds is not None else {}
        return found

    def resources(self, collection: str, seeds: Seeds) -> list[Any]:
        return list(self._collection(collection, seeds).values())

    def get(self, collection: str, key: str, seeds: Seeds) -> Any | None:
        return self._collection(collection, seeds).get(key)

    def keys(self, collection: str, seeds: Seeds) -> list[str]:
        return list(self._collection(collection, seeds))

    def put(self, collection: str, key: str, resource: Any) -> None:
        self._collection(collection, None)[key] = resource

    def delete(self, collection: str, key: str) -> bool:
        return self._collection(collection, None).pop(key, None) is not None

    def reset(self) -> int:
        count = len(self._collections)
        self._collections.clear()
        return count

    def close(self) -> None:
        return None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    collection TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (collection, key));
CREATE TABLE IF NOT EXISTS seeded (collection TEXT PRIMARY KEY);
"""


class SqliteMockState:
    """The same in a SQLite file; workers share it (WAL, a busy timeout for concurrent writers)."""

    def __init__(self, path: Path):
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:  # opened at first use: a spec without stateful mocks makes no file
            import sqlite3

            connection = sqlite3.connect(self._path, timeout=10, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            self._connection = connection
        return self._connection

    def _seeded(self, collection: str, seeds: Seeds | None) -> sqlite3.Connection:
        db = self._db()
        if (
            seeds is not None
            and db.execute("SELECT 1 FROM seeded WHERE collection = ?", (collection,)).fetchone() is None
        ):
            made = seeds()
            with self._lock:
                db.execute("BEGIN IMMEDIATE")
                try:
                    if db.execute("SELECT 1 FROM seeded WHERE collection = ?", (collection,)).fetchone() is None:
                        db.execute("INSERT INTO seeded VALUES (?)", (collection,))
                        for key, resource in made:
                            self._insert(db, collection, key, resource)
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
        return db

    @staticmethod
    def _insert(db: sqlite3.Connection, collection: str, key: str, resource: Any) -> None:
        body = json.dumps(resource, ensure_ascii=False)
        updated = db.execute(
            "UPDATE resources SET body = ? WHERE collection = ? AND key = ?", (body, collection, key)
        ).rowcount
        if not updated:
            db.execute(
                "INSERT INTO resources SELECT ?, ?, COALESCE(MAX(seq), 0) + 1, ? FROM resources WHERE collection = ?",
                (collection, key, body, collection),
            )

    def resources(self, collection: str, seeds: Seeds) -> list[Any]:
        rows = self._seeded(collection, seeds).execute(
            "SELECT body FROM resources WHERE collection = ? ORDER BY seq", (collection,)
        )
        return [json.loads(body) for (body,) in rows]

    def get(self, collection: str, key: str, seeds: Seeds) -> Any | None:
        row = (
            self._seeded(collection, seeds)
            .execute("SELECT body FROM resources WHERE collection = ? AND key = ?", (collection, key))
            .fetchone()
        )
        return json.loads(row[0]) if row is not None else None

    def keys(self, collection: str, seeds: Seeds) -> list[str]:
        rows = self._seeded(collection, seeds).execute(
            "SELECT key FROM resources WHERE collection = ? ORDER BY seq", (collection,)
        )
        return [key for (key,) in rows]

    def put(self, collection: str, key: str, resource: Any) -> None:
        with self._lock:
            self._insert(self._db(), collection, key, resource)

    def delete(self, collection: str, key: str) -> bool:
        with self._lock:
            cursor = self._db().execute("DELETE FROM resources WHERE collection = ? AND key = ?", (collection, key))
        return cursor.rowcount > 0

    def reset(self) -> int:
        with self._lock:
            db = self._db()
            count = len(db.execute("SELECT collection FROM seeded").fetchall())
            db.execute("DELETE FROM resources")
            db.execute("DELETE FROM seeded")
        return count

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def open_mock_state(path: Path | None) -> MockState:
    return SqliteMockState(path) if path is not None else MemoryMockState()
