"""Small SQL helpers shared by the table modules: dialect-specific inserts and JSON columns."""

from __future__ import annotations

import functools
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert(conn: sa.Connection, table: sa.Table) -> Any:
    """An INSERT that supports ON CONFLICT on both backends (the two constructs share that API)."""
    return _insert_construct(conn.dialect.name)(table)


def _insert_construct(dialect: str) -> Any:
    if dialect not in _INSERTS:
        raise NotImplementedError(f"Weir storage supports SQLite and PostgreSQL, not {dialect}.")
    return _INSERTS[dialect]


def insert_ignoring_duplicates(conn: sa.Connection, table: sa.Table, *returning: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING [RETURNING ...], built once per dialect: hot paths reuse it."""
    return _insert_ignoring_duplicates(conn.dialect.name, table, returning)


@functools.cache
def _insert_ignoring_duplicates(dialect: str, table: sa.Table, returning: tuple[str, ...]) -> Any:
    stmt = _insert_construct(dialect)(table).on_conflict_do_nothing()
    return stmt.returning(*(table.c[name] for name in returning)) if returning else stmt


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON, so that equal values are stored as equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def loads(text: str | None, default: Any) -> Any:
    return default if text is None else json.loads(text)
