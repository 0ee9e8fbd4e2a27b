"""A run's event log as the run page reads it: one aggregate over the run's events, and keyset pages of
events filtered in SQL, so that a run of 100,000 events never travels to the browser whole.

The aggregate groups the run's events by (type, step, level, asset): a few hundred rows at most, from
which the step summary (start, end, status, attempts), the counts by level and by type, the first
error and the number of events any structural filter keeps are all derived without another query.

A level is not a column. LOG events carry theirs in the serialized body (`RunEvent.level`, field 16),
so SQL finds it as the field's exact encoding in the bytes; other events take the level of what they
mean (a failure is ERROR, a retry WARNING, the rest EVENT). Text search is a substring of the stored
event (its message, step, asset, metadata and error), case-insensitive for ASCII letters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from host.storage._sql import fit_page
from host.storage.schema import events

COMPUTE_LOG = "COMPUTE_LOG"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "EVENT")
ERROR_LEVELS = ("ERROR", "CRITICAL")
# Most logs are INFO: testing for it first spares the other searches; an unknown level counts as INFO.
_LOG_LEVELS = ("INFO", "WARNING", "ERROR", "DEBUG", "CRITICAL")
_STEP_ENDS = {"STEP_SUCCESS": "SUCCESS", "STEP_FAILURE": "FAILURE", "STEP_SKIPPED": "SKIPPED"}
_LEVEL_FIELD = 16  # RunEvent.level
_SEVERITY_FIELD = 13  # RunEvent.check_severity
_STREAM_FIELD = 17  # RunEvent.stream
_SIZED_ROWS = 1001  # chunk sizes read for one page of captured output


def field_bytes(number: int, text: str) -> bytes:
    """How protobuf encodes a short string field: its key (field number, wire type 2), length, bytes."""
    value = text.encode()
    key = (number << 3) | 2
    tag = bytes([key]) if key < 0x80 else bytes([(key & 0x7F) | 0x80, key >> 7])
    return tag + bytes([len(value)]) + value


def _has_bytes(dialect: str, column: Any, needle: bytes) -> Any:
    found = sa.literal(needle, sa.LargeBinary)
    if dialect == "postgresql":
        return sa.func.pg_catalog.position(column, found) > 0
    return sa.func.instr(column, found) > 0


def level_column(dialect: str) -> Any:
    """The level of each event as a SQL expression (see the module docstring)."""
    body, kind = events.c.body, events.c.event_type
    log_level = sa.case(
        *((_has_bytes(dialect, body, field_bytes(_LEVEL_FIELD, name)), name) for name in _LOG_LEVELS),
        else_="INFO",
    )
    failed_check = sa.and_(kind == "ASSET_CHECK_EVALUATION", events.c.check_passed == sa.false())
    return sa.case(  # the most frequent types first
        (kind == "LOG", log_level),
        (kind == COMPUTE_LOG, "INFO"),
        (kind.in_(("RUN_FAILURE", "STEP_FAILURE")), "ERROR"),
        (kind == "STEP_UP_FOR_RETRY", "WARNING"),
        (sa.and_(failed_check, _has_bytes(dialect, body, field_bytes(_SEVERITY_FIELD, "ERROR"))), "ERROR"),
        (failed_check, "WARNING"),
        else_="EVENT",
    )


def _text_match(dialect: str, text: str) -> Any:
    """Whether the stored event contains `text`, ASCII letters in either case.

    SQLite lowers the body's bytes as they are (NULs included) and searches bytes. PostgreSQL has no
    lower() for bytea, so both sides go through its 'escape' text form (bytes >= 0x80 and NUL as \\ooo);
    a search made of digits may then also match inside such an escape (rows that do not really contain
    it are dropped by `text_matches` when a page is read).
    """
    needle = text.encode()
    if dialect == "postgresql":
        escaped = _pg_escape(needle).lower()
        return sa.func.strpos(sa.func.lower(sa.func.encode(events.c.body, "escape")), escaped) > 0
    return (
        sa.func.instr(sa.cast(sa.func.lower(events.c.body), sa.LargeBinary), sa.literal(needle.lower(), sa.LargeBinary))
        > 0
    )


def _pg_escape(data: bytes) -> str:
    """PostgreSQL's encode(data, 'escape'), in Python."""
    out = []
    for byte in data:
        if byte == 0 or byte >= 0x80:
            out.append(f"\\{byte:03o}")
        elif byte == 0x5C:
            out.append("\\\\")
        else:
            out.append(chr(byte))
    return "".join(out)


def text_matches(body: bytes, text: str) -> bool:
    """The search `_text_match` runs in SQL, in Python: whether the event's bytes hold the text."""
    return not text or text.encode().lower() in body.lower()


@dataclass(frozen=True)
class EventFilter:
    """Which events a view shows: each non-empty part narrows it (steps, types and levels: any of)."""

    steps: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    text: str = ""

    def clauses(self, dialect: str) -> list[Any]:
        where: list[Any] = []
        if self.steps:
            where.append(events.c.step_key.in_(self.steps))
        if self.types:
            where.append(events.c.event_type.in_(self.types))
        if self.levels:
            where.append(level_column(dialect).in_(self.levels))
        if self.text:
            where.append(_text_match(dialect, self.text))
        return where

    def keeps(self, group: Group) -> bool:
        """Whether a group's events pass the structural part of the filter (all but text)."""
        return (
            (not self.steps or group.step_key in self.steps)
            and (not self.types or group.event_type in self.types)
            and (not self.levels or group.level in self.levels)
        )


@dataclass(frozen=True)
class Group:
    """The events of a run sharing a type, step, level and asset key."""

    event_type: str
    step_key: str
    level: str
    asset_key: str | None
    count: int
    first_sequence: int
    last_sequence: int
    first_time: float
    last_time: float


def event_groups(conn: sa.Connection, run_id: str, *, after_sequence: int = -1) -> list[Group]:
    """The run's events after a sequence, grouped: one pass over them in one query."""
    level = level_column(conn.dialect.name).label("level")
    query = (
        sa.select(
            events.c.event_type,
            events.c.step_key,
            level,
            events.c.asset_key,
            sa.func.count(),
            sa.func.min(events.c.sequence),
            sa.func.max(events.c.sequence),
            sa.func.min(events.c.timestamp),
            sa.func.max(events.c.timestamp),
        )
        .where(events.c.run_id == run_id, events.c.sequence > after_sequence)
        .group_by(events.c.event_type, events.c.step_key, level, events.c.asset_key)
    )
    return [
        Group(t, s, lv, a, int(n), int(s0), int(s1), float(t0), float(t1))
        for t, s, lv, a, n, s0, s1, t0, t1 in conn.execute(query)
    ]


@dataclass
class StepSummary:
    """One step as the run page's Gantt and step list show it."""

    step_key: str
    status: str  # STARTED | RETRYING | SUCCESS | FAILURE | SKIPPED | PENDING (events but no start)
    start: float | None
    end: float | None
    attempts: int
    first_sequence: int
    error_sequence: int | None
    events: int
    assets: list[str] = field(default_factory=list)


@dataclass
class LogSummary:
    total: int
    last_sequence: int
    by_type: dict[str, int]
    by_level: dict[str, int]
    first_error: int | None  # the sequence of the first ERROR or CRITICAL event
    steps: list[StepSummary]


def summarize(groups: Iterable[Group]) -> LogSummary:
    """The run's step summary and counts, from its groups."""
    groups = list(groups)
    by_type: dict[str, int] = {}
    by_level: dict[str, int] = {}
    for g in groups:
        by_type[g.event_type] = by_type.get(g.event_type, 0) + g.count
        by_level[g.level] = by_level.get(g.level, 0) + g.count
    errors = [g.first_sequence for g in groups if g.level in ERROR_LEVELS]
    per_step: dict[str, list[Group]] = {}
    for g in groups:
        if g.step_key:
            per_step.setdefault(g.step_key, []).append(g)
    steps = sorted((_step(key, gs) for key, gs in per_step.items()), key=lambda s: s.first_sequence)
    return LogSummary(
        total=sum(by_type.values()),
        last_sequence=max((g.last_sequence for g in groups), default=-1),
        by_type=by_type,
        by_level=by_level,
        first_error=min(errors, default=None),
        steps=steps,
    )


def _step(key: str, groups: Sequence[Group]) -> StepSummary:
    starts = [g for g in groups if g.event_type == "STEP_START"]
    ends = [g for g in groups if g.event_type in _STEP_ENDS]
    retries = [g for g in groups if g.event_type == "STEP_UP_FOR_RETRY"]
    last_start = max((g.last_sequence for g in starts), default=-1)
    last_end = max(ends, key=lambda g: g.last_sequence, default=None)
    last_retry = max((g.last_sequence for g in retries), default=-1)
    if last_end is not None and last_end.last_sequence > last_start:
        status = _STEP_ENDS[last_end.event_type]
    elif last_retry > last_start:
        status = "RETRYING"
    elif starts:
        status = "STARTED"
    else:
        status = "PENDING"
    failures = [g.first_sequence for g in groups if g.event_type == "STEP_FAILURE"]
    return StepSummary(
        step_key=key,
        status=status,
        start=min((g.first_time for g in starts), default=None),
        end=max((g.last_time for g in ends), default=None) if status in _STEP_ENDS.values() else None,
        attempts=sum(g.count for g in starts),
        first_sequence=min(g.first_sequence for g in groups),
        error_sequence=min(failures, default=None),
        events=sum(g.count for g in groups),
        assets=sorted({g.asset_key for g in groups if g.asset_key and g.event_type == "ASSET_MATERIALIZATION"}),
    )


def count_kept(groups: Iterable[Group], where: EventFilter) -> int:
    """How many events pass a filter without text: counted from the groups, no query."""
    return sum(g.count for g in groups if where.keeps(g))


def count_matching(conn: sa.Connection, run_id: str, where: EventFilter) -> int:
    """How many of the run's events pass a filter, in SQL (for a text search)."""
    query = sa.select(sa.func.count()).where(events.c.run_id == run_id, *where.clauses(conn.dialect.name))
    return int(conn.execute(query).scalar_one())


@dataclass(frozen=True)
class EventRow:
    sequence: int
    level: str
    body: bytes  # the serialized weir.v1.RunEvent


def events_after(
    conn: sa.Connection, run_id: str, where: EventFilter, *, after: int, limit: int
) -> tuple[list[EventRow], bool, int]:
    """Up to `limit` events after a sequence that pass the filter, oldest first; whether more follow;
    and the last sequence read (where the next page starts)."""
    rows = _rows(conn, run_id, where, events.c.sequence > after, events.c.sequence, limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    last = rows[-1].sequence if rows else after
    return [r for r in rows if text_matches(r.body, where.text)], more, last


def events_before(
    conn: sa.Connection, run_id: str, where: EventFilter, *, before: int, limit: int
) -> tuple[list[EventRow], bool]:
    """Up to `limit` events before a sequence that pass the filter, oldest first, and whether more precede."""
    rows = _rows(conn, run_id, where, events.c.sequence < before, events.c.sequence.desc(), limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    return [r for r in rows[::-1] if text_matches(r.body, where.text)], more


def _rows(conn: sa.Connection, run_id: str, where: EventFilter, bound: Any, order: Any, limit: int) -> list[EventRow]:
    dialect = conn.dialect.name
    query = (
        sa.select(events.c.sequence, level_column(dialect), events.c.body)
        .where(events.c.run_id == run_id, bound, *where.clauses(dialect))
        .order_by(order)
        .limit(limit)
    )
    return [EventRow(int(seq), level, body) for seq, level, body in conn.execute(query)]


@dataclass(frozen=True)
class LogChunkRow:
    sequence: int
    body: bytes  # a COMPUTE_LOG weir.v1.RunEvent; the text is its message


def compute_log_tail(
    conn: sa.Connection,
    run_id: str,
    *,
    step_key: str | None,
    stream: str | None,
    before: int | None = None,
    max_bytes: int,
) -> tuple[list[LogChunkRow], bool]:
    """The newest chunks of captured output (before a sequence, if given) that fit in `max_bytes` (at
    least one: a chunk is at most 64 KB), oldest first, and whether earlier output exists."""
    where = _log_clauses(conn.dialect.name, run_id, step_key, stream)
    if before is not None:
        where.append(events.c.sequence < before)
    return _chunk_page(conn, where, events.c.sequence.desc(), max_bytes)


def compute_log_after(
    conn: sa.Connection, run_id: str, *, step_key: str | None, stream: str | None, after: int, max_bytes: int
) -> tuple[list[LogChunkRow], bool]:
    """Chunks of captured output after a sequence that fit in `max_bytes` (at least one), oldest first,
    and whether more follow: a live tail's next read."""
    where = [*_log_clauses(conn.dialect.name, run_id, step_key, stream), events.c.sequence > after]
    return _chunk_page(conn, where, events.c.sequence, max_bytes)


def _chunk_page(conn: sa.Connection, where: list[Any], order: Any, max_bytes: int) -> tuple[list[LogChunkRow], bool]:
    """Sizes first (the database sums them), then only the bodies that fit, in sequence order."""
    sized = conn.execute(
        sa.select(events.c.sequence, sa.func.length(events.c.body)).where(*where).order_by(order).limit(_SIZED_ROWS)
    ).all()
    count, more = fit_page([size for _, size in sized], limit=_SIZED_ROWS - 1, max_bytes=max_bytes)
    if not count:
        return [], False
    low, high = sorted((sized[0][0], sized[count - 1][0]))
    query = sa.select(events.c.sequence, events.c.body).where(*where, events.c.sequence.between(low, high))
    return [LogChunkRow(int(s), b) for s, b in conn.execute(query.order_by(events.c.sequence))], more


def _log_clauses(dialect: str, run_id: str, step_key: str | None, stream: str | None) -> list[Any]:
    where = [events.c.run_id == run_id, events.c.event_type == COMPUTE_LOG]
    if step_key is not None:
        where.append(events.c.step_key == step_key)
    if stream:
        where.append(_has_bytes(dialect, events.c.body, field_bytes(_STREAM_FIELD, stream)))
    return where
