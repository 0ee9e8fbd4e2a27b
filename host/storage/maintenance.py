"""Deleting history: retention (`weir storage prune`), one run (`weir runs delete`), an asset's
history (`weir assets wipe`). Functions take a `Connection` and never commit: the caller owns the
transaction, so each request is all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from host.storage.events import CHECK_EVALUATION, MATERIALIZATION, OBSERVATION
from host.storage.records import TERMINAL_RUN_STATUSES
from host.storage.schema import (
    asset_check_evaluations,
    asset_materializations,
    events,
    run_event_counts,
    run_step_assets,
    run_step_attempts,
    run_steps,
    run_tags,
    runs,
)

# The events an asset's history is made of: a wipe unlinks them from the asset, the run's log keeps them.
ASSET_HISTORY_EVENTS = (MATERIALIZATION, OBSERVATION, CHECK_EVALUATION)
_MATERIALIZED_PARTITION = sa.func.coalesce(events.c.partition_key, "")


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
    return _delete_runs(conn, runs.c.run_id.in_(finished))


def delete_run(conn: sa.Connection, run_id: str) -> bool:
    """Delete a finished run with its events and tags; False when no finished run has this id.

    Unlike `prune`, the asset and check indexes forget the run too: each entry that pointed at it
    points at the latest remaining materialization or evaluation, or goes when none remains.
    """
    finished = sa.and_(runs.c.run_id == run_id, runs.c.status.in_(TERMINAL_RUN_STATUSES))
    if conn.execute(sa.select(runs.c.id).where(finished)).first() is None:
        return False
    table = asset_materializations
    materialized = conn.execute(sa.select(table.c.asset_key, table.c.partition_key).where(table.c.run_id == run_id))
    checked = conn.execute(
        sa.select(asset_check_evaluations.c.asset_key, asset_check_evaluations.c.check_name).where(
            asset_check_evaluations.c.run_id == run_id
        )
    )
    pairs, check_pairs = [tuple(row) for row in materialized], [tuple(row) for row in checked]
    _delete_runs(conn, runs.c.run_id == run_id)
    _reindex_materializations(conn, pairs)
    _reindex_check_evaluations(conn, check_pairs)
    return True


def wipe_assets(conn: sa.Connection, asset_keys: Sequence[str], partitions: Sequence[str] = ()) -> int:
    """Forget the assets' history (of these partitions only, when given); returns how many events it held.

    The events stay in their runs' logs but no longer count as the asset's: they lose their asset key,
    and the index entries they made go, as do the steps' record of materializing them (unless another
    partition's materialization remains). Runs are untouched.
    """
    history = sa.and_(events.c.event_type.in_(ASSET_HISTORY_EVENTS), events.c.asset_key.in_(list(asset_keys)))
    index_rows: sa.ColumnElement[bool] = asset_materializations.c.asset_key.in_(list(asset_keys))
    check_rows: sa.ColumnElement[bool] = asset_check_evaluations.c.asset_key.in_(list(asset_keys))
    if partitions:
        history = sa.and_(history, events.c.partition_key.in_(list(partitions)))
        index_rows = sa.and_(index_rows, asset_materializations.c.partition_key.in_(list(partitions)))
        check_rows = sa.and_(check_rows, asset_check_evaluations.c.partition_key.in_(list(partitions)))
    checked = conn.execute(
        sa.select(asset_check_evaluations.c.asset_key, asset_check_evaluations.c.check_name).where(check_rows)
    )
    check_pairs = [tuple(row) for row in checked]
    wiped = conn.execute(sa.update(events).where(history).values(asset_key=None)).rowcount
    conn.execute(sa.delete(asset_materializations).where(index_rows))
    conn.execute(sa.delete(asset_check_evaluations).where(check_rows))
    _reindex_check_evaluations(conn, check_pairs)  # another partition's evaluation may now be the latest
    _reindex_step_assets(conn, asset_keys)
    return int(wiped)


def has_asset_history(conn: sa.Connection, asset_key: str) -> bool:
    """Whether storage holds a materialization or check evaluation of the asset."""
    indexed = sa.select(asset_materializations.c.asset_key).where(asset_materializations.c.asset_key == asset_key)
    logged = sa.select(events.c.id).where(
        events.c.asset_key == asset_key, events.c.event_type.in_(ASSET_HISTORY_EVENTS)
    )
    return any(conn.execute(query.limit(1)).first() is not None for query in (indexed, logged))


def _delete_runs(conn: sa.Connection, which: sa.ColumnElement[bool]) -> int:
    """Delete the runs matching `which` with their events, tags and summaries; returns how many runs."""
    chosen = sa.select(runs.c.run_id).where(which).scalar_subquery()
    for table in (events, run_tags, run_event_counts, run_steps, run_step_assets, run_step_attempts):
        conn.execute(sa.delete(table).where(table.c.run_id.in_(chosen)))
    return int(conn.execute(sa.delete(runs).where(which)).rowcount)


def _reindex_step_assets(conn: sa.Connection, asset_keys: Sequence[str]) -> None:
    """Rebuild which steps materialized these assets from the materializations that still name them."""
    table = run_step_assets
    conn.execute(sa.delete(table).where(table.c.asset_key.in_(list(asset_keys))))
    remaining = (
        sa.select(events.c.run_id, events.c.step_key, events.c.asset_key)
        .where(events.c.event_type == MATERIALIZATION, events.c.asset_key.in_(list(asset_keys)))
        .distinct()
    )
    conn.execute(sa.insert(table).from_select(["run_id", "step_key", "asset_key"], remaining))


def _reindex_materializations(conn: sa.Connection, pairs: Sequence[tuple[Any, ...]]) -> None:
    """Rebuild the asset index entries of these (asset key, partition key) pairs from the stored events."""
    table = asset_materializations
    if not pairs:
        return
    conn.execute(sa.delete(table).where(sa.tuple_(table.c.asset_key, table.c.partition_key).in_(pairs)))
    latest = _latest_events(
        MATERIALIZATION, (events.c.asset_key, _MATERIALIZED_PARTITION), pairs, _MATERIALIZED_PARTITION.label("p")
    )
    columns = ["asset_key", "partition_key", "run_id", "sequence", "timestamp"]
    conn.execute(
        sa.insert(table).from_select(columns, sa.select(*(latest.c[c] for c in ["asset_key", "p", *columns[2:]])))
    )


def _reindex_check_evaluations(conn: sa.Connection, pairs: Sequence[tuple[Any, ...]]) -> None:
    """Rebuild the check index entries of these (asset key, check name) pairs from the stored events."""
    table = asset_check_evaluations
    if not pairs:
        return
    conn.execute(sa.delete(table).where(sa.tuple_(table.c.asset_key, table.c.check_name).in_(pairs)))
    latest = _latest_events(CHECK_EVALUATION, (events.c.asset_key, events.c.check_name), pairs)
    columns = ["asset_key", "check_name", "passed", "partition_key", "run_id", "sequence", "timestamp"]
    select = sa.select(*(latest.c[c] for c in columns[:2]), latest.c.check_passed, *(latest.c[c] for c in columns[3:]))
    conn.execute(sa.insert(table).from_select(columns, select))


def _latest_events(
    event_type: str, key: tuple[sa.ColumnElement[Any], ...], pairs: Sequence[tuple[Any, ...]], *extra: Any
) -> sa.Subquery:
    """Per key among `pairs`, the latest event of this type (the later stored on a tie, as the index does)."""
    rank = sa.func.row_number().over(partition_by=key, order_by=(events.c.timestamp.desc(), events.c.id.desc()))
    ranked = (
        sa.select(events, *extra, rank.label("rank"))
        .where(events.c.event_type == event_type, sa.tuple_(*key).in_(pairs))
        .subquery()
    )
    return sa.select(ranked).where(ranked.c.rank == 1).subquery()
