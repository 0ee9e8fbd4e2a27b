"""Run retries: a run that ends FAILURE is re-launched from failure, at most max_retries times (its tag
dagster/max_retries or weir/max_retries, else `run_retries.max_retries` in weir.yaml), each retry a new
run linked to it with the tag dagster/retry_number.

A failed run gets one retry at most, whichever host or pass gets there: the retry's identity (parent run,
run key "retry") is unique in storage (rule 6). The loop follows runs by the time they ended, from a
cursor kept in storage; it looks back `LOOKBACK_SECONDS` behind it, because a run's end is stored
after it happened (a worker's events arrive later), and duplicates are refused anyway.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import Engine

from host.config import RunRetriesConfig
from host.domain.reexecution import RETRY_NUMBER_TAG, RETRY_RUN_KEY, reexecute_run
from host.domain.run_tags import MAX_RETRIES_TAGS, tag_value
from host.errors import WeirError
from host.locations.workspace import WorkspaceManager
from host.storage import cursors as cursor_store
from host.storage import events as event_store
from host.storage import runs as run_store
from host.storage.errors import DuplicateRunError
from host.storage.records import RunRecord, RunStatus

log = logging.getLogger("weir.runs")

CURSOR = "run_retries"
LOOKBACK_SECONDS = 600.0
RETRY_ON_FAILURE_TAG = "dagster/retry_on_asset_or_op_failure"


class RunRetries:
    def __init__(
        self,
        engine: Engine,
        workspace: WorkspaceManager,
        config: RunRetriesConfig,
        clock: Callable[[], float] = time.time,
        wake_queue: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._workspace = workspace
        self._config = config
        self._clock = clock
        self._wake_queue = wake_queue

    def tick(self) -> int:
        """Retry the failed runs that ended since the last pass; returns how many retries were queued."""
        now = self._clock()
        with self._engine.begin() as conn:
            stored = cursor_store.get_cursor(conn, CURSOR)
            if stored is None:  # the first pass ever: runs that failed before retries existed stay as they are
                cursor_store.set_cursor(conn, CURSOR, str(now), now=now)
                return 0
        since = float(stored) - LOOKBACK_SECONDS
        queued, latest, page = 0, float(stored), run_store.ended_cursor(since)
        while True:
            with self._engine.connect() as conn:
                failed, next_page = run_store.finished_runs_after(conn, page, statuses=(RunStatus.FAILURE,))
            for run in failed:
                queued += self._maybe_retry(run, now)
                latest = max(latest, run.ended_at or 0.0)
            if not failed or next_page is None or next_page == page:
                break
            page = next_page
        with self._engine.begin() as conn:
            cursor_store.set_cursor(conn, CURSOR, str(latest), now=now)
        if queued:
            self._wake_queue()
        return queued

    def _maybe_retry(self, run: RunRecord, now: float) -> int:
        number = _int(run.tags.get(RETRY_NUMBER_TAG), 0)
        found = tag_value(run.tags, MAX_RETRIES_TAGS)
        limit = _int(found[1], 0) if found is not None else self._config.max_retries
        if number >= limit:
            return 0
        with self._engine.connect() as conn:
            if run_store.child_run(conn, run.run_id, RETRY_RUN_KEY) is not None:
                return 0
            reported = event_store.has_event(conn, run.run_id, "RUN_FAILURE")
        on_step_failure = run.tags.get(RETRY_ON_FAILURE_TAG, str(self._config.retry_on_asset_or_op_failure))
        if reported and on_step_failure.lower() == "false":
            return 0  # its steps failed, and this run retries only the host's verdicts (a lost worker)
        try:
            retry = reexecute_run(
                self._engine, self._workspace, run.run_id, from_failure=True, now=now, retry_number=number + 1
            )
        except DuplicateRunError:
            return 0  # another host or pass retried it first
        except WeirError as exc:
            log.warning("run %s failed and cannot be retried: %s", run.run_id, exc)
            return 0
        log.info("run %s failed: retry %d of %d is run %s", run.run_id, number + 1, limit, retry.run_id)
        return 1


def _int(text: str | None, default: int) -> int:
    return int(text) if text is not None and text.isdigit() else default
