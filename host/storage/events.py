"""Run events: batched, idempotent writes keyed by (run_id, sequence), the asset and check indexes, and
the run summary.

A run worker's journal may deliver a batch again after the host restarts (rule 2); storing it twice
changes nothing, and only events stored for the first time update the indexes and the summary.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import DecodeError
from sqlalchemy.dialects import postgresql

from host.storage import run_summary
from host.storage._sql import fit_page, insert, insert_ignoring_duplicates
from host.storage.records import EventRecord
from host.storage.schema import asset_check_evaluations, asset_materializations, events, runs
from protos.weir.v1 import common_pb2

MATERIALIZATION = "ASSET_MATERIALIZATION"
CHECK_EVALUATION = "ASSET_CHECK_EVALUATION"
# Stored and listed in an asset's history, but never indexed: an observation is not a materialization.
OBSERVATION = "ASSET_OBSERVATION"
COMPUTE_LOG = "COMPUTE_LOG"
_STEP_HISTORY = ("STEP_START", "STEP_SUCCESS", MATERIALIZATION)


def event_record(event: common_pb2.RunEvent) -> EventRecord:
    """The storage record of a wire event: its indexed fields, what the run summary counts, and its
    serialized bytes."""
    event_type = common_pb2.EventType.Name(event.type)
    is_check = event.type == common_pb2.ASSET_CHECK_EVALUATION
    return EventRecord(
        run_id=event.run_id,
        sequence=event.sequence,
        event_type=event_type,
        timestamp=event.timestamp,
        step_key=_storable(event.step_key),
        asset_key=_storable("/".join(event.asset_key.path)) or None,
        partition_key=_storable(event.partition_key) or None,
        body=event.SerializeToString(deterministic=True),
        check_name=_storable(event.check_name) if is_check else None,
        check_passed=event.check_passed if is_check else None,
        **_summarized(event),
    )


def _summarized(event: common_pb2.RunEvent) -> dict[str, Any]:
    """What the run summary takes from an event besides its indexed columns: its level, and of captured
    output the stream and the bytes."""
    if event.type != common_pb2.COMPUTE_LOG:
        return {"level": run_summary.event_level(event)}
    return {
        "level": run_summary.event_level(event),
        "stream": event.stream,
        "text_bytes": len(event.message.encode()),
        "dropped_bytes": event.dropped_bytes,
    }


def _with_level(record: EventRecord) -> EventRecord:
    """A record made without `event_record` (by a test or a bench), completed from its body."""
    if record.level is not None:
        return record
    try:
        event = common_pb2.RunEvent.FromString(record.body)
    except DecodeError:
        event = common_pb2.RunEvent()
    if record.event_type in common_pb2.EventType.keys():  # noqa: SIM118 - an enum wrapper, not a dict
        event.type = common_pb2.EventType.Value(record.event_type)
    event.check_passed = bool(record.check_passed)
    return dataclasses.replace(record, **_summarized(event))


def _storable(text: str) -> str:
    """An indexed column's copy of a string from user code, NUL shown as U+FFFD (PostgreSQL refuses NUL
    in text, and refusing the event would lose it); the body keeps the original."""
    return text.replace("\0", "\ufffd") if "\0" in text else text


def add_events(conn: sa.Connection, records: Sequence[EventRecord]) -> int:
    """Store a batch of events, ignoring those already stored; returns how many were new.

    The events' runs must exist. The new events update their runs' summaries (storage/run_summary.py),
    and materializations and check evaluations among them the asset index and the check index, in the
    same transaction: exactly the events this call stored, even when another transaction stores some
    of the same events at the same time.
    """
    first: dict[tuple[str, int], EventRecord] = {}
    for event in records:
        first.setdefault((event.run_id, event.sequence), event)
    if not first:
        return 0
    if conn.dialect.name == "postgresql":
        new = _insert_returning_new(conn, [_with_level(event) for event in first.values()])
    else:
        new = _insert_new(conn, first)
    if new:
        run_summary.add(conn, new)
    _index_materializations(conn, [e for e in new if e.event_type == MATERIALIZATION and e.asset_key])
    _index_check_evaluations(
        conn, [e for e in new if e.event_type == CHECK_EVALUATION and e.asset_key and e.check_name]
    )
    return len(new)


def materializations_after(
    conn: sa.Connection, asset_keys: Iterable[str], *, after_id: int = 0, limit: int = 1000
) -> list[tuple[int, EventRecord]]:
    """Materialization events of these assets stored after storage id `after_id`, oldest first.

    Each comes with its storage id, the cursor an asset sensor keeps. Ids grow with every insert. On
    PostgreSQL an id is taken at insert, not at commit, so a batch committed late can carry ids below
    one a reader already saw; batches commit within milliseconds, which keeps that window small.
    """
    query = (
        sa.select(events)
        .where(
            events.c.event_type == MATERIALIZATION,
            events.c.asset_key.in_(list(asset_keys)),
            events.c.id > after_id,
        )
        .order_by(events.c.id)
        .limit(limit)
    )
    return [(int(row.id), _event_record(row)) for row in conn.execute(query)]


def _insert_new(conn: sa.Connection, candidates: dict[tuple[str, int], EventRecord]) -> list[EventRecord]:
    """SQLite: which events are new is read first (one indexed range query per run), then they go in one
    executemany. Should another connection store some of them in between (the read is not yet in the
    write transaction), the rows this one inserted are the newest `rowcount` rows: it holds the only
    write lock from its insert on."""
    stored = _stored_keys(conn, candidates.keys())
    new = [_with_level(event) for key, event in candidates.items() if key not in stored]
    if not new:
        return new
    inserted = conn.execute(insert_ignoring_duplicates(conn, events), [_event_row(event) for event in new]).rowcount
    if 0 <= inserted < len(new):
        newest = sa.select(events.c.run_id, events.c.sequence).order_by(events.c.id.desc()).limit(inserted)
        ours = {(run_id, sequence) for run_id, sequence in conn.execute(newest)}
        new = [event for event in new if (event.run_id, event.sequence) in ours]
    return new


def _insert_returning_new(conn: sa.Connection, candidates: list[EventRecord]) -> list[EventRecord]:
    """PostgreSQL: one INSERT of the batch as arrays (unnest) ... ON CONFLICT DO NOTHING RETURNING the
    keys it stored. One statement, so faster than a read then an executemany, and exact: a row another
    transaction is storing is waited for, then skipped."""
    rows = [_event_row(event) for event in candidates]
    arrays = {name: [row[name] for row in rows] for name in _PG_COLUMNS}
    stored = {(run_id, sequence) for run_id, sequence in conn.execute(_pg_insert_returning(), arrays)}
    return [event for event in candidates if (event.run_id, event.sequence) in stored]


_PG_COLUMNS = tuple(column.name for column in events.columns if column.name != "id")  # _event_row's keys


@functools.cache
def _pg_insert_returning() -> Any:
    arrays = (sa.bindparam(name, type_=postgresql.ARRAY(events.c[name].type)) for name in _PG_COLUMNS)
    batch = sa.func.unnest(*arrays).table_valued(*_PG_COLUMNS).render_derived()
    stmt = postgresql.insert(events).from_select(list(_PG_COLUMNS), sa.select(batch))
    return stmt.on_conflict_do_nothing().returning(events.c.run_id, events.c.sequence)


def _stored_keys(conn: sa.Connection, keys: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of these (run_id, sequence) keys are stored already."""
    by_run: dict[str, list[int]] = {}
    for run_id, sequence in keys:
        by_run.setdefault(run_id, []).append(sequence)
    ranges = [
        sa.and_(events.c.run_id == run_id, events.c.sequence.between(min(sequences), max(sequences)))
        for run_id, sequences in by_run.items()
    ]
    query = sa.select(events.c.run_id, events.c.sequence).where(sa.or_(*ranges))
    return {(run_id, sequence) for run_id, sequence in conn.execute(query)}


def get_events(
    conn: sa.Connection, run_id: str, *, after_sequence: int = -1, limit: int | None = None
) -> list[EventRecord]:
    """A run's events after a sequence number, in sequence order."""
    query = (
        sa.select(events)
        .where(events.c.run_id == run_id, events.c.sequence > after_sequence)
        .order_by(events.c.sequence)
        .limit(limit)
    )
    return [_event_record(row) for row in conn.execute(query)]


def event_bodies(
    conn: sa.Connection,
    run_id: str,
    *,
    after_sequence: int = -1,
    limit: int,
    max_bytes: int,
    exclude_types: Sequence[str] = (),
) -> tuple[list[bytes], bool]:
    """A page of a run's serialized events after a sequence number (but those of `exclude_types`), and
    whether more follow.

    At most `limit` events, stopping before their bodies would pass `max_bytes` (at least one event):
    the database sums the sizes, so a page of large events is never read whole to be cut. Bodies only,
    because a listing sends them on as they are.
    """
    where: tuple[Any, ...] = (events.c.run_id == run_id, events.c.sequence > after_sequence)
    if exclude_types:
        where = (*where, events.c.event_type.not_in(list(exclude_types)))
    page, more = _body_page(conn, where, limit=limit, max_bytes=max_bytes)
    return [body for _, body in page], more


def compute_logs(
    conn: sa.Connection,
    run_id: str,
    *,
    step_key: str | None,
    stream: str | None,
    after_sequence: int = -1,
    limit: int,
    max_bytes: int,
) -> tuple[list[common_pb2.RunEvent], int, bool]:
    """A page of a run's captured output (COMPUTE_LOG events) after a sequence number, of one step (None:
    every step) and one stream (None: both).

    Returns the chunks, the last sequence looked at (where the next page starts: a page may hold only
    the other stream's chunks) and whether more output follows. Sized like `event_bodies`; the stream
    lives in the body alone, so it is filtered here rather than in SQL.
    """
    where = [events.c.run_id == run_id, events.c.event_type == COMPUTE_LOG, events.c.sequence > after_sequence]
    if step_key is not None:
        where.append(events.c.step_key == _storable(step_key))
    page, more = _body_page(conn, tuple(where), limit=limit, max_bytes=max_bytes)
    chunks = [common_pb2.RunEvent.FromString(body) for _, body in page]
    last = page[-1][0] if page else after_sequence
    return [c for c in chunks if stream is None or c.stream == stream], last, more


def _body_page(
    conn: sa.Connection, where: tuple[Any, ...], *, limit: int, max_bytes: int
) -> tuple[list[tuple[int, bytes]], bool]:
    """(sequence, body) of the events matching `where`, in sequence order: a page cut at `limit` rows and
    `max_bytes` by sizes the database sums, and whether more follow."""
    sized = conn.execute(
        sa.select(events.c.sequence, sa.func.length(events.c.body))
        .where(*where)
        .order_by(events.c.sequence)
        .limit(limit + 1)
    ).all()
    count, more = fit_page([size for _, size in sized], limit=limit, max_bytes=max_bytes)
    if not count:
        return [], False
    query = sa.select(events.c.sequence, events.c.body).where(*where, events.c.sequence <= sized[count - 1][0])
    return [(int(seq), body) for seq, body in conn.execute(query.order_by(events.c.sequence))], more


def last_sequence(conn: sa.Connection, run_id: str) -> int:
    """The highest sequence number stored for a run, -1 when none: where delivery resumes."""
    query = sa.select(sa.func.coalesce(sa.func.max(events.c.sequence), -1)).where(events.c.run_id == run_id)
    return int(conn.execute(query).scalar_one())


def _latest(records: Iterable[EventRecord], key: Any) -> list[EventRecord]:
    """Per key, the event with the latest timestamp (the later one in the batch on a tie)."""
    latest: dict[Any, EventRecord] = {}
    for event in sorted(records, key=lambda e: e.timestamp):
        latest[key(event)] = event
    return list(latest.values())


def _index_materializations(conn: sa.Connection, records: list[EventRecord]) -> None:
    if not records:
        return
    rows = [
        {
            "asset_key": e.asset_key,
            "partition_key": e.partition_key or "",
            "run_id": e.run_id,
            "sequence": e.sequence,
            "timestamp": e.timestamp,
        }
        for e in _latest(records, lambda e: (e.asset_key, e.partition_key))
    ]
    table = asset_materializations
    stmt = insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.asset_key, table.c.partition_key],
        set_={"run_id": stmt.excluded.run_id, "sequence": stmt.excluded.sequence, "timestamp": stmt.excluded.timestamp},
        where=stmt.excluded.timestamp >= table.c.timestamp,
    )
    conn.execute(stmt, rows)


def _index_check_evaluations(conn: sa.Connection, records: list[EventRecord]) -> None:
    if not records:
        return
    rows = [
        {
            "asset_key": e.asset_key,
            "check_name": e.check_name,
            "passed": bool(e.check_passed),
            "partition_key": e.partition_key,
            "run_id": e.run_id,
            "sequence": e.sequence,
            "timestamp": e.timestamp,
        }
        for e in _latest(records, lambda e: (e.asset_key, e.check_name))
    ]
    table = asset_check_evaluations
    stmt = insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.asset_key, table.c.check_name],
        set_={name: stmt.excluded[name] for name in ("passed", "partition_key", "run_id", "sequence", "timestamp")},
        where=stmt.excluded.timestamp >= table.c.timestamp,
    )
    conn.execute(stmt, rows)


def _event_row(event: EventRecord) -> dict[str, Any]:
    return {
        "run_id": event.run_id,
        "sequence": event.sequence,
        "event_type": event.event_type,
        "timestamp": event.timestamp,
        "step_key": event.step_key,
        "asset_key": event.asset_key,
        "partition_key": event.partition_key,
        "body": event.body,
        "check_name": event.check_name,
        "check_passed": event.check_passed,
        "level": event.level,
    }


def _event_record(row: sa.Row[Any]) -> EventRecord:
    return EventRecord(
        run_id=row.run_id,
        sequence=row.sequence,
        event_type=row.event_type,
        timestamp=row.timestamp,
        step_key=row.step_key,
        asset_key=row.asset_key,
        partition_key=row.partition_key,
        body=row.body,
        check_name=row.check_name,
        check_passed=row.check_passed,
        level=row.level,
    )


def step_history(conn: sa.Connection, run_ids: Sequence[str]) -> list[tuple[str, str, str, str | None]]:
    """(run id, event type, step key, asset key) of the runs' step starts, successes and materializations,
    in the order they happened: what a re-execution needs to know of the runs it follows."""
    query = (
        sa.select(events.c.run_id, events.c.event_type, events.c.step_key, events.c.asset_key)
        .where(events.c.run_id.in_(tuple(run_ids)), events.c.event_type.in_(_STEP_HISTORY))
        .order_by(events.c.id)
    )
    return [(r, t, s, a) for r, t, s, a in conn.execute(query)]


def has_event(conn: sa.Connection, run_id: str, event_type: str) -> bool:
    query = sa.select(events.c.id).where(events.c.run_id == run_id, events.c.event_type == event_type).limit(1)
    return conn.execute(query).first() is not None


def event_records(
    conn: sa.Connection,
    *,
    event_types: Sequence[str] | None,
    asset_key: str | None = None,
    partitions: Sequence[str] | None = None,
    run_id: str | None = None,
    after_id: int | None = None,
    before_id: int | None = None,
    after_timestamp: float | None = None,
    before_timestamp: float | None = None,
    ids: Sequence[int] | None = None,
    limit: int | None = None,
    ascending: bool = False,
) -> list[tuple[int, str, EventRecord]]:
    """(storage id, job name, event) of the events matching every given filter, newest first unless
    ascending: what `context.instance` reads of the history (host/api/instance.py). Storage ids are the
    cursors Dagster's event records carry. event_types None: every type."""
    where: list[sa.ColumnElement[bool]] = []
    if event_types is not None:
        where.append(events.c.event_type.in_(tuple(event_types)))
    if asset_key is not None:
        where.append(events.c.asset_key == asset_key)
    if partitions is not None:
        where.append(events.c.partition_key.in_(tuple(partitions)))
    if run_id is not None:
        where.append(events.c.run_id == run_id)
    if after_id is not None:
        where.append(events.c.id > after_id)
    if before_id is not None:
        where.append(events.c.id < before_id)
    if after_timestamp is not None:
        where.append(events.c.timestamp > after_timestamp)
    if before_timestamp is not None:
        where.append(events.c.timestamp < before_timestamp)
    if ids is not None:
        where.append(events.c.id.in_(tuple(ids)))
    query = (
        sa.select(events, runs.c.job_name)
        .join(runs, runs.c.run_id == events.c.run_id)
        .where(*where)
        .order_by(events.c.id if ascending else events.c.id.desc())
        .limit(limit)
    )
    return [(int(row.id), row.job_name, _event_record(row)) for row in conn.execute(query)]


def asset_keys_with_history(conn: sa.Connection, event_types: Sequence[str]) -> list[str]:
    """The asset keys that events of these types name, sorted."""
    query = (
        sa.select(events.c.asset_key)
        .where(events.c.event_type.in_(tuple(event_types)), events.c.asset_key.is_not(None))
        .distinct()
        .order_by(events.c.asset_key)
    )
    return [key for (key,) in conn.execute(query)]
