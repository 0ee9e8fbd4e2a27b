"""Schedules and sensors as a person sees them: state, targets, latest ticks; start, stop, cursor.

State is keyed by (location, kind, name) and stored only when a person starts or stops an
instigator, so until then its definition's default_status applies, and a reload or a restart of the
code server changes nothing. Plain functions over storage and the workspace; the Host API and the
CLI are thin layers over them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from host.domain.cron import CronError, CronSchedule
from host.errors import ConfigError, DefinitionNotFound
from host.locations.workspace import WorkspaceManager
from host.storage import instigators as store
from host.storage.records import InstigatorKind, InstigatorState, InstigatorStatus, TickRecord, TickStatus
from protos.weir.v1 import snapshot_pb2

SCHEDULE = InstigatorKind.SCHEDULE
SENSOR = InstigatorKind.SENSOR
CURSOR_STATUSES = (TickStatus.SUCCESS, TickStatus.SKIPPED)  # ticks whose cursor a sensor goes on from
Definition = snapshot_pb2.Schedule | snapshot_pb2.Sensor


def current_cursor(engine: Engine, location: str, name: str) -> str | None:
    """The cursor left by the sensor's latest successful tick."""
    with engine.connect() as conn:
        ticks = store.list_ticks(conn, location, name, SENSOR, statuses=CURSOR_STATUSES, limit=1)
    return ticks[0].cursor if ticks else None


@dataclass(frozen=True)
class InstigatorView:
    location: str
    name: str
    kind: str
    status: str
    status_from_code: bool
    definition: Definition
    cursor: str | None = None
    next_tick_time: float | None = None
    last_tick: TickRecord | None = None
    last_success: TickRecord | None = None


def _definitions(
    workspace: WorkspaceManager, kind: str | None, location: str | None
) -> list[tuple[str, str, Definition]]:
    handles = [workspace.get(location)] if location else workspace.handles()
    found: list[tuple[str, str, Definition]] = []
    for handle in handles:
        snapshot = handle.state.snapshot
        if snapshot is None:
            continue
        if kind in (None, SCHEDULE):
            found += [(handle.name, SCHEDULE, s) for s in snapshot.schedules]
        if kind in (None, SENSOR):
            found += [(handle.name, SENSOR, s) for s in snapshot.sensors]
    return found


def find(workspace: WorkspaceManager, kind: str, name: str, location: str | None) -> tuple[str, Definition]:
    """The one definition with this name; errors list what exists or ask for --location."""
    every = _definitions(workspace, kind, location)
    matches = [(loc, d) for loc, _, d in every if d.name == name]
    what = kind.lower()
    if not matches:
        known = ", ".join(sorted({d.name for _, _, d in every})) or "none"
        where = f"location {location!r}" if location else "any loaded location"
        raise DefinitionNotFound(
            f"no {what} named {name!r} in {where} ({what}s: {known}); `weir {what}s list` shows them"
        )
    if len(matches) > 1:
        places = ", ".join(sorted(loc for loc, _ in matches))
        raise ConfigError(f"{what} {name!r} exists in locations {places}: pass --location to choose one")
    return matches[0]


def _default_status(definition: Definition) -> InstigatorStatus:
    running = definition.default_status == snapshot_pb2.RUNNING
    return InstigatorStatus.RUNNING if running else InstigatorStatus.STOPPED


def _next_tick(definition: Definition, status: str, now: float) -> float | None:
    if status != InstigatorStatus.RUNNING or not isinstance(definition, snapshot_pb2.Schedule):
        return None
    try:
        return CronSchedule(tuple(definition.cron_schedules), definition.execution_timezone).next_after(now)
    except CronError:
        return None


def view(
    engine: Engine, location: str, kind: str, definition: Definition, state: InstigatorState | None, now: float
) -> InstigatorView:
    status = state.status if state is not None else _default_status(definition)
    with engine.connect() as conn:
        last = store.list_ticks(conn, location, definition.name, kind, limit=1)
        success = store.list_ticks(conn, location, definition.name, kind, statuses=(TickStatus.SUCCESS,), limit=1)
    cursor = current_cursor(engine, location, definition.name) if kind == SENSOR else None
    return InstigatorView(
        location=location,
        name=definition.name,
        kind=kind,
        status=status,
        status_from_code=state is None,
        definition=definition,
        cursor=cursor,
        next_tick_time=_next_tick(definition, status, now),
        last_tick=last[0] if last else None,
        last_success=success[0] if success else None,
    )


def list_instigators(
    engine: Engine, workspace: WorkspaceManager, *, now: float, kind: str | None = None, location: str | None = None
) -> list[InstigatorView]:
    """Every schedule and/or sensor of the loaded locations, by location and name."""
    with engine.connect() as conn:
        states = {(s.location, s.kind, s.name): s for s in store.list_instigator_states(conn, kind=kind)}
    found = sorted(_definitions(workspace, kind, location), key=lambda x: (x[0], x[1], x[2].name))
    return [view(engine, loc, k, d, states.get((loc, k, d.name)), now) for loc, k, d in found]


def set_status(
    engine: Engine, workspace: WorkspaceManager, *, kind: str, name: str, location: str | None, status: str, now: float
) -> InstigatorView:
    """Start or stop: stored per location and name, overriding default_status from then on."""
    if status not in tuple(InstigatorStatus):
        raise ConfigError(f"status must be RUNNING or STOPPED, not {status!r}")
    loc, definition = find(workspace, kind, name, location)
    with engine.begin() as conn:
        previous = store.get_instigator_state(conn, loc, name, kind)
        state = InstigatorState(
            location=loc,
            name=name,
            kind=kind,
            status=status,
            cursor=previous.cursor if previous else None,
            updated_at=now,
        )
        store.set_instigator_state(conn, state)
    return view(engine, loc, kind, definition, state, now)


def set_sensor_cursor(
    engine: Engine, workspace: WorkspaceManager, *, name: str, location: str | None, cursor: str | None, now: float
) -> InstigatorView:
    """Set (or clear, with None) a sensor's cursor: a SKIPPED tick carrying it, visible in the history."""
    loc, definition = find(workspace, SENSOR, name, location)
    reason = (
        "cursor cleared with `weir sensors cursor`" if cursor is None else ("cursor set with `weir sensors cursor`")
    )
    with engine.begin() as conn:
        store.add_tick(
            conn,
            location=loc,
            name=name,
            kind=SENSOR,
            status=TickStatus.SKIPPED,
            timestamp=now,
            reason=reason,
            cursor=cursor,
        )
        state = store.get_instigator_state(conn, loc, name, SENSOR)
    return view(engine, loc, SENSOR, definition, state, now)


def list_ticks(
    engine: Engine,
    workspace: WorkspaceManager,
    *,
    kind: str,
    name: str,
    location: str | None,
    limit: int = 20,
    statuses: tuple[str, ...] = (),
    cursor: str | None = None,
    max_bytes: int,
) -> tuple[list[TickRecord], str | None]:
    """A page of a schedule's or sensor's ticks, newest first, and the cursor of the next page."""
    loc, _ = find(workspace, kind, name, location)
    with engine.connect() as conn:
        return store.list_ticks_page(
            conn, loc, name, kind, statuses=statuses, limit=limit, cursor=cursor, max_bytes=max_bytes
        )
