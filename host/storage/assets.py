"""Reading the asset index and the check index that `events.add_events` maintains."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from host.storage._sql import decode_cursor, encode_cursor, fit_page
from host.storage.records import TERMINAL_RUN_STATUSES, CheckEvaluationRecord, MaterializationRecord
from host.storage.schema import asset_check_evaluations, asset_materializations, events, runs


def latest_materializations(
    conn: sa.Connection, asset_keys: Iterable[str] | None = None
) -> dict[str, MaterializationRecord]:
    """Per asset, its latest materialization over all partitions; assets never materialized are absent."""
    table = asset_materializations
    rank = (
        sa.func.row_number()
        .over(partition_by=table.c.asset_key, order_by=(table.c.timestamp.desc(), table.c.run_id.desc()))
        .label("rank")
    )
    ranked = sa.select(table, rank)
    if asset_keys is not None:
        ranked = ranked.where(table.c.asset_key.in_(list(asset_keys)))
    inner = ranked.subquery()
    rows = conn.execute(sa.select(inner).where(inner.c.rank == 1))
    return {row.asset_key: _materialization(row) for row in rows}


def materialized_partitions(conn: sa.Connection, asset_key: str) -> dict[str, MaterializationRecord]:
    """Per partition of an asset, its latest materialization (the unpartitioned one excluded)."""
    table = asset_materializations
    query = (
        sa.select(table)
        .where(table.c.asset_key == asset_key, table.c.partition_key != "")
        .order_by(table.c.partition_key)
    )
    return {row.partition_key: _materialization(row) for row in conn.execute(query)}


def materialized_partition_counts(conn: sa.Connection) -> dict[str, int]:
    """Per partitioned asset, how many partitions have a materialization (the catalog's ratios)."""
    table = asset_materializations
    query = sa.select(table.c.asset_key, sa.func.count()).where(table.c.partition_key != "").group_by(table.c.asset_key)
    return {key: count for key, count in conn.execute(query)}


def index_mark(conn: sa.Connection) -> tuple[Any, ...]:
    """A value that moves whenever an asset's status may have: a new event, a wipe, a run created,
    ended, deleted or in flight. Caches of statuses are keyed by it (a few aggregates over indexes)."""
    row = conn.execute(
        sa.select(
            sa.select(sa.func.max(events.c.id)).scalar_subquery(),
            sa.select(sa.func.count()).select_from(asset_materializations).scalar_subquery(),
            sa.select(sa.func.count()).select_from(asset_check_evaluations).scalar_subquery(),
            sa.select(sa.func.count()).select_from(runs).scalar_subquery(),
            sa.select(sa.func.max(runs.c.id)).scalar_subquery(),
            sa.select(sa.func.max(runs.c.ended_at)).scalar_subquery(),
            sa.select(sa.func.count()).where(runs.c.status.not_in(tuple(TERMINAL_RUN_STATUSES))).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def latest_check_evaluations(
    conn: sa.Connection, asset_key: str | None = None
) -> dict[tuple[str, str], CheckEvaluationRecord]:
    """The latest evaluation of each asset check, keyed by (asset key, check name)."""
    table = asset_check_evaluations
    query = sa.select(table).order_by(table.c.asset_key, table.c.check_name)
    if asset_key is not None:
        query = query.where(table.c.asset_key == asset_key)
    return {
        (row.asset_key, row.check_name): CheckEvaluationRecord(
            asset_key=row.asset_key,
            check_name=row.check_name,
            passed=bool(row.passed),
            partition_key=row.partition_key,
            run_id=row.run_id,
            timestamp=row.timestamp,
            sequence=row.sequence,
        )
        for row in conn.execute(query)
    }


def latest_check_events(conn: sa.Connection, asset_key: str) -> dict[str, bytes]:
    """Per check of an asset, the serialized event of its latest evaluation (the check index points at it)."""
    index = asset_check_evaluations
    query = (
        sa.select(index.c.check_name, events.c.body)
        .join(events, sa.and_(events.c.run_id == index.c.run_id, events.c.sequence == index.c.sequence))
        .where(index.c.asset_key == asset_key)
    )
    return {name: body for name, body in conn.execute(query)}


def asset_events(
    conn: sa.Connection,
    asset_key: str,
    *,
    event_types: Sequence[str],
    check_name: str | None = None,
    partition_key: str | None = None,
    cursor: str | None = None,
    limit: int,
    max_bytes: int,
) -> tuple[list[bytes], str | None]:
    """A page of an asset's events of these types, newest stored first, and the cursor of the next page
    (None: no more).

    One keyset query per type, each on its partial index over (asset_key, id), merged by id; sized like
    `events.event_bodies`, with the database summing the bodies' sizes.

    Raises:
        InvalidValueError: a cursor this function did not hand out.
    """
    before = decode_cursor(cursor)[1] if cursor is not None else None
    per_type = []
    for event_type in event_types:
        where = [events.c.event_type == event_type, events.c.asset_key == asset_key]
        if check_name is not None:
            where.append(events.c.check_name == check_name)
        if partition_key is not None:
            where.append(events.c.partition_key == partition_key)
        if before is not None:
            where.append(events.c.id < before)
        per_type.append(
            sa.select(events.c.id, events.c.timestamp, sa.func.length(events.c.body).label("size"))
            .where(*where)
            .order_by(events.c.id.desc())
            .limit(limit + 1)
            .subquery()
        )
    if not per_type:
        return [], None
    merged = sa.union_all(*(sa.select(sub) for sub in per_type)).subquery()
    sized = conn.execute(sa.select(merged).order_by(merged.c.id.desc()).limit(limit + 1)).all()
    count, more = fit_page([row.size for row in sized], limit=limit, max_bytes=max_bytes)
    page = sized[:count]
    if not page:
        return [], None
    query = sa.select(events.c.id, events.c.body).where(events.c.id.in_([row.id for row in page]))
    bodies = {int(row_id): body for row_id, body in conn.execute(query)}
    last = page[-1]
    return [bodies[row.id] for row in page], encode_cursor(last.timestamp, last.id) if more else None


def _materialization(row: sa.Row[Any]) -> MaterializationRecord:
    return MaterializationRecord(
        asset_key=row.asset_key,
        partition_key=row.partition_key or None,
        run_id=row.run_id,
        timestamp=row.timestamp,
        sequence=row.sequence,
    )
