"""Retention: `weir storage prune --older-than 30d`."""

from __future__ import annotations

import sqlalchemy as sa

from host.storage.records import TERMINAL_RUN_STATUSES
from host.storage.schema import events, run_tags, runs


def prune(conn: sa.Connection, *, older_than_seconds: float, now: float) -> int:
    """Delete finished runs that ended before now - older_than_seconds, with their events and tags.

    Runs still queued or going are kept whatever their age. The asset and check indexes keep their
    entries: an asset's latest materialization stays known after its run is gone.
    """
    cutoff = now - older_than_seconds
    finished = (
        sa.select(runs.c.run_id)
        .where(
            runs.c.status.in_(TERMINAL_RUN_STATUSES),
            sa.func.coalesce(runs.c.ended_at, runs.c.created_at) < cutoff,
        )
        .scalar_subquery()
    )
    conn.execute(sa.delete(events).where(events.c.run_id.in_(finished)))
    conn.execute(sa.delete(run_tags).where(run_tags.c.run_id.in_(finished)))
    return conn.execute(sa.delete(runs).where(runs.c.run_id.in_(finished))).rowcount
