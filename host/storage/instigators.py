"""Schedule and sensor state and their ticks, for the daemon (rule 6).

State is keyed by (location, kind, name) and outlives reloads of the location. A schedule tick is
unique per logical time, so a repeated or concurrent evaluation of the same slot cannot record (and
launch) it twice; sensor ticks have no logical time and are unique by id only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from host.storage._sql import check_storable, decode_cursor, dumps, encode_cursor, fit_page, insert, loads
from host.storage.errors import DuplicateTickError, NotFoundError
from host.storage.records import (
    INSTIGATOR_KINDS,
    INSTIGATOR_STATUSES,
    TICK_STATUSES,
    InstigatorKind,
    InstigatorState,
    TickRecord,
    check_choice,
)
from host.storage.schema import instigator_state, ticks


def get_instigator_state(conn: sa.Connection, location: str, name: str, kind: str) -> InstigatorState | None:
    """The stored state, or None when never set (then the definition's default_status applies)."""
    table = instigator_state
    row = conn.execute(
        sa.select(table).where(table.c.location == location, table.c.kind == kind, table.c.name == name)
    ).first()
    return None if row is None else _state(row)


def set_instigator_state(conn: sa.Connection, state: InstigatorState) -> None:
    """Insert or replace the state of one schedule or sensor."""
    check_choice(state.kind, INSTIGATOR_KINDS, "instigator kind")
    check_choice(state.status, INSTIGATOR_STATUSES, "instigator status")
    table = instigator_state
    values = {
        "location": state.location,
        "kind": state.kind,
        "name": state.name,
        "status": state.status,
        "cursor": state.cursor,
        "updated_at": state.updated_at,
    }
    check_storable(values, f"{state.kind.title()} {state.name[:80]!r}")
    stmt = insert(conn, table).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.location, table.c.kind, table.c.name],
        set_={"status": stmt.excluded.status, "cursor": stmt.excluded.cursor, "updated_at": stmt.excluded.updated_at},
    )
    conn.execute(stmt)


def list_instigator_states(
    conn: sa.Connection, *, location: str | None = None, kind: str | None = None
) -> list[InstigatorState]:
    table = instigator_state
    query = sa.select(table).order_by(table.c.location, table.c.kind, table.c.name)
    if location is not None:
        query = query.where(table.c.location == location)
    if kind is not None:
        query = query.where(table.c.kind == kind)
    return [_state(row) for row in conn.execute(query)]


def add_tick(
    conn: sa.Connection,
    *,
    location: str,
    name: str,
    kind: str,
    status: str,
    timestamp: float,
    logical_time: float | None = None,
    reason: str | None = None,
    run_ids: Iterable[str] = (),
    error: str | None = None,
    cursor: str | None = None,
    output: str | None = None,
) -> TickRecord:
    """Record a tick; for a schedule, `logical_time` is the slot it evaluates.

    Raises:
        DuplicateTickError: this schedule already has a tick for this logical time; fetch it with
            `get_schedule_tick` to resume it. The transaction stays usable.
    """
    check_choice(kind, INSTIGATOR_KINDS, "instigator kind")
    check_choice(status, TICK_STATUSES, "tick status")
    values = {
        "location": location,
        "kind": kind,
        "name": name,
        "status": status,
        "timestamp": timestamp,
        "logical_time": logical_time,
        "reason": reason,
        "run_ids": dumps(list(run_ids)),
        "error": error,
        "cursor": cursor,
        "output": output,
    }
    check_storable(values, f"A tick of {kind.lower()} {name[:80]!r}")
    stmt = insert(conn, ticks).values(values).on_conflict_do_nothing().returning(ticks.c.id)
    tick_id = conn.execute(stmt).scalar()
    if tick_id is None:
        raise DuplicateTickError(
            f"{kind.title()} {name!r} in {location!r} already has a tick for logical time {logical_time}."
        )
    tick = get_tick(conn, tick_id)
    assert tick is not None
    return tick


def update_tick(
    conn: sa.Connection,
    tick_id: int,
    *,
    status: str | None = None,
    reason: str | None = None,
    run_ids: Iterable[str] | None = None,
    error: str | None = None,
    cursor: str | None = None,
    output: str | None = None,
) -> TickRecord:
    """Change the given fields of a tick (None leaves a field as it is); returns the tick as stored."""
    values: dict[str, Any] = {"reason": reason, "error": error, "cursor": cursor, "output": output}
    if status is not None:
        values["status"] = check_choice(status, TICK_STATUSES, "tick status")
    if run_ids is not None:
        values["run_ids"] = dumps(list(run_ids))
    values = {key: value for key, value in values.items() if value is not None}
    check_storable(values, f"Tick {tick_id}")
    if values:
        conn.execute(sa.update(ticks).where(ticks.c.id == tick_id).values(values))
    tick = get_tick(conn, tick_id)
    if tick is None:
        raise NotFoundError(f"No tick with id {tick_id}.")
    return tick


def get_tick(conn: sa.Connection, tick_id: int) -> TickRecord | None:
    row = conn.execute(sa.select(ticks).where(ticks.c.id == tick_id)).first()
    return None if row is None else _tick(row)


def get_schedule_tick(conn: sa.Connection, location: str, name: str, logical_time: float) -> TickRecord | None:
    """The tick of one schedule slot, if it was recorded: how the scheduler resumes after a restart."""
    row = conn.execute(
        sa.select(ticks).where(
            ticks.c.location == location,
            ticks.c.kind == InstigatorKind.SCHEDULE,
            ticks.c.name == name,
            ticks.c.logical_time == logical_time,
        )
    ).first()
    return None if row is None else _tick(row)


def list_ticks(
    conn: sa.Connection,
    location: str,
    name: str,
    kind: str,
    *,
    statuses: Iterable[str] = (),
    limit: int = 50,
) -> list[TickRecord]:
    """A schedule's or sensor's ticks, newest first."""
    query = (
        sa.select(ticks)
        .where(ticks.c.location == location, ticks.c.kind == kind, ticks.c.name == name)
        .order_by(ticks.c.timestamp.desc(), ticks.c.id.desc())
        .limit(limit)
    )
    wanted = tuple(statuses)
    if wanted:
        query = query.where(ticks.c.status.in_(wanted))
    return [_tick(row) for row in conn.execute(query)]


# What a tick weighs in a listing: its text (an error carries a traceback, a cursor can be long).
_TICK_SIZE = (
    sa.func.coalesce(sa.func.length(ticks.c.reason), 0)
    + sa.func.coalesce(sa.func.length(ticks.c.error), 0)
    + sa.func.coalesce(sa.func.length(ticks.c.cursor), 0)
    + sa.func.coalesce(sa.func.length(ticks.c.output), 0)
    + sa.func.length(ticks.c.run_ids)
    + 256
)


def list_ticks_page(
    conn: sa.Connection,
    location: str,
    name: str,
    kind: str,
    *,
    statuses: Iterable[str] = (),
    limit: int = 50,
    cursor: str | None = None,
    max_bytes: int,
) -> tuple[list[TickRecord], str | None]:
    """One page of a schedule's or sensor's ticks, newest first, and the cursor of the next (None: no more).

    The page holds at most `limit` ticks and stops before their text would pass `max_bytes` characters
    (it always holds one tick).

    Raises:
        InvalidValueError: a cursor this function did not hand out.
    """
    query = sa.select(ticks.c.id, _TICK_SIZE).where(
        ticks.c.location == location, ticks.c.kind == kind, ticks.c.name == name
    )
    wanted = tuple(statuses)
    if wanted:
        query = query.where(ticks.c.status.in_(wanted))
    if cursor is not None:
        timestamp, row_id = decode_cursor(cursor)
        query = query.where(sa.tuple_(ticks.c.timestamp, ticks.c.id) < sa.tuple_(timestamp, row_id))
    sized = conn.execute(query.order_by(ticks.c.timestamp.desc(), ticks.c.id.desc()).limit(limit + 1)).all()
    count, more = fit_page([size for _, size in sized], limit=limit, max_bytes=max_bytes)
    ids = [row_id for row_id, _ in sized[:count]]
    rows = (
        conn.execute(
            sa.select(ticks).where(ticks.c.id.in_(ids)).order_by(ticks.c.timestamp.desc(), ticks.c.id.desc())
        ).all()
        if ids
        else []
    )
    next_cursor = encode_cursor(rows[-1].timestamp, rows[-1].id) if more and rows else None
    return [_tick(row) for row in rows], next_cursor


def _state(row: sa.Row[Any]) -> InstigatorState:
    return InstigatorState(
        location=row.location,
        name=row.name,
        kind=row.kind,
        status=row.status,
        cursor=row.cursor,
        updated_at=row.updated_at,
    )


def _tick(row: sa.Row[Any]) -> TickRecord:
    return TickRecord(
        tick_id=int(row.id),
        location=row.location,
        name=row.name,
        kind=row.kind,
        status=row.status,
        timestamp=row.timestamp,
        logical_time=row.logical_time,
        reason=row.reason,
        run_ids=tuple(loads(row.run_ids, [])),
        error=row.error,
        cursor=row.cursor,
        output=row.output,
    )
