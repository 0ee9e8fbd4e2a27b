"""The run page's data: its header, step summary, counts and one page of its event log in one answer,
the new events after a sequence for the live stream, and pages of captured output.

The step summary and counts come from the run summary storage keeps at ingest (a few rows per step),
so opening a run of any size reads none of its events but the page shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from host.domain import runs
from host.errors import LocationNotFound
from host.locations.workspace import WorkspaceManager
from host.storage import events as event_store
from host.storage import run_summary, run_view
from host.storage.records import RunRecord
from host.storage.run_summary import Attempt, EventCount
from host.storage.run_view import EventFilter, EventRow, LogChunkRow, LogSummary
from host.web import bridge
from protos.keys import asset_key_str
from protos.weir.v1 import common_pb2

PAGE = 200  # events in one page of the log
MOST = 1000
EVENT_TEXT_CHARS = 4000  # a longer message is cut in the log (captured output: the logs tab has it whole)
BEFORE_TARGET = 20  # events shown above the first error when the page opens on it
END = 1 << 62  # a sequence after every event


@dataclass(frozen=True)
class PageRequest:
    """Which page of the log: after or before a sequence, around one, or the default target."""

    after: int | None = None
    before: int | None = None
    around: int | None = None
    limit: int = PAGE


def event_filter(
    steps: list[str], types: list[str], levels: list[str], text: str, attempt: int | None = None
) -> EventFilter:
    """The filter as the page asks for it; an `attempt` filter's ranges are read when it is used
    (`run_view.with_attempt_ranges`)."""
    return EventFilter(
        steps=tuple(steps),
        types=tuple(t.upper() for t in types if t),
        levels=tuple(lv.upper() for lv in levels if lv),
        text=text.strip(),
        attempt=attempt,
    )


def view(
    conn: sa.Connection,
    run: RunRecord,
    where: EventFilter,
    page: PageRequest,
    workspace: WorkspaceManager | None = None,
) -> dict[str, Any]:
    """Everything the run page draws when it opens: header, steps, counts and one page of events."""
    summary, counts = run_view.read_summary(conn, run.run_id)
    where = run_view.with_attempt_ranges(conn, run.run_id, where)
    matched = run_view.count_kept(counts, where) if where.counted else run_view.count_matching(conn, run.run_id, where)
    events, has_before, has_after, target = _page(conn, run, where, page, summary)
    attempts = {s.step_key: s.attempt_list for s in summary.steps}
    return {
        "run": run_json(run),
        "summary": summary_json(summary),
        "log_steps": log_steps(counts),
        "step_assets": step_assets(workspace, run) if workspace is not None else None,
        "matched": matched,
        "events": [event_json(row, attempts) for row in events],
        "has_before": has_before,
        "has_after": has_after,
        "target": target,
    }


def events_page(conn: sa.Connection, run: RunRecord, where: EventFilter, page: PageRequest) -> dict[str, Any]:
    """One page of the log without the rest of the view: the next page as the reader scrolls."""
    if page.after is None and page.before is None:
        page = PageRequest(before=END, limit=page.limit)
    where = run_view.with_attempt_ranges(conn, run.run_id, where)
    events, has_before, has_after, _ = _page(conn, run, where, page, None)
    attempts = run_summary.step_attempts(conn, run.run_id)
    return {"events": [event_json(row, attempts) for row in events], "has_before": has_before, "has_after": has_after}


def _page(
    conn: sa.Connection, run: RunRecord, where: EventFilter, page: PageRequest, summary: LogSummary | None
) -> tuple[list[EventRow], bool, bool, int | None]:
    """(events, more before, more after, the sequence to scroll to)."""
    if page.after is not None:
        rows, after, _ = run_view.events_after(conn, run.run_id, where, after=page.after, limit=page.limit)
        return rows, True, after, None
    if page.before is not None:
        rows, before = run_view.events_before(conn, run.run_id, where, before=page.before, limit=page.limit)
        return rows, before, True, None
    target = page.around
    if target is None and summary is not None and run.status == "FAILURE":
        target = summary.first_error
    if target is None:  # the tail
        rows, before = run_view.events_before(conn, run.run_id, where, before=END, limit=page.limit)
        return rows, before, False, None
    above = min(BEFORE_TARGET, page.limit // 2)
    earlier, before = run_view.events_before(conn, run.run_id, where, before=target, limit=above)
    later, after, _ = run_view.events_after(conn, run.run_id, where, after=target - 1, limit=page.limit - len(earlier))
    return earlier + later, before, after, target


def header(conn: sa.Connection, run: RunRecord) -> dict[str, Any]:
    """The run with its step summary and the steps that printed: what the live stream sends on a change."""
    summary, counts = run_view.read_summary(conn, run.run_id)
    return {"run": run_json(run), "summary": summary_json(summary), "log_steps": log_steps(counts)}


def log_steps(counts: list[EventCount]) -> list[str]:
    """The steps that printed something ("" is the run's output outside any step)."""
    return sorted({c.step_key for c in counts if c.event_type == run_view.COMPUTE_LOG})


def run_json(run: RunRecord) -> dict[str, Any]:
    """The run as the Host API's Run message, in its JSON form."""
    return bridge.to_json(runs.run_to_proto(run))


def summary_json(summary: LogSummary) -> dict[str, Any]:
    return asdict(summary)


def event_json(row: EventRow, attempts: Mapping[str, list[Attempt]] | None = None) -> dict[str, Any]:
    """An event as the log shows it: the Host API's RunEvent JSON, its level, long text cut, and for a
    step of several attempts the attempt it belongs to."""
    event = common_pb2.RunEvent.FromString(row.body)
    value = bridge.to_json(event)
    value.pop("run_id", None)
    value["sequence"] = row.sequence
    value["level"] = row.level
    tries = (attempts or {}).get(event.step_key, [])
    if len(tries) > 1:
        value["attempt"] = run_view.attempt_of(tries, row.sequence)
    message = value.get("message", "")
    if len(message) > EVENT_TEXT_CHARS:
        value["message"] = message[:EVENT_TEXT_CHARS]
        value["message_chars"] = len(message)
    return value


def step_assets(workspace: WorkspaceManager, run: RunRecord) -> dict[str, list[str]] | None:
    """For a run of assets, the asset keys each step computes: what re-executing a step selects (the
    Host API takes asset keys for asset runs, step keys for op jobs). None for an op job, or when the
    location's definitions are not at hand (the page then uses what each step materialized)."""
    try:
        snapshot = workspace.get(run.location).state.snapshot
    except LocationNotFound:
        return None
    if snapshot is None:
        return None
    if run.job_name == runs.IMPLICIT_ASSET_JOB:
        scope = set(run.asset_selection)
    else:
        job = next((j for j in snapshot.jobs if j.name == run.job_name), None)
        if job is None or not job.is_asset_job:
            return None
        scope = set(run.asset_selection) or {asset_key_str(k) for k in job.asset_selection}
    mapping: dict[str, list[str]] = {}
    for node in snapshot.assets:
        key = asset_key_str(node.key)
        if key in scope:
            mapping.setdefault(node.op_name or "__".join(node.key.path), []).append(key)
    return mapping


def events_since(
    conn: sa.Connection, run_id: str, where: EventFilter, *, after: int, limit: int = 500
) -> tuple[list[EventRow], int, bool]:
    """The run's events after `after` that pass the filter, the sequence read up to (where the next read
    starts, past events the filter drops) and whether more are stored already."""
    top = event_store.last_sequence(conn, run_id)
    if top <= after:
        return [], after, False
    rows, more, last = run_view.events_after(conn, run_id, where, after=after, limit=limit)
    return rows, (last if more else max(top, last)), more


def chunk_json(row: LogChunkRow) -> dict[str, Any]:
    event = common_pb2.RunEvent.FromString(row.body)
    return {
        "sequence": row.sequence,
        "step_key": event.step_key,
        "stream": event.stream,
        "text": event.message,
        "timestamp": event.timestamp,
        "dropped_bytes": event.dropped_bytes,
    }
