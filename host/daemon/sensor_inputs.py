"""What asset and run status sensors need from history, read from storage by the host and passed to
the code server in the EvaluateSensorRequest (the code server holds no database credentials).

For these two kinds the host owns the cursor: it is the position of the last materialization or run
passed to the sensor, saved only when the tick succeeds, so a failed tick sees the same items again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from host.storage import assets as asset_store
from host.storage import events as event_store
from host.storage import run_summary
from host.storage import runs as run_store
from host.storage.records import TERMINAL_RUN_STATUSES, MaterializationRecord, RunRecord, RunStatus
from protos.weir.v1 import codeserver_pb2, common_pb2

# Finished runs looked at per tick, newest first: run status sensors see runs as they end.
_RUN_SCAN = 500


def _marker(cursor: str | None) -> tuple[Any, ...] | None:
    """The position a cursor holds (a JSON list), None without one or when it cannot be read."""
    if not cursor:
        return None
    try:
        value = json.loads(cursor)
    except json.JSONDecodeError:
        return None
    return tuple(value) if isinstance(value, list) else None


def new_materializations(
    conn: sa.Connection, asset_keys: Sequence[str], cursor: str | None, limit: int
) -> tuple[list[common_pb2.RunEvent], str | None]:
    """Materializations after the cursor, oldest first, and the cursor after them.

    Without a cursor, the newest materialization of each asset counts as new, as a fresh Dagster
    asset sensor reacts to the latest one.
    """
    marker = _marker(cursor)
    records = _candidates(conn, asset_keys)
    if marker is None:
        newest: dict[str, MaterializationRecord] = {}
        for record in records:
            newest[record.asset_key] = record
        chosen = sorted(newest.values(), key=_position)
    else:
        chosen = [r for r in records if _position(r) > marker][:limit]
    events = []
    for record in chosen:
        stored = event_store.get_events(conn, record.run_id, after_sequence=record.sequence - 1, limit=1)
        if stored:
            events.append(common_pb2.RunEvent.FromString(stored[0].body))
    new_cursor = json.dumps(list(_position(chosen[-1]))) if chosen else cursor
    return events, new_cursor


def _position(record: MaterializationRecord) -> tuple[float, str, int]:
    return (record.timestamp, record.run_id, record.sequence)


def _candidates(conn: sa.Connection, asset_keys: Sequence[str]) -> list[MaterializationRecord]:
    """The latest materialization of each partition (and of the unpartitioned asset), by position."""
    latest = asset_store.latest_materializations(conn, asset_keys)
    found: dict[tuple[str, int], MaterializationRecord] = {}
    for key in asset_keys:
        for record in asset_store.materialized_partitions(conn, key).values():
            found[(record.run_id, record.sequence)] = record
        if key in latest:
            found[(latest[key].run_id, latest[key].sequence)] = latest[key]
    return sorted(found.values(), key=_position)


def status_time(run: RunRecord, status: str) -> float:
    """When the run reached `status`."""
    if status in TERMINAL_RUN_STATUSES:
        return run.ended_at or run.created_at
    if status == RunStatus.STARTED:
        return run.started_at or run.created_at
    return run.created_at


def finished_runs(
    conn: sa.Connection,
    location: str,
    statuses: Sequence[str],
    jobs: Sequence[str],
    cursor: str | None,
    now: float,
    limit: int,
) -> tuple[list[codeserver_pb2.RunSummary], str]:
    """Runs of this location that reached a monitored status after the cursor, oldest first.

    Without a cursor the sensor starts watching now: runs that ended before it started are history.
    """
    marker = _marker(cursor)
    if marker is None:
        return [], json.dumps([now, ""])
    page, _ = run_store.list_runs(conn, statuses=tuple(statuses), location=location, limit=_RUN_SCAN)
    found = []
    for run in page:
        if jobs and run.job_name not in jobs:
            continue
        position = (status_time(run, run.status), run.run_id)
        if position > marker:
            found.append((position, run))
    found.sort(key=lambda item: item[0])
    found = found[:limit]
    summaries = [
        codeserver_pb2.RunSummary(
            run_id=run.run_id,
            job_name=run.job_name,
            status=run.status,
            tags=dict(run.tags),
            end_time=run.ended_at or 0.0,
            end_event=_end_event(conn, run),
        )
        for _, run in found
    ]
    new_cursor = json.dumps(list(found[-1][0])) if found else json.dumps(list(marker))
    return summaries, new_cursor


_END_TYPES = {
    "RUN_SUCCESS": common_pb2.RUN_SUCCESS,
    "RUN_FAILURE": common_pb2.RUN_FAILURE,
    "RUN_CANCELED": common_pb2.RUN_CANCELED,
}
_END_TYPE_OF_STATUS = {
    RunStatus.SUCCESS: common_pb2.RUN_SUCCESS,
    RunStatus.FAILURE: common_pb2.RUN_FAILURE,
    RunStatus.CANCELED: common_pb2.RUN_CANCELED,
}


def _end_event(conn: sa.Connection, run: RunRecord) -> common_pb2.RunEvent | None:
    """The event that ended the run, as its worker reported it (a failure's message and error: what a run
    failure sensor reads as context.failure_event); for a run the host ended itself (its worker lost, canceled
    before it started), one carrying the run's failure reason."""
    ends = [c for c in run_summary.event_counts(conn, run.run_id) if c.event_type in _END_TYPES]
    if ends:
        last = max(ends, key=lambda c: c.last_sequence).last_sequence
        stored = event_store.get_events(conn, run.run_id, after_sequence=last - 1, limit=1)
        if stored:
            return common_pb2.RunEvent.FromString(stored[0].body)
    kind = _END_TYPE_OF_STATUS.get(run.status)  # type: ignore[call-overload]  # a RunStatus value
    if kind is None or not run.failure_reason:
        return None
    return common_pb2.RunEvent(run_id=run.run_id, type=kind, timestamp=run.ended_at or 0.0, message=run.failure_reason)
