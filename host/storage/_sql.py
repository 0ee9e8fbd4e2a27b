"""Small SQL helpers shared by the table modules: dialect-specific inserts and JSON columns."""

from __future__ import annotations

import functools
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


def insert_ignoring_duplicates(conn: sa.Connection, table: sa.Table, *returning: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING [RETURNING ...], built once per dialect: hot paths reuse it."""
    return _insert_ignoring_duplicates(conn.dialect.name, table, returning)


@functools.cache
def _insert_ignoring_duplicates(dialect: str, table: sa.Table, returning: tuple[str, ...]) -> Any:
    construct = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = construct(table).on_conflict_do_nothing()
    return stmt.returning(*(table.c[name] for name in returning)) if returning else stmt


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON, so that equal values are stored as equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def loads(text: str | None, default: Any) -> Any:
    return default if text is None else json.loads(text)
