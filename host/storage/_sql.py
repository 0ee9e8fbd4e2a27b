"""Small SQL helpers shared by the table modules: dialect-specific inserts and JSON columns."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert(conn: sa.Connection, table: sa.Table) -> Any:
    """An INSERT that supports ON CONFLICT on both backends (the two constructs share that API)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"Weir storage supports SQLite and PostgreSQL, not {conn.dialect.name}.")


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON, so that equal values are stored as equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def loads(text: str | None, default: Any) -> Any:
    return default if text is None else json.loads(text)
