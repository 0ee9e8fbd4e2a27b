"""A run's event log as the run page reads it: the run's summary kept at ingest, and keyset pages of
events filtered in SQL, so that a run of 100,000 events never travels to the browser whole.

The summary (host/storage/run_summary.py) is a few rows per step, whatever the run's size: the step
list (start, end, status, and each attempt's start, end and outcome), the counts by level and by type,
the first error and the number of events any filter without text keeps all come from it. Each event's
level is a column set at ingest (`run_summary.event_level`). Text search is a substring of the stored
event (its message, step, asset, metadata and error), case-insensitive for ASCII letters. An event belongs
to the attempt of its step that began last before it (a step's attempts start at its STEP_START, then at
each STEP_RESTARTED), so an attempt is a range of sequences of its step and the `attempt` filter is a
range in SQL.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from host.storage import run_summary
from host.storage._sql import fit_page
from host.storage.run_summary import COMPUTE_LOG as COMPUTE_LOG
from host.storage.run_summary import ERROR_LEVELS, STEP_ENDS, STEP_STARTS, Attempt, EventCount, StepState
from host.storage.run_summary import LEVELS as LEVELS
from host.storage.schema import events

_STREAM_FIELD = 17  # RunEvent.stream
_SIZED_ROWS = 1001  # chunk sizes read for one page of captured output
_AFTER_ALL = 1 << 62  # a sequence after every event


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
    """Which events a view shows: each non-empty part narrows it (steps, types and levels: any of).

    `attempt` keeps the events of that attempt of each step (of the steps named, if any); its sequence
    ranges are read by `with_attempt_ranges` before the filter is used."""

    steps: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    text: str = ""
    attempt: int | None = None
    attempt_ranges: tuple[tuple[str, int, int], ...] = ()  # (step, first sequence, sequence after)

    @property
    def counted(self) -> bool:
        """Whether the run's counts tell how many events pass (no text, no attempt): no query needed."""
        return not self.text and self.attempt is None

    def clauses(self, dialect: str) -> list[Any]:
        where: list[Any] = []
        if self.attempt is not None:
            spans = [
                sa.and_(events.c.step_key == step, events.c.sequence >= low, events.c.sequence < high)
                for step, low, high in self.attempt_ranges
            ]
            where.append(sa.or_(*spans) if spans else sa.false())
        if self.steps:
            where.append(events.c.step_key.in_(self.steps))
        if self.types:
            where.append(events.c.event_type.in_(self.types))
        if self.levels:
            where.append(events.c.level.in_(self.levels))
        if self.text:
            where.append(_text_match(dialect, self.text))
        return where

    def keeps(self, count: EventCount) -> bool:
        """Whether a count's events pass the structural part of the filter (all but text)."""
        return (
            (not self.steps or count.step_key in self.steps)
            and (not self.types or count.event_type in self.types)
            and (not self.levels or count.level in self.levels)
        )


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
    stdout_bytes: int = 0  # captured output
    stderr_bytes: int = 0
    attempt_list: list[Attempt] = field(default_factory=list)  # each attempt's start, end and outcome


@dataclass
class LogSummary:
    total: int
    last_sequence: int
    by_type: dict[str, int]
    by_level: dict[str, int]
    first_error: int | None  # the sequence of the first ERROR or CRITICAL event
    steps: list[StepSummary]


def read_summary(conn: sa.Connection, run_id: str) -> tuple[LogSummary, list[EventCount]]:
    """The run's step summary and counts, and the counts they come from: four small indexed reads."""
    counts = run_summary.event_counts(conn, run_id)
    states = run_summary.step_states(conn, run_id)
    attempts = run_summary.step_attempts(conn, run_id)
    return summarize(counts, states, run_summary.step_assets(conn, run_id), attempts), counts


def summarize(
    counts: Iterable[EventCount],
    states: Iterable[StepState],
    assets: Mapping[str, list[str]],
    attempts: Mapping[str, list[Attempt]] | None = None,
) -> LogSummary:
    """The run's step summary and counts, from its summary rows."""
    counts = list(counts)
    by_type: dict[str, int] = {}
    by_level: dict[str, int] = {}
    per_step: dict[str, list[EventCount]] = {}
    for c in counts:
        by_type[c.event_type] = by_type.get(c.event_type, 0) + c.count
        by_level[c.level] = by_level.get(c.level, 0) + c.count
        if c.step_key:
            per_step.setdefault(c.step_key, []).append(c)
    errors = [c.first_sequence for c in counts if c.level in ERROR_LEVELS]
    state = {s.step_key: s for s in states}
    tries = attempts or {}
    steps = [_step(key, cs, state.get(key), assets.get(key, []), tries.get(key, [])) for key, cs in per_step.items()]
    return LogSummary(
        total=sum(by_type.values()),
        last_sequence=max((c.last_sequence for c in counts), default=-1),
        by_type=by_type,
        by_level=by_level,
        first_error=min(errors, default=None),
        steps=sorted(steps, key=lambda s: s.first_sequence),
    )


def _step(
    key: str, counts: Sequence[EventCount], state: StepState | None, assets: list[str], attempts: list[Attempt]
) -> StepSummary:
    """A step's status is its latest end, retry or start, whichever came last."""
    state = state or StepState(key, None, -1, -1, None, None, -1, 0, 0, 0)
    if state.last_end_sequence > state.last_start_sequence and state.end_status:
        status = state.end_status
    elif state.last_retry_sequence > state.last_start_sequence:
        status = "RETRYING"
    elif state.last_start_sequence >= 0:
        status = "STARTED"
    else:
        status = "PENDING"
    failures = [c.first_sequence for c in counts if c.event_type == "STEP_FAILURE"]
    return StepSummary(
        step_key=key,
        status=status,
        start=state.started_at,
        end=state.ended_at if status in STEP_ENDS.values() else None,
        attempts=len(attempts) or sum(c.count for c in counts if c.event_type in STEP_STARTS),
        first_sequence=min(c.first_sequence for c in counts),
        error_sequence=min(failures, default=None),
        events=sum(c.count for c in counts),
        assets=assets,
        stdout_bytes=state.stdout_bytes,
        stderr_bytes=state.stderr_bytes,
        attempt_list=attempts,
    )


def with_attempt_ranges(conn: sa.Connection, run_id: str, where: EventFilter) -> EventFilter:
    """The filter with the sequence ranges of its attempt read (none: a filter without an attempt)."""
    if where.attempt is None:
        return where
    ranges = []
    for step, attempts in run_summary.step_attempts(conn, run_id, where.steps).items():
        span = attempt_span(attempts, where.attempt)
        if span is not None:
            ranges.append((step, *span))
    return dataclasses.replace(where, attempt_ranges=tuple(ranges))


def attempt_span(attempts: Sequence[Attempt], number: int) -> tuple[int, int] | None:
    """The sequences of a step's events in its attempt `number` (the first attempt also holds what came
    before its start), as [first, after); None if the step has no such attempt."""
    if not 1 <= number <= len(attempts):
        return None
    low = attempts[number - 1].start_sequence if number > 1 else -1
    high = attempts[number].start_sequence if number < len(attempts) else _AFTER_ALL
    return low, high


def attempt_of(attempts: Sequence[Attempt], sequence: int) -> int:
    """The attempt an event of the step belongs to: the last begun at or before it (1 before any)."""
    starts = [a.start_sequence for a in attempts]
    return max(1, bisect.bisect_right(starts, sequence))


def count_kept(counts: Iterable[EventCount], where: EventFilter) -> int:
    """How many events pass a filter without text or attempt: from the run's counts, no query."""
    return sum(c.count for c in counts if where.keeps(c))


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
        sa.select(events.c.sequence, events.c.level, events.c.body)
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
    span: tuple[int, int] | None = None,
) -> tuple[list[LogChunkRow], bool]:
    """The newest chunks of captured output (before a sequence, if given) that fit in `max_bytes` (at
    least one: a chunk is at most 64 KB), oldest first, and whether earlier output exists. `span`: only
    the chunks in this range of sequences (one attempt of the step, `attempt_span`)."""
    where = _log_clauses(conn.dialect.name, run_id, step_key, stream, span)
    if before is not None:
        where.append(events.c.sequence < before)
    return _chunk_page(conn, where, events.c.sequence.desc(), max_bytes)


def compute_log_after(
    conn: sa.Connection,
    run_id: str,
    *,
    step_key: str | None,
    stream: str | None,
    after: int,
    max_bytes: int,
    span: tuple[int, int] | None = None,
) -> tuple[list[LogChunkRow], bool]:
    """Chunks of captured output after a sequence that fit in `max_bytes` (at least one), oldest first,
    and whether more follow: a live tail's next read."""
    where = [*_log_clauses(conn.dialect.name, run_id, step_key, stream, span), events.c.sequence > after]
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


def _log_clauses(
    dialect: str, run_id: str, step_key: str | None, stream: str | None, span: tuple[int, int] | None
) -> list[Any]:
    where = [events.c.run_id == run_id, events.c.event_type == COMPUTE_LOG]
    if span is not None:
        where += [events.c.sequence >= span[0], events.c.sequence < span[1]]
    if step_key is not None:
        where.append(events.c.step_key == step_key)
    if stream:
        where.append(_has_bytes(dialect, events.c.body, field_bytes(_STREAM_FIELD, stream)))
    return where
