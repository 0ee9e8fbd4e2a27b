"""Where a daemon loop that follows history (the run retries) left off, kept across host restarts."""

from __future__ import annotations

import sqlalchemy as sa

from host.storage._sql import insert
from host.storage.schema import daemon_cursors


def get_cursor(conn: sa.Connection, name: str) -> str | None:
    """The loop's cursor; None when the loop never stored one."""
    return conn.execute(sa.select(daemon_cursors.c.cursor).where(daemon_cursors.c.name == name)).scalar()


def set_cursor(conn: sa.Connection, name: str, cursor: str, *, now: float) -> None:
    conn.execute(
        insert(conn, daemon_cursors)
        .values(name=name, cursor=cursor, updated_at=now)
        .on_conflict_do_update(index_elements=[daemon_cursors.c.name], set_={"cursor": cursor, "updated_at": now})
    )
