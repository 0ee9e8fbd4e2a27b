"""Declarative automation's storage: per-asset evaluations, the runs each tick requests, and the facts a
tick reads in bulk (materializations, new materialization events, runs).

An asset's evaluation is stored only when it differs from its previous one, so its state at tick T is
its newest row with tick_id <= T. A tick's run requests are stored with its evaluations, before any
launch; the run key each one launches with makes a resumed tick launch nothing twice (rule 6).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from host.storage import instigators as tick_store
from host.storage._sql import dumps, loads
from host.storage.records import InstigatorKind, TickRecord
from host.storage.schema import (
    asset_materializations,
    automation_evaluations,
    automation_run_requests,
    events,
    runs,
    ticks,
)

MATERIALIZATION = "ASSET_MATERIALIZATION"
_CHUNK = 500  # keys per IN (...) list: well under SQLite's variable limit


@dataclass(frozen=True)
class EvaluationRow:
    """One asset's evaluation in one tick, as stored."""

    asset_key: str
    value_hash: str
    num_requested: int
    result: str  # JSON
    memory: str  # JSON


@dataclass(frozen=True)
class EvaluationRecord:
    tick_id: int
    location: str
    sensor_name: str
    asset_key: str
    timestamp: float
    value_hash: str
    num_requested: int
    result: Any  # the decoded JSON tree
    evaluation_id: int


@dataclass(frozen=True)
class RunRequestRecord:
    request_id: int
    tick_id: int
    location: str
    run_key: str
    asset_keys: tuple[str, ...]
    partition_key: str | None
    run_id: str | None


def add_evaluations(
    conn: sa.Connection,
    *,
    tick_id: int,
    location: str,
    sensor_name: str,
    timestamp: float,
    rows: Sequence[EvaluationRow],
) -> None:
    if not rows:
        return
    values = [
        {
            "tick_id": tick_id,
            "location": location,
            "sensor_name": sensor_name,
            "asset_key": row.asset_key,
            "timestamp": timestamp,
            "value_hash": row.value_hash,
            "num_requested": row.num_requested,
            "result": row.result,
            "memory": row.memory,
        }
        for row in rows
    ]
    conn.execute(sa.insert(automation_evaluations), values)


def latest_memories(conn: sa.Connection, location: str, sensor_name: str) -> dict[str, tuple[str, Any]]:
    """Each asset's newest stored evaluation under this sensor: asset key -> (value hash, memory JSON)."""
    table = automation_evaluations
    newest = (
        sa.select(table.c.asset_key, sa.func.max(table.c.tick_id).label("tick_id"))
        .where(table.c.location == location, table.c.sensor_name == sensor_name)
        .group_by(table.c.asset_key)
        .subquery()
    )
    query = sa.select(table.c.asset_key, table.c.value_hash, table.c.memory).join(
        newest, sa.and_(table.c.asset_key == newest.c.asset_key, table.c.tick_id == newest.c.tick_id)
    )
    return {row.asset_key: (row.value_hash, loads(row.memory, {})) for row in conn.execute(query)}


def get_evaluation(
    conn: sa.Connection, asset_key: str, *, tick_id: int | None = None, location: str | None = None
) -> EvaluationRecord | None:
    """The asset's evaluation in force at tick `tick_id` (its newest row at or before it; default: the
    newest), in any location's automation sensor unless `location` is given."""
    table = automation_evaluations
    query = sa.select(table).where(table.c.asset_key == asset_key)
    if tick_id is not None:
        query = query.where(table.c.tick_id <= tick_id)
    if location is not None:
        query = query.where(table.c.location == location)
    row = conn.execute(query.order_by(table.c.tick_id.desc()).limit(1)).first()
    return None if row is None else _evaluation(row)


def list_evaluations(
    conn: sa.Connection,
    *,
    asset_key: str | None = None,
    tick_id: int | None = None,
    location: str | None = None,
    before_tick: int | None = None,
    limit: int = 50,
) -> list[EvaluationRecord]:
    """Stored evaluations, newest tick first: one asset's history, or every asset stored in one tick."""
    table = automation_evaluations
    query = sa.select(table)
    if asset_key is not None:
        query = query.where(table.c.asset_key == asset_key)
    if tick_id is not None:
        query = query.where(table.c.tick_id == tick_id)
    if location is not None:
        query = query.where(table.c.location == location)
    if before_tick is not None:
        query = query.where(table.c.tick_id < before_tick)
    query = query.order_by(table.c.tick_id.desc(), table.c.asset_key).limit(limit)
    return [_evaluation(row) for row in conn.execute(query)]


def _evaluation(row: sa.Row[Any]) -> EvaluationRecord:
    return EvaluationRecord(
        tick_id=int(row.tick_id),
        location=row.location,
        sensor_name=row.sensor_name,
        asset_key=row.asset_key,
        timestamp=row.timestamp,
        value_hash=row.value_hash,
        num_requested=row.num_requested,
        result=loads(row.result, {}),
        evaluation_id=int(row.id),
    )


def add_run_requests(
    conn: sa.Connection, *, tick_id: int, location: str, requests: Sequence[tuple[str, Sequence[str], str | None]]
) -> None:
    """The runs a tick will launch: (run key, asset keys, partition key) each."""
    if requests:
        conn.execute(
            sa.insert(automation_run_requests),
            [
                {
                    "tick_id": tick_id,
                    "location": location,
                    "run_key": run_key,
                    "asset_keys": dumps(list(keys)),
                    "partition_key": partition,
                    "run_id": None,
                }
                for run_key, keys, partition in requests
            ],
        )


def run_requests(conn: sa.Connection, tick_id: int) -> list[RunRequestRecord]:
    table = automation_run_requests
    rows = conn.execute(sa.select(table).where(table.c.tick_id == tick_id).order_by(table.c.id))
    return [
        RunRequestRecord(
            request_id=int(row.id),
            tick_id=int(row.tick_id),
            location=row.location,
            run_key=row.run_key,
            asset_keys=tuple(loads(row.asset_keys, [])),
            partition_key=row.partition_key,
            run_id=row.run_id,
        )
        for row in rows
    ]


def set_request_run(conn: sa.Connection, request_id: int, run_id: str) -> None:
    table = automation_run_requests
    conn.execute(sa.update(table).where(table.c.id == request_id).values(run_id=run_id))


# -- facts ---------------------------------------------------------------------------------------------
def materialized_partitions(conn: sa.Connection, asset_keys: Iterable[str]) -> dict[str, set[str]]:
    """For each of the assets, the partitions ("" when unpartitioned) with a materialization."""
    table = asset_materializations
    found: dict[str, set[str]] = {}
    keys = list(dict.fromkeys(asset_keys))
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        query = sa.select(table.c.asset_key, table.c.partition_key).where(table.c.asset_key.in_(chunk))
        for key, partition in conn.execute(query):
            found.setdefault(key, set()).add(partition)
    return found


def last_event_id(conn: sa.Connection) -> int:
    """The newest event's storage id: a tick's high-water mark for "materialized since"."""
    return int(conn.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0)


def materializations_between(conn: sa.Connection, after_id: int, until_id: int) -> list[tuple[str, str, float, str]]:
    """(asset key, partition ("" unpartitioned), timestamp, run id) of each materialization event
    stored after `after_id` up to `until_id`, oldest first."""
    query = (
        sa.select(events.c.asset_key, events.c.partition_key, events.c.timestamp, events.c.run_id)
        .where(events.c.event_type == MATERIALIZATION, events.c.id > after_id, events.c.id <= until_id)
        .order_by(events.c.id)
    )
    return [(key, partition or "", ts, run_id) for key, partition, ts, run_id in conn.execute(query) if key]


def run_selections(conn: sa.Connection, run_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each run's asset selection (empty for a job run that names none)."""
    ids = list(dict.fromkeys(run_ids))
    found: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(ids), _CHUNK):
        query = sa.select(runs.c.run_id, runs.c.asset_selection).where(runs.c.run_id.in_(ids[start : start + _CHUNK]))
        for run_id, selection in conn.execute(query):
            found[run_id] = tuple(loads(selection, []))
    return found


def latest_ticks(conn: sa.Connection, location: str, name: str) -> tuple[TickRecord | None, TickRecord | None]:
    """A sensor's newest tick, and its newest tick that left a cursor (the previous evaluation)."""
    newest = tick_store.list_ticks(conn, location, name, InstigatorKind.SENSOR, limit=1)
    if newest and newest[0].cursor is not None:
        return newest[0], newest[0]
    query = (
        sa.select(ticks.c.id)
        .where(
            ticks.c.location == location,
            ticks.c.kind == InstigatorKind.SENSOR,
            ticks.c.name == name,
            ticks.c.cursor.is_not(None),
        )
        .order_by(ticks.c.timestamp.desc(), ticks.c.id.desc())
        .limit(1)
    )
    tick_id = conn.execute(query).scalar()
    return (newest[0] if newest else None), (tick_store.get_tick(conn, int(tick_id)) if tick_id is not None else None)


def automation_ticks(
    conn: sa.Connection, sensors: Sequence[tuple[str, str]], *, before_id: int | None = None, limit: int = 50
) -> list[TickRecord]:
    """Ticks of these (location, sensor) pairs, newest first."""
    if not sensors:
        return []
    pairs = [sa.and_(ticks.c.location == loc, ticks.c.name == name) for loc, name in sensors]
    query = sa.select(ticks.c.id).where(ticks.c.kind == InstigatorKind.SENSOR, sa.or_(*pairs))
    if before_id is not None:
        query = query.where(ticks.c.id < before_id)
    ids = [int(i) for i in conn.execute(query.order_by(ticks.c.id.desc()).limit(limit)).scalars()]
    found = [tick_store.get_tick(conn, i) for i in ids]
    return [t for t in found if t is not None]


def evaluations_stored(conn: sa.Connection, tick_ids: Sequence[int]) -> dict[int, int]:
    """How many assets each tick stored an evaluation for."""
    table = automation_evaluations
    if not tick_ids:
        return {}
    query = sa.select(table.c.tick_id, sa.func.count()).where(table.c.tick_id.in_(list(tick_ids)))
    return {int(t): int(n) for t, n in conn.execute(query.group_by(table.c.tick_id))}


def requests_of_ticks(conn: sa.Connection, tick_ids: Sequence[int]) -> dict[int, list[RunRequestRecord]]:
    found: dict[int, list[RunRequestRecord]] = {}
    for tick_id in dict.fromkeys(tick_ids):
        found[tick_id] = run_requests(conn, tick_id)
    return found


def newest_evaluations(conn: sa.Connection, location: str | None = None) -> list[EvaluationRecord]:
    """Each asset's newest evaluation (in each location's sensors, or one location's)."""
    table = automation_evaluations
    newest = sa.select(table.c.location, table.c.asset_key, sa.func.max(table.c.tick_id).label("tick_id"))
    if location is not None:
        newest = newest.where(table.c.location == location)
    sub = newest.group_by(table.c.location, table.c.asset_key).subquery()
    query = (
        sa.select(table)
        .join(
            sub,
            sa.and_(
                table.c.location == sub.c.location,
                table.c.asset_key == sub.c.asset_key,
                table.c.tick_id == sub.c.tick_id,
            ),
        )
        .order_by(table.c.asset_key)
    )
    return [_evaluation(row) for row in conn.execute(query)]
