"""SQLite storage for the UserAPI example: one file next to the spec, created on first use.

Set APIGW_USERS_DB to keep the data somewhere else (the tests do).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_DEFAULT_FILE = Path(__file__).resolve().parent.parent / "users.db"
_lock = threading.Lock()  # every use of the one connection holds it
_open: tuple[str, sqlite3.Connection] | None = None


def _db() -> sqlite3.Connection:
    """The one connection to the database file (a new one when APIGW_USERS_DB names another):
    opened once, not per request, so its page cache is allocated once too. Call it holding _lock."""
    global _open
    path = os.environ.get("APIGW_USERS_DB") or str(_DEFAULT_FILE)
    if _open is None or _open[0] != path:
        if _open is not None:
            _open[1].close()
        _open = (path, _connect(path))
    return _open[1]


def _connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=5, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute(
        "CREATE TABLE IF NOT EXISTS users ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " name TEXT NOT NULL,"
        " email TEXT NOT NULL UNIQUE,"
        " created_at TEXT NOT NULL)"
    )
    return connection


def _row(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "email": row["email"], "createdAt": row["created_at"]}


class EmailTaken(Exception):
    pass


def list_users(limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    with _lock, _db() as db:
        rows = db.execute("SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        total = db.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    return [_row(r) for r in rows], int(total)


def create_user(name: str, email: str) -> dict[str, Any]:
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with _lock, _db() as db:
        try:
            cursor = db.execute("INSERT INTO users (name, email, created_at) VALUES (?, ?, ?)", (name, email, created))
        except sqlite3.IntegrityError:
            raise EmailTaken(email) from None
        row = db.execute("SELECT * FROM users WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return _row(row)


def get_user(user_id: int) -> dict[str, Any] | None:
    with _lock, _db() as db:
        row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return _row(row) if row else None


def delete_user(user_id: int) -> bool:
    with _lock, _db() as db:
        return db.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount > 0
