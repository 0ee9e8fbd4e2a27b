"""A run's summary, kept at ingest: what the run page and `weir runs show` read instead of its events.

`events.add_events`, the only writer of events, passes the events it stores for the first time to `add`
in the same transaction, so the summary always agrees with the log. Three tables (migration 0008), and the
attempt marks (migration 0010):

- `run_event_counts`: events per (step, type, level) with their first and last sequence. The counts by
  type and by level, the total, the first error, a step's attempts, and how many events a filter without
  text keeps all come from these few rows.
- `run_steps`: what order decides — a step's first start time, its latest start, end (with the end's
  time and kind) and retry — and the bytes of stdout and stderr it printed. Its status is derived on read.
- `run_step_assets`: the assets each step materialized.
- `run_step_attempts`: each start of a step (STEP_START, then STEP_RESTARTED for each retry) and each end
  (up for retry, success, failure, skipped): a few rows per attempt, read into `Attempt`s.

Every column merges by a sum, a min or a max (an end by its sequence), so batches stored in any order
give the same summary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from host.storage._sql import insert, insert_ignoring_duplicates
from host.storage.records import EventRecord
from host.storage.schema import run_event_counts, run_step_assets, run_step_attempts, run_steps
from protos.weir.v1 import common_pb2

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "EVENT")
ERROR_LEVELS = ("ERROR", "CRITICAL")
LOG_LEVELS = frozenset(LEVELS[:5])
COMPUTE_LOG = "COMPUTE_LOG"
MATERIALIZATION = "ASSET_MATERIALIZATION"
STEP_START = "STEP_START"
STEP_RESTARTED = "STEP_RESTARTED"  # a retry's attempt begins
STEP_STARTS = (STEP_START, STEP_RESTARTED)
STEP_RETRY = "STEP_UP_FOR_RETRY"
STEP_ENDS = {"STEP_SUCCESS": "SUCCESS", "STEP_FAILURE": "FAILURE", "STEP_SKIPPED": "SKIPPED"}
_STEP_STATE = frozenset((*STEP_STARTS, STEP_RETRY, COMPUTE_LOG, *STEP_ENDS))
# An attempt's marks: its start, and how it ended (UP_FOR_RETRY: it failed and the step retries).
_MARKS = {STEP_START: "START", STEP_RESTARTED: "START", STEP_RETRY: "UP_FOR_RETRY", **STEP_ENDS}
_NO_SEQUENCE = -1


def event_level(event: common_pb2.RunEvent) -> str:
    """The level an event shows at: a log's own (an unknown one counts as INFO), what other events mean
    (a failure is ERROR, a retry WARNING, a failed check by its severity), EVENT for the rest."""
    kind = event.type
    if kind == common_pb2.LOG:
        return event.level if event.level in LOG_LEVELS else "INFO"
    if kind == common_pb2.COMPUTE_LOG:
        return "INFO"
    if kind in (common_pb2.STEP_FAILURE, common_pb2.RUN_FAILURE):
        return "ERROR"
    if kind == common_pb2.STEP_UP_FOR_RETRY:
        return "WARNING"
    if kind == common_pb2.ASSET_CHECK_EVALUATION and not event.check_passed:
        return "ERROR" if event.check_severity == "ERROR" else "WARNING"
    return "EVENT"


@dataclass
class _Step:
    """A batch's share of one step's `run_steps` row."""

    started_at: float | None = None
    last_start_sequence: int = _NO_SEQUENCE
    last_end_sequence: int = _NO_SEQUENCE
    ended_at: float | None = None
    end_status: str | None = None
    last_retry_sequence: int = _NO_SEQUENCE
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    dropped_bytes: int = 0

    def add(self, event: EventRecord) -> None:
        kind, sequence = event.event_type, event.sequence
        if kind == COMPUTE_LOG:
            if event.dropped_bytes:
                self.dropped_bytes += event.dropped_bytes  # a marker's text is Weir's words, not output
            elif event.stream == "stderr":
                self.stderr_bytes += event.text_bytes
            else:
                self.stdout_bytes += event.text_bytes
        elif kind in STEP_STARTS:
            if self.started_at is None or event.timestamp < self.started_at:
                self.started_at = event.timestamp
            self.last_start_sequence = max(self.last_start_sequence, sequence)
        elif kind == STEP_RETRY:
            self.last_retry_sequence = max(self.last_retry_sequence, sequence)
        elif sequence > self.last_end_sequence:
            self.last_end_sequence, self.ended_at, self.end_status = sequence, event.timestamp, STEP_ENDS[kind]


def add(conn: sa.Connection, records: Sequence[EventRecord]) -> None:
    """Add newly stored events (each once, with its level) to their runs' summaries: one upsert per table."""
    counts: dict[tuple[str, str, str, str], list[int]] = {}
    steps: dict[tuple[str, str], _Step] = {}
    assets: set[tuple[str, str, str]] = set()
    marks: list[dict[str, Any]] = []
    for event in records:
        sequence = event.sequence
        key = (event.run_id, event.step_key, event.event_type, event.level or "EVENT")
        count = counts.get(key)
        if count is None:
            counts[key] = [1, sequence, sequence]
        else:
            count[0] += 1
            if sequence < count[1]:
                count[1] = sequence
            elif sequence > count[2]:
                count[2] = sequence
        if event.event_type in _STEP_STATE:
            step = steps.get((event.run_id, event.step_key))
            if step is None:
                step = steps[(event.run_id, event.step_key)] = _Step()
            step.add(event)
            mark = _MARKS.get(event.event_type)
            if mark is not None and event.step_key:
                marks.append(
                    {
                        "run_id": event.run_id,
                        "step_key": event.step_key,
                        "sequence": sequence,
                        "mark": mark,
                        "timestamp": event.timestamp,
                    }
                )
        elif event.event_type == MATERIALIZATION and event.asset_key:
            assets.add((event.run_id, event.step_key, event.asset_key))
    if counts:
        columns = ("run_id", "step_key", "event_type", "level", "event_count", "first_sequence", "last_sequence")
        rows = [dict(zip(columns, (*key, *value), strict=True)) for key, value in sorted(counts.items())]
        conn.execute(_upsert(conn, run_event_counts, _merge_counts), rows)
    if steps:
        rows = [{"run_id": run, "step_key": key, **vars(step)} for (run, key), step in sorted(steps.items())]
        conn.execute(_upsert(conn, run_steps, _merge_steps), rows)
    if assets:
        rows = [{"run_id": r, "step_key": s, "asset_key": a} for r, s, a in sorted(assets)]
        conn.execute(insert_ignoring_duplicates(conn, run_step_assets), rows)
    if marks:
        conn.execute(insert_ignoring_duplicates(conn, run_step_attempts), marks)


def _least(old: Any, new: Any) -> Any:
    return sa.case((new < old, new), else_=old)


def _greatest(old: Any, new: Any) -> Any:
    return sa.case((new > old, new), else_=old)


_UPSERTS: dict[tuple[str, str], Any] = {}


def _upsert(conn: sa.Connection, table: sa.Table, merge: Callable[[Any], dict[str, Any]]) -> Any:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE SET `merge`, built once per dialect (a hot path).

    In the SET clause a table's column is the stored row's value before the update, on both backends."""
    key = (conn.dialect.name, table.name)
    if key not in _UPSERTS:
        stmt = insert(conn, table)
        _UPSERTS[key] = stmt.on_conflict_do_update(index_elements=list(table.primary_key), set_=merge(stmt.excluded))
    return _UPSERTS[key]


def _merge_counts(new: Any) -> dict[str, Any]:
    table = run_event_counts
    return {
        "event_count": table.c.event_count + new.event_count,
        "first_sequence": _least(table.c.first_sequence, new.first_sequence),
        "last_sequence": _greatest(table.c.last_sequence, new.last_sequence),
    }


def _merge_steps(new: Any) -> dict[str, Any]:
    table = run_steps
    later_end = new.last_end_sequence > table.c.last_end_sequence
    return {
        "started_at": sa.case(
            (new.started_at < table.c.started_at, new.started_at),
            else_=sa.func.coalesce(table.c.started_at, new.started_at),
        ),
        "last_start_sequence": _greatest(table.c.last_start_sequence, new.last_start_sequence),
        "last_end_sequence": _greatest(table.c.last_end_sequence, new.last_end_sequence),
        "ended_at": sa.case((later_end, new.ended_at), else_=table.c.ended_at),
        "end_status": sa.case((later_end, new.end_status), else_=table.c.end_status),
        "last_retry_sequence": _greatest(table.c.last_retry_sequence, new.last_retry_sequence),
        **{name: table.c[name] + new[name] for name in ("stdout_bytes", "stderr_bytes", "dropped_bytes")},
    }


@dataclass(frozen=True)
class EventCount:
    """How many of a run's events share a step, type and level, and where the first and last are."""

    step_key: str
    event_type: str
    level: str
    count: int
    first_sequence: int
    last_sequence: int


@dataclass(frozen=True)
class StepState:
    """A step's `run_steps` row."""

    step_key: str
    started_at: float | None
    last_start_sequence: int
    last_end_sequence: int
    ended_at: float | None
    end_status: str | None
    last_retry_sequence: int
    stdout_bytes: int
    stderr_bytes: int
    dropped_bytes: int


def event_counts(conn: sa.Connection, run_id: str) -> list[EventCount]:
    table = run_event_counts
    query = sa.select(*(table.c[name] for name in _COUNT_COLUMNS)).where(table.c.run_id == run_id)
    return [EventCount(s, t, lv, int(n), int(s0), int(s1)) for s, t, lv, n, s0, s1 in conn.execute(query)]


_COUNT_COLUMNS = ("step_key", "event_type", "level", "event_count", "first_sequence", "last_sequence")


def step_states(conn: sa.Connection, run_id: str) -> list[StepState]:
    query = sa.select(*_STATE_COLUMNS).where(run_steps.c.run_id == run_id)
    return [StepState(*row) for row in conn.execute(query)]


_STATE_COLUMNS = [run_steps.c[name] for name in StepState.__dataclass_fields__]


def step_assets(conn: sa.Connection, run_id: str) -> dict[str, list[str]]:
    """The assets each step of the run materialized, sorted."""
    table = run_step_assets
    query = sa.select(table.c.step_key, table.c.asset_key).where(table.c.run_id == run_id).order_by(table.c.asset_key)
    assets: dict[str, list[str]] = {}
    for step_key, asset_key in conn.execute(query):
        assets.setdefault(step_key, []).append(asset_key)
    return assets


def log_sizes(conn: sa.Connection, run_id: str) -> list[StepState]:
    """The steps that printed output ("" for the run's own), in the order each first printed."""
    counts = run_event_counts
    first = (
        sa.select(counts.c.step_key, sa.func.min(counts.c.first_sequence).label("first"))
        .where(counts.c.run_id == run_id, counts.c.event_type == COMPUTE_LOG)
        .group_by(counts.c.step_key)
        .subquery()
    )
    query = (
        sa.select(*_STATE_COLUMNS)
        .join(first, first.c.step_key == run_steps.c.step_key)
        .where(run_steps.c.run_id == run_id)
        .order_by(first.c.first)
    )
    return [StepState(*row) for row in conn.execute(query)]


@dataclass(frozen=True)
class Attempt:
    """One attempt of a step: from its start (STEP_START, or STEP_RESTARTED for a retry) to its end."""

    number: int  # 1 for the first
    start_sequence: int
    start: float
    end_sequence: int | None  # None: not ended (running, or abandoned when a later attempt exists)
    end: float | None
    outcome: str  # STARTED | UP_FOR_RETRY | SUCCESS | FAILURE | SKIPPED


def step_attempts(conn: sa.Connection, run_id: str, steps: Sequence[str] = ()) -> dict[str, list[Attempt]]:
    """Each step's attempts (of these steps, if any are named), in order: from its marks, a few rows per
    attempt. A step skipped without a start has none."""
    table = run_step_attempts
    query = sa.select(table.c.step_key, table.c.sequence, table.c.mark, table.c.timestamp).where(
        table.c.run_id == run_id
    )
    if steps:
        query = query.where(table.c.step_key.in_(steps))
    attempts: dict[str, list[Attempt]] = {}
    for step_key, sequence, mark, timestamp in conn.execute(query.order_by(table.c.step_key, table.c.sequence)):
        tries = attempts.setdefault(step_key, [])
        if mark == "START":
            tries.append(Attempt(len(tries) + 1, int(sequence), timestamp, None, None, "STARTED"))
        elif tries and tries[-1].end_sequence is None:
            tries[-1] = dataclasses.replace(tries[-1], end_sequence=int(sequence), end=timestamp, outcome=mark)
    return {key: tries for key, tries in attempts.items() if tries}
