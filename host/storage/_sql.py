"""Small SQL helpers shared by the table modules: dialect-specific inserts, JSON columns, what text
storage accepts, and how many rows make a page."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from host.storage.errors import InvalidValueError

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


def check_storable(values: Mapping[str, Any], what: str) -> None:
    """Refuse a NUL character in any text value, the same way on both backends.

    PostgreSQL cannot store NUL in text (it fails the statement, echoing it); SQLite would keep it, so
    the backends would disagree about the same data.

    Raises:
        InvalidValueError: names the column and the value's owner.
    """
    for column, value in values.items():
        if isinstance(value, str) and "\0" in value:
            raise InvalidValueError(f"{what}: {column} contains a NUL character (\\0), which Weir does not store.")


def fit_page(sizes: Sequence[int], *, limit: int, max_bytes: int) -> tuple[int, bool]:
    """How many rows of a listing make one page, and whether more follow.

    `sizes` are the sizes of the next (up to limit + 1) rows in order. A page holds at most `limit` rows
    and stops before its total would pass `max_bytes`, but always holds the first row, so paging moves on.
    """
    total = 0
    for count, size in enumerate(sizes):
        total += size
        if count == limit or (count and total > max_bytes):
            return count, True
    return len(sizes), False


_MAX_ROW_ID = 2**63 - 1


def encode_cursor(position: float, row_id: int) -> str:
    """A keyset page cursor: the (time, id) of the last row handed out, opaque to clients."""
    return base64.urlsafe_b64encode(json.dumps([position, row_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[float, int]:
    """The (time, id) of an `encode_cursor` cursor.

    Raises:
        InvalidValueError: the cursor was not handed out by `encode_cursor` (or was altered).
    """
    try:
        position, row_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        position, row_id = float(position), int(row_id)
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error):
        position, row_id = math.nan, -1
    if not math.isfinite(position) or not 0 <= row_id <= _MAX_ROW_ID:
        raise InvalidValueError(f"Invalid cursor {cursor[:80]!r}: pass a next_cursor returned earlier.")
    return position, row_id
