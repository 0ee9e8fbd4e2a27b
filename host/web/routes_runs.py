"""The UI's run endpoints: the run page in one call, its live stream, and its captured output.

`/runs` itself needs nothing of its own: it pages through the Host API's ListRuns.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from host.domain import runs
from host.errors import RunNotFound
from host.storage import run_summary, run_view
from host.storage.records import TERMINAL_RUN_STATUSES, RunRecord
from host.web import run_log
from host.web.http import HttpError, Request, Response, Router

if TYPE_CHECKING:
    from host.web.context import WebApp

LOG_PAGE_BYTES = 64 * 1024  # the compute log tab opens on the last 64 KB of a step's output
LOG_DOWNLOAD_BYTES = 1024 * 1024  # read per batch while a whole log downloads
KEEPALIVE_SECONDS = 15.0
SUMMARY_EVERY_SECONDS = 1.0  # a live run's step summary is sent at most this often
STREAMS = ("stdout", "stderr")


def register(router: Router, web: WebApp) -> None:
    router.add("GET", "/api/runs/{run_id}/view", lambda r: view(web, r))
    router.add("GET", "/api/runs/{run_id}/stream", lambda r: stream(web, r))
    router.add("GET", "/api/runs/{run_id}/logs", lambda r: logs(web, r))


def view(web: WebApp, request: Request) -> Response:
    """`?after=SEQ`, `?before=SEQ` or `?seq=SEQ` pick the page (default: the first error of a failed run,
    else the tail); `step`, `type`, `level` (comma-separated), `attempt` (a number: that attempt of each
    step) and `q` (text) filter it; `only=events`
    answers with the page alone (what scrolling needs)."""
    run = _run(web, request)
    page = run_log.PageRequest(
        after=_optional_int(request, "after"),
        before=_optional_int(request, "before"),
        around=_optional_int(request, "seq"),
        limit=request.int_arg("limit", run_log.PAGE, low=1, high=run_log.MOST),
    )
    with web.services.engine.connect() as conn:
        if request.arg("only") == "events":  # scrolling: the next page alone
            return Response.json(run_log.events_page(conn, run, _filter(request), page))
        body = run_log.view(conn, run, _filter(request), page, web.services.workspace)
    return Response.json(body)


def stream(web: WebApp, request: Request) -> Response:
    """Server-sent events: `events` batches after the Last-Event-ID (an event sequence; each batch's id
    is the sequence read up to, so a reconnect resumes exactly), the run with its step summary when it
    changes, and `end` once the run has finished and every event is sent."""
    run_id = request.params["run_id"]
    _run(web, request)
    where = _filter(request)
    last_id = request.headers.get("last-event-id") or request.arg("after", "-1")
    try:
        after = int(last_id)
    except ValueError:
        raise HttpError(400, f"Last-Event-ID {last_id[:40]!r} is not an event sequence") from None
    return Response(200, content_type="text/event-stream", stream=_events(web, run_id, where, after))


def _events(web: WebApp, run_id: str, where: run_view.EventFilter, after: int) -> Iterator[bytes]:
    yield b"retry: 2000\n\n"
    version = web.feed.current.version
    sent_status, sent_summary_at, summary_due = "", 0.0, True
    while not web.feed.stopped:
        try:
            run = runs.get_run(web.services.engine, run_id)  # before the events: an ended run has them all
        except RunNotFound:
            yield _sse("gone", {"run_id": run_id})
            return
        with web.services.engine.connect() as conn:
            where = run_view.with_attempt_ranges(conn, run_id, where)  # a retry may have begun an attempt
            rows, read_to, more = run_log.events_since(conn, run_id, where, after=after)
            attempts = run_summary.step_attempts(conn, run_id) if rows else {}
            fresh = read_to > after
            summary_due = summary_due or fresh
            now = time.monotonic()
            header = None
            if run.status != sent_status or (summary_due and now - sent_summary_at >= SUMMARY_EVERY_SECONDS):
                header = run_log.header(conn, run)
                sent_status, sent_summary_at, summary_due = run.status, now, False
        if header is not None:
            yield _sse("run", header)
        if fresh:
            after = read_to
            batch = [run_log.event_json(r, attempts) for r in rows]
            yield _sse("events", {"events": batch, "read_to": read_to}, after)
        if more:
            continue
        if run.status in TERMINAL_RUN_STATUSES:
            if summary_due:
                with web.services.engine.connect() as conn:
                    yield _sse("run", run_log.header(conn, run))
            yield _sse("end", {"status": run.status, "read_to": after})
            return
        change = web.feed.wait(version, KEEPALIVE_SECONDS)
        if change.version == version:
            yield b": keepalive\n\n"
        version = change.version


def logs(web: WebApp, request: Request) -> Response:
    """A step's captured output: `?step=KEY` ("" for the run's own; absent: every step), `stream`
    (stdout|stderr; absent: both), `attempt` (a number, with a step: that attempt's output); the newest
    64 KB, or the 64 KB before `before=SEQ` ("load earlier"), or what follows `after=SEQ` (a live
    tail). `download=1` sends all of it as a text file.

    Pages are cut at chunk sequences, not bytes: a chunk is what the run worker read at once (64 KB at
    most) and the stream is inside the stored event, so a sequence is a cursor the database finds."""
    run = _run(web, request)
    step = request.arg("step") if "step" in request.query else None
    out = request.arg("stream") or None
    if out is not None and out not in STREAMS:
        raise HttpError(400, f"stream={out[:40]!r}: pass stdout, stderr, or leave it out for both")
    span = _attempt_span(web, request, run, step)
    if request.arg("download"):
        return _download(web, run, step, out, span, request.arg("attempt"))
    after, before = _optional_int(request, "after"), _optional_int(request, "before")
    with web.services.engine.connect() as conn:
        if after is not None:
            chunks, more = run_view.compute_log_after(
                conn, run.run_id, step_key=step, stream=out, after=after, max_bytes=LOG_PAGE_BYTES, span=span
            )
            earlier = True
        else:
            chunks, earlier = run_view.compute_log_tail(
                conn, run.run_id, step_key=step, stream=out, before=before, max_bytes=LOG_PAGE_BYTES, span=span
            )
            more = False
    return Response.json(
        {
            "run_status": run.status,
            "chunks": [run_log.chunk_json(c) for c in chunks],
            "has_earlier": earlier,
            "has_more": more,
            "first_sequence": chunks[0].sequence if chunks else (after if after is not None else -1),
            "last_sequence": chunks[-1].sequence if chunks else (after if after is not None else -1),
        }
    )


def _attempt_span(web: WebApp, request: Request, run: RunRecord, step: str | None) -> tuple[int, int] | None:
    """The sequences of `?attempt=N` of the step (None without one); a clear 400 for one it does not have."""
    if not request.arg("attempt"):
        return None
    number = request.int_arg("attempt", 1, low=1)
    if not step:
        raise HttpError(400, f"attempt={number} needs a step: pass step=KEY too")
    with web.services.engine.connect() as conn:
        attempts = run_summary.step_attempts(conn, run.run_id, [step]).get(step, [])
    span = run_view.attempt_span(attempts, number)
    if span is None:
        raise HttpError(400, f"step {step!r} has {len(attempts)} attempt(s), not an attempt {number}")
    return span


def _download(
    web: WebApp, run: RunRecord, step: str | None, out: str | None, span: tuple[int, int] | None, attempt: str
) -> Response:
    def text() -> Iterator[bytes]:
        after, more = -1, True
        while more:
            with web.services.engine.connect() as conn:
                chunks, more = run_view.compute_log_after(
                    conn, run.run_id, step_key=step, stream=out, after=after, max_bytes=LOG_DOWNLOAD_BYTES, span=span
                )
            for chunk in chunks:
                yield run_log.chunk_json(chunk)["text"].encode()
            if not chunks:
                return
            after = chunks[-1].sequence

    tried = f"-attempt{attempt}" if span is not None else ""
    name = f"{run.run_id[:8]}-{step or 'run'}{tried}-{out or 'output'}.log".replace("/", "_").replace('"', "")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(200, content_type="text/plain; charset=utf-8", headers=headers, stream=text())


def _run(web: WebApp, request: Request) -> RunRecord:
    try:
        return runs.get_run(web.services.engine, request.params["run_id"])
    except RunNotFound as exc:
        raise HttpError(404, str(exc)) from None


def _filter(request: Request) -> run_view.EventFilter:
    def listed(name: str) -> list[str]:
        return [part for value in request.query.get(name, []) for part in value.split(",") if part]

    attempt = request.int_arg("attempt", 1, low=1) if request.arg("attempt") else None
    where = run_log.event_filter(listed("step"), listed("type"), listed("level"), request.arg("q"), attempt)
    unknown = sorted(set(where.levels) - set(run_view.LEVELS))
    if unknown:
        raise HttpError(400, f"level {', '.join(unknown)} is not one of {', '.join(run_view.LEVELS)}")
    return where


def _optional_int(request: Request, name: str) -> int | None:
    return request.int_arg(name, 0, low=-1) if request.arg(name) else None


def _sse(event: str, data: object, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n".encode()
