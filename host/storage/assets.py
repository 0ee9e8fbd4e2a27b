"""Reading the asset index and the check index that `events.add_events` maintains."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from host.storage.records import CheckEvaluationRecord, MaterializationRecord
from host.storage.schema import asset_check_evaluations, asset_materializations


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


def _materialization(row: sa.Row[Any]) -> MaterializationRecord:
    return MaterializationRecord(
        asset_key=row.asset_key,
        partition_key=row.partition_key or None,
        run_id=row.run_id,
        timestamp=row.timestamp,
        sequence=row.sequence,
    )
