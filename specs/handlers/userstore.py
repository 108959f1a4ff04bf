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
_lock = threading.Lock()


def _connect() -> sqlite3.Connection:
    path = os.environ.get("APIGW_USERS_DB") or str(_DEFAULT_FILE)
    connection = sqlite3.connect(path, timeout=5)
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
    with _lock, _connect() as db:
        rows = db.execute("SELECT * FROM users ORDER BY id LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        total = db.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    return [_row(r) for r in rows], int(total)


def create_user(name: str, email: str) -> dict[str, Any]:
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with _lock, _connect() as db:
        try:
            cursor = db.execute("INSERT INTO users (name, email, created_at) VALUES (?, ?, ?)", (name, email, created))
        except sqlite3.IntegrityError:
            raise EmailTaken(email) from None
        row = db.execute("SELECT * FROM users WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return _row(row)


def get_user(user_id: int) -> dict[str, Any] | None:
    with _lock, _connect() as db:
        row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return _row(row) if row else None


def delete_user(user_id: int) -> bool:
    with _lock, _connect() as db:
        return db.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount > 0
