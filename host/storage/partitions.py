"""Dynamic partition keys (stored by the host, not computed by code) and backfills."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from host.errors import ConfigError
from host.storage._sql import dumps, insert, loads
from host.storage.errors import DuplicateBackfillError, NotFoundError
from host.storage.records import BACKFILL_STATUSES, BackfillRecord, RunRecord, check_choice
from host.storage.runs import run_record
from host.storage.schema import backfills, dynamic_partitions, runs
from protos.names import path_component_problem

_SHOWN_CHARS = 60


def shown(text: str) -> str:
    """A key or name as an error message shows it: quoted, and cut short when long."""
    return repr(text[:_SHOWN_CHARS]) + ("..." if len(text) > _SHOWN_CHARS else "")


def dynamic_key_problem(key: str) -> str | None:
    """Why a key cannot be a dynamic partition key, or None. A key becomes a path component (the
    filesystem IO manager stores each partition in a file named by its key) and a part of range and
    multi-partition keys, so it may hold neither separator."""
    problem = path_component_problem(key)
    if problem:
        return problem
    if "..." in key:
        return "contains '...', which separates the ends of a partition range"
    if "|" in key:
        return "contains '|', which separates the dimensions of a multi-partition key"
    return None


def check_dynamic_keys(partitions_def_name: str, keys: Iterable[str]) -> list[str]:
    """The keys, unchanged, when every one may be stored; otherwise a ConfigError naming the first bad one."""
    checked = list(keys)
    for key in checked:
        problem = dynamic_key_problem(key)
        if problem:
            raise ConfigError(
                f"dynamic partition key {shown(key)} of {shown(partitions_def_name)} {problem}; choose a key without it"
            )
    return checked


def add_dynamic_partitions(conn: sa.Connection, partitions_def_name: str, keys: Iterable[str]) -> int:
    """Add partition keys to a dynamic partitions definition; existing keys are kept; returns how many were new.

    Raises:
        ConfigError: a key is empty, too long, or could leave a directory (see dynamic_key_problem);
            nothing is added then.
    """
    unique = dict.fromkeys(check_dynamic_keys(partitions_def_name, keys))
    rows = [{"partitions_def_name": partitions_def_name, "partition_key": key} for key in unique]
    if not rows:
        return 0
    table = dynamic_partitions
    stmt = insert(conn, table).on_conflict_do_nothing().returning(table.c.id)
    return len(conn.execute(stmt, rows).all())


def delete_dynamic_partition(conn: sa.Connection, partitions_def_name: str, key: str) -> bool:
    """Remove one key; returns whether it existed."""
    if "\0" in key:  # never stored (add_dynamic_partitions refuses it), and PostgreSQL cannot compare with it
        return False
    table = dynamic_partitions
    result = conn.execute(
        sa.delete(table).where(table.c.partitions_def_name == partitions_def_name, table.c.partition_key == key)
    )
    return result.rowcount > 0


def list_dynamic_partitions(conn: sa.Connection, partitions_def_name: str) -> list[str]:
    """The keys of a dynamic partitions definition, in the order they were added."""
    table = dynamic_partitions
    query = (
        sa.select(table.c.partition_key).where(table.c.partitions_def_name == partitions_def_name).order_by(table.c.id)
    )
    return list(conn.execute(query).scalars())


def add_backfill(conn: sa.Connection, backfill: BackfillRecord) -> None:
    """Store a new backfill.

    Raises:
        DuplicateBackfillError: a backfill with this id exists. The transaction stays usable.
    """
    check_choice(backfill.status, BACKFILL_STATUSES, "backfill status")
    row = {
        "backfill_id": backfill.backfill_id,
        "location": backfill.location,
        "job_name": backfill.job_name,
        "asset_selection": dumps(list(backfill.asset_selection)),
        "partition_keys": dumps(list(backfill.partition_keys)),
        "run_config_json": backfill.run_config_json,
        "tags": dumps(dict(backfill.tags)),
        "status": backfill.status,
        "created_at": backfill.created_at,
        "submitted": backfill.submitted,
        "cursor": backfill.cursor,
        "error": backfill.error,
    }
    stmt = insert(conn, backfills).values(row).on_conflict_do_nothing().returning(backfills.c.backfill_id)
    if conn.execute(stmt).scalar() is None:
        raise DuplicateBackfillError(f"A backfill with id {backfill.backfill_id} already exists.")


def get_backfill(conn: sa.Connection, backfill_id: str) -> BackfillRecord | None:
    row = conn.execute(sa.select(backfills).where(backfills.c.backfill_id == backfill_id)).first()
    return None if row is None else _backfill(row)


def list_backfills(
    conn: sa.Connection, *, statuses: Iterable[str] = (), location: str | None = None, limit: int = 50
) -> list[BackfillRecord]:
    """Backfills, newest first."""
    query = sa.select(backfills).order_by(backfills.c.created_at.desc(), backfills.c.backfill_id.desc())
    wanted = tuple(statuses)
    if wanted:
        query = query.where(backfills.c.status.in_(wanted))
    if location is not None:
        query = query.where(backfills.c.location == location)
    return [_backfill(row) for row in conn.execute(query.limit(limit))]


def update_backfill(
    conn: sa.Connection,
    backfill_id: str,
    *,
    status: str | None = None,
    submitted: int | None = None,
    cursor: str | None = None,
    error: str | None = None,
) -> BackfillRecord:
    """Record the daemon's progress; None leaves a field as it is. Returns the backfill as stored.

    Update `submitted` and `cursor` in the transaction that creates the submitted runs, so a restart
    resumes exactly where the last chunk ended.
    """
    values: dict[str, Any] = {"submitted": submitted, "cursor": cursor, "error": error}
    if status is not None:
        values["status"] = check_choice(status, BACKFILL_STATUSES, "backfill status")
    values = {key: value for key, value in values.items() if value is not None}
    if values:
        conn.execute(sa.update(backfills).where(backfills.c.backfill_id == backfill_id).values(values))
    backfill = get_backfill(conn, backfill_id)
    if backfill is None:
        raise NotFoundError(f"No backfill with id {backfill_id}.")
    return backfill


def _backfill(row: sa.Row[Any]) -> BackfillRecord:
    return BackfillRecord(
        backfill_id=row.backfill_id,
        location=row.location,
        status=row.status,
        created_at=row.created_at,
        partition_keys=tuple(loads(row.partition_keys, [])),
        asset_selection=tuple(loads(row.asset_selection, [])),
        job_name=row.job_name,
        run_config_json=row.run_config_json,
        tags=loads(row.tags, {}),
        submitted=row.submitted,
        cursor=row.cursor,
        error=row.error,
    )


def backfill_runs(conn: sa.Connection, backfill_id: str) -> list[RunRecord]:
    """The runs a backfill submitted, oldest first (uses the (backfill_id, run_key) index)."""
    query = (
        sa.select(runs)
        .where(runs.c.backfill_id == backfill_id, runs.c.run_key != "")
        .order_by(runs.c.created_at, runs.c.id)
    )
    return [run_record(row) for row in conn.execute(query)]


def partitioned_runs(conn: sa.Connection, location: str, statuses: Iterable[str]) -> list[RunRecord]:
    """Runs of a location in these statuses that name one partition, oldest first (partition status)."""
    query = (
        sa.select(runs)
        .where(runs.c.location == location, runs.c.partition_key.is_not(None), runs.c.status.in_(tuple(statuses)))
        .order_by(runs.c.created_at, runs.c.id)
    )
    return [run_record(row) for row in conn.execute(query)]
