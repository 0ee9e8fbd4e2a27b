"""Runs: creation with rule 6's identities, status transitions, listing with keyset pagination.

Functions take a `Connection` and never commit: the caller owns the transaction. Concurrency slots
are not stored anywhere: they are the runs in STARTING or STARTED (`count_runs`, `count_runs_by_tag`),
so a status change frees its slot in the same transaction, and a crash cannot leak one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from host.storage._sql import (
    check_storable,
    decode_cursor,
    dumps,
    encode_cursor,
    fit_page,
    insert_ignoring_duplicates,
    loads,
)
from host.storage.errors import DuplicateRunError, InvalidValueError, RunNotFoundError
from host.storage.records import RUN_STATUSES, TERMINAL_RUN_STATUSES, RunRecord, RunStatus, check_choice
from host.storage.schema import run_tags, runs

_NEWEST_FIRST = (runs.c.created_at.desc(), runs.c.id.desc())
# What a run weighs in a listing: its text columns (in characters) and a margin for the short ones.
_ROW_SIZE = (
    sa.func.length(runs.c.run_config_json)
    + sa.func.length(runs.c.tags)
    + sa.func.length(runs.c.asset_selection)
    + sa.func.coalesce(sa.func.length(runs.c.failure_reason), 0)
    + 512
)


def add_run(conn: sa.Connection, run: RunRecord) -> None:
    """Store a new run.

    Raises:
        DuplicateRunError: the run id exists, or another run has the same identity: a scheduled run
            (location, schedule_name, logical_time, run_key), a sensor run (location, sensor_name,
            run_key) or a backfill run (backfill_id, run_key). The transaction stays usable.
    """
    if not add_runs(conn, [run]):
        raise DuplicateRunError(f"Run {run.run_id} not created: {_identity(run)} already exists.")


def add_runs(conn: sa.Connection, records: Sequence[RunRecord]) -> list[str]:
    """Store many runs in one statement, skipping duplicates (see `add_run`); returns the ids stored."""
    if not records:
        return []
    rows = [_run_row(run) for run in records]
    for run, row in zip(records, rows, strict=True):  # all checked before anything is written
        check_storable(row, f"Run {run.run_id[:40]!r}")
        for key, value in run.tags.items():
            check_storable({"key": key, "value": value}, f"Run {run.run_id[:40]!r} tag {key[:40]!r}")
    stored = set(conn.execute(insert_ignoring_duplicates(conn, runs, "run_id"), rows).scalars())
    tag_rows = [
        {"run_id": run.run_id, "key": key, "value": value}
        for run in records
        if run.run_id in stored
        for key, value in run.tags.items()
    ]
    if tag_rows:
        conn.execute(insert_ignoring_duplicates(conn, run_tags), tag_rows)
    return [run.run_id for run in records if run.run_id in stored]


def get_run(conn: sa.Connection, run_id: str) -> RunRecord | None:
    row = conn.execute(sa.select(runs).where(runs.c.run_id == run_id)).first()
    return None if row is None else run_record(row)


def runs_with_id_prefix(conn: sa.Connection, prefix: str, *, limit: int) -> list[RunRecord]:
    """The newest runs whose id starts with the prefix (LIKE with the prefix's own % and _ escaped)."""
    query = (
        sa.select(runs)
        .where(runs.c.run_id.startswith(prefix, autoescape=True))
        .order_by(runs.c.created_at.desc())
        .limit(limit)
    )
    return [run_record(row) for row in conn.execute(query)]


def list_runs(
    conn: sa.Connection,
    *,
    statuses: Iterable[str] = (),
    location: str | None = None,
    job_name: str | None = None,
    tags: Mapping[str, str] | None = None,
    limit: int = 50,
    cursor: str | None = None,
    max_bytes: int | None = None,
    created: tuple[float | None, float | None] = (None, None),
) -> tuple[list[RunRecord], str | None]:
    """One page of runs, newest first; pass the returned cursor to get the next page (None: no more).

    Keyset pagination on (created_at, id): a page costs the same however deep it is, and runs created
    meanwhile do not shift the pages already handed out; `created` bounds created_at to [after, before).
    With `max_bytes` the page also stops before its runs' text (config, tags, selection, failure
    reason) would pass that many characters, so a page of runs with large configs still fits in one
    reply; it always holds at least one run.

    Raises:
        InvalidValueError: a limit below 1, or a cursor this function did not hand out.
    """
    if limit < 1:
        raise InvalidValueError(f"A page of runs needs a limit of at least 1, not {limit}.")
    query = _filtered(sa.select(runs), statuses, location, job_name, tags, cursor, created)
    if max_bytes is not None:
        sized = conn.execute(
            _filtered(sa.select(runs.c.id, _ROW_SIZE), statuses, location, job_name, tags, cursor, created)
            .order_by(*_NEWEST_FIRST)
            .limit(limit + 1)
        ).all()
        count, more = fit_page([size for _, size in sized], limit=limit, max_bytes=max_bytes)
        ids = [row_id for row_id, _ in sized[:count]]
        page = conn.execute(query.where(runs.c.id.in_(ids)).order_by(*_NEWEST_FIRST)).all() if ids else []
    else:
        rows = conn.execute(query.order_by(*_NEWEST_FIRST).limit(limit + 1)).all()
        page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1].created_at, page[-1].id) if more and page else None
    return [run_record(row) for row in page], next_cursor


def _filtered(
    query: sa.Select[Any],
    statuses: Iterable[str],
    location: str | None,
    job_name: str | None,
    tags: Mapping[str, str] | None,
    cursor: str | None,
    created: tuple[float | None, float | None] = (None, None),
) -> sa.Select[Any]:
    wanted = tuple(statuses)
    after, before = created
    if after is not None:
        query = query.where(runs.c.created_at >= after)
    if before is not None:
        query = query.where(runs.c.created_at < before)
    if wanted:
        query = query.where(runs.c.status.in_(wanted))
    if location is not None:
        query = query.where(runs.c.location == location)
    if job_name is not None:
        query = query.where(runs.c.job_name == job_name)
    for key, value in (tags or {}).items():  # every tag must match
        tagged = sa.select(run_tags.c.run_id).where(run_tags.c.key == key, run_tags.c.value == value)
        query = query.where(runs.c.run_id.in_(tagged))
    if cursor is not None:
        created_at, row_id = decode_cursor(cursor)
        query = query.where(sa.tuple_(runs.c.created_at, runs.c.id) < sa.tuple_(created_at, row_id))
    return query


def set_run_status(
    conn: sa.Connection, run_id: str, status: str, *, at: float, failure_reason: str | None = None
) -> RunRecord:
    """Move a run to `status` at time `at`; a run in a terminal status stays as it is, and a CANCELING
    run stays CANCELING when its (late) start arrives.

    STARTED sets started_at (the first time only); SUCCESS, FAILURE and CANCELED set ended_at.
    Returns the run as stored afterwards, so the caller sees whether the change happened.

    Raises:
        RunNotFoundError: no run has this id.
    """
    check_choice(status, RUN_STATUSES, "run status")
    values: dict[str, Any] = {"status": status}
    if status == RunStatus.STARTED:
        values["started_at"] = sa.func.coalesce(runs.c.started_at, at)
        # a run start collected after a cancel request must not undo it: STARTED only moves forward
        values["status"] = sa.case((runs.c.status == RunStatus.CANCELING, runs.c.status), else_=status)
    if status in TERMINAL_RUN_STATUSES:
        values["ended_at"] = at
    if failure_reason is not None:
        values["failure_reason"] = failure_reason
    conn.execute(
        sa.update(runs).where(runs.c.run_id == run_id, runs.c.status.not_in(TERMINAL_RUN_STATUSES)).values(values)
    )
    record = get_run(conn, run_id)
    if record is None:
        raise RunNotFoundError(f"No run with id {run_id}.")
    return record


def claim_run(conn: sa.Connection, run_id: str) -> RunRecord | None:
    """Move a QUEUED run to STARTING; the run if this caller won the move, None if another did.

    One conditional UPDATE, so on either backend exactly one of any number of concurrent callers
    sees a row changed (rule 10): only that caller may start the run's worker.
    """
    changed = conn.execute(
        sa.update(runs)
        .where(runs.c.run_id == run_id, runs.c.status == RunStatus.QUEUED)
        .values(status=RunStatus.STARTING)
    ).rowcount
    return get_run(conn, run_id) if changed == 1 else None


def runs_with_status(conn: sa.Connection, statuses: Iterable[str]) -> list[RunRecord]:
    """All runs in these statuses, oldest first: the order the run queue dequeues in."""
    query = sa.select(runs).where(runs.c.status.in_(tuple(statuses))).order_by(runs.c.created_at, runs.c.id)
    return [run_record(row) for row in conn.execute(query)]


def finished_runs_after(
    conn: sa.Connection,
    cursor: str | None = None,
    *,
    statuses: Iterable[str] = TERMINAL_RUN_STATUSES,
    limit: int = 100,
) -> tuple[list[RunRecord], str | None]:
    """Runs that ended after the cursor, in the order they ended, and the cursor to keep.

    What a run status sensor reads: pass the returned cursor next time (it stays the same when no run
    ended since). None starts from the first run that ever ended.
    """
    query = (
        sa.select(runs)
        .where(runs.c.ended_at.is_not(None), runs.c.status.in_(tuple(statuses)))
        .order_by(runs.c.ended_at, runs.c.id)
        .limit(limit)
    )
    if cursor is not None:
        ended_at, row_id = decode_cursor(cursor)
        query = query.where(sa.tuple_(runs.c.ended_at, runs.c.id) > sa.tuple_(ended_at, row_id))
    rows = conn.execute(query).all()
    if not rows:
        return [], cursor
    return [run_record(row) for row in rows], encode_cursor(rows[-1].ended_at, rows[-1].id)


def child_run(conn: sa.Connection, parent_run_id: str, run_key: str) -> str | None:
    """The id of the run with this parent and run key (a retry), if there is one."""
    query = sa.select(runs.c.run_id).where(runs.c.parent_run_id == parent_run_id, runs.c.run_key == run_key)
    return conn.execute(query).scalar()


def ended_cursor(ended_at: float) -> str:
    """A cursor for `finished_runs_after` that starts with the runs that ended after `ended_at`."""
    return encode_cursor(ended_at, 0)


def count_runs(conn: sa.Connection, statuses: Iterable[str] = ()) -> int:
    """How many runs are in these statuses (all runs when empty): e.g. the slots in use."""
    query = sa.select(sa.func.count()).select_from(runs)
    wanted = tuple(statuses)
    if wanted:
        query = query.where(runs.c.status.in_(wanted))
    return conn.execute(query).scalar_one()


def count_runs_by_tag(conn: sa.Connection, statuses: Iterable[str], tag_key: str) -> dict[str, int]:
    """For runs in these statuses carrying `tag_key`: how many carry each value (tag concurrency)."""
    query = (
        sa.select(run_tags.c.value, sa.func.count())
        .join(runs, runs.c.run_id == run_tags.c.run_id)
        .where(run_tags.c.key == tag_key, runs.c.status.in_(tuple(statuses)))
        .group_by(run_tags.c.value)
    )
    return {value: count for value, count in conn.execute(query)}


def _identity(run: RunRecord) -> str:
    if run.schedule_name is not None:
        return (
            f"a run of schedule {run.schedule_name!r} in {run.location!r} at logical time "
            f"{run.logical_time} with run key {run.run_key or ''!r}, or run id {run.run_id}"
        )
    if run.sensor_name is not None and run.run_key:
        return f"a run of sensor {run.sensor_name!r} in {run.location!r} with run key {run.run_key!r}"
    if run.backfill_id is not None and run.run_key:
        return f"a run of backfill {run.backfill_id!r} with run key {run.run_key!r}"
    if run.parent_run_id is not None and run.run_key:
        return f"a {run.run_key} of run {run.parent_run_id}"
    return f"a run with id {run.run_id}"


def _run_row(run: RunRecord) -> dict[str, Any]:
    check_choice(run.status, RUN_STATUSES, "run status")
    if run.schedule_name is not None and run.logical_time is None:
        raise ValueError(f"Run {run.run_id} of schedule {run.schedule_name!r} needs a logical_time (rule 6).")
    return {
        "run_id": run.run_id,
        "location": run.location,
        "job_name": run.job_name,
        "status": run.status,
        "asset_selection": dumps(list(run.asset_selection)),
        "run_config_json": run.run_config_json,
        "tags": dumps(dict(run.tags)),
        "snapshot_id": run.snapshot_id,
        "partition_key": run.partition_key,
        "schedule_name": run.schedule_name,
        "sensor_name": run.sensor_name,
        "backfill_id": run.backfill_id,
        "run_key": run.run_key or "",
        "logical_time": run.logical_time,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "failure_reason": run.failure_reason,
        "parent_run_id": run.parent_run_id,
        "root_run_id": run.root_run_id,
        "step_selection": dumps(list(run.step_selection)) if run.step_selection else None,
        "output_runs": dumps(dict(run.output_runs)) if run.output_runs else None,
    }


def run_record(row: sa.Row[Any]) -> RunRecord:
    return RunRecord(
        run_id=row.run_id,
        location=row.location,
        job_name=row.job_name,
        status=row.status,
        asset_selection=tuple(loads(row.asset_selection, [])),
        run_config_json=row.run_config_json,
        tags=loads(row.tags, {}),
        snapshot_id=row.snapshot_id,
        created_at=row.created_at,
        partition_key=row.partition_key,
        schedule_name=row.schedule_name,
        sensor_name=row.sensor_name,
        backfill_id=row.backfill_id,
        run_key=row.run_key or None,
        logical_time=row.logical_time,
        started_at=row.started_at,
        ended_at=row.ended_at,
        failure_reason=row.failure_reason,
        parent_run_id=row.parent_run_id,
        root_run_id=row.root_run_id,
        step_selection=tuple(loads(row.step_selection, [])),
        output_runs=loads(row.output_runs, {}),
    )
