"""The backfill daemon: submits each backfill's runs in chunks through the run queue, notices when they
have all finished, and carries out cancellation.

Everything it knows is in storage, so a restarted host resumes where the last one stopped. A chunk's
runs and the backfill's progress are written in one transaction, and a run's identity (backfill id,
run key) is unique, so a chunk submitted again after a crash adds nothing. At most `max_queued` runs of
a backfill wait in the queue at a time: a backfill of 10,000 partitions does not flood it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import Engine

from host.domain import backfills as plans
from host.domain.launcher import RunLauncher
from host.domain.runs import cancel_run
from host.errors import WeirError
from host.locations.workspace import WorkspaceManager
from host.storage import partitions as partition_store
from host.storage import runs as run_store
from host.storage.records import TERMINAL_RUN_STATUSES, BackfillRecord, BackfillStatus, RunRecord, RunStatus
from protos.weir.v1 import host_pb2

log = logging.getLogger("weir.daemon.backfills")


class BackfillDaemon:
    """One pass over the unfinished backfills per tick()."""

    def __init__(
        self,
        engine: Engine,
        workspace: WorkspaceManager,
        clock: Callable[[], float] = time.time,
        wake_queue: Callable[[], None] = lambda: None,
        chunk_size: int = 10,
        max_queued: int = 10,
        launcher: RunLauncher | None = None,
    ) -> None:
        self._launcher = launcher
        self._engine = engine
        self._workspace = workspace
        self._clock = clock
        self._wake_queue = wake_queue
        self.chunk_size = chunk_size
        self.max_queued = max_queued

    def tick(self) -> int:
        """Advance every unfinished backfill; returns how many runs were submitted."""
        with self._engine.connect() as conn:
            active = partition_store.list_backfills(
                conn, statuses=(BackfillStatus.REQUESTED, BackfillStatus.CANCELING), limit=1000
            )
        submitted = 0
        for backfill in reversed(active):  # oldest first
            try:
                if backfill.status == BackfillStatus.CANCELING:
                    self._cancel(backfill)
                else:
                    submitted += self._advance(backfill)
            except WeirError as exc:  # the location is away: try again next tick
                log.warning("backfill %s waits: %s", backfill.backfill_id, exc)
        if submitted:
            self._wake_queue()
        return submitted

    def _advance(self, backfill: BackfillRecord) -> int:
        planned = plans.plan(backfill)
        with self._engine.connect() as conn:
            runs = partition_store.backfill_runs(conn, backfill.backfill_id)
        if backfill.submitted >= len(planned):
            if plans.finished(runs):
                self._finish(backfill, runs)
            return 0
        handle = self._workspace.get(backfill.location)
        if handle.state.status != host_pb2.LOCATION_LOADED:
            return 0
        queued = sum(1 for r in runs if r.status == RunStatus.QUEUED)
        room = min(self.chunk_size, self.max_queued - queued)
        if plans.in_order(backfill):  # a partition's run reads what earlier ones write: one at a time
            room = 0 if any(r.status not in TERMINAL_RUN_STATUSES for r in runs) else min(room, 1)
        if room <= 0:
            return 0
        chunk = planned[backfill.submitted : backfill.submitted + room]
        now = self._clock()
        records = [plans.run_record(backfill, p, handle.state.snapshot_id, now) for p in chunk]
        with self._engine.begin() as conn:
            stored = run_store.add_runs(conn, records)
            partition_store.update_backfill(conn, backfill.backfill_id, submitted=backfill.submitted + len(chunk))
        return len(stored)

    def _finish(self, backfill: BackfillRecord, runs: list[RunRecord]) -> None:
        failed = [r for r in runs if r.status != RunStatus.SUCCESS]
        status = BackfillStatus.FAILED if failed else BackfillStatus.COMPLETED
        error = f"{len(failed)} of {len(runs)} runs did not succeed (first: {failed[0].run_id})" if failed else None
        with self._engine.begin() as conn:
            partition_store.update_backfill(conn, backfill.backfill_id, status=status, error=error)

    def _cancel(self, backfill: BackfillRecord) -> None:
        with self._engine.connect() as conn:
            runs = partition_store.backfill_runs(conn, backfill.backfill_id)
        now = self._clock()
        for run in runs:
            if run.status not in TERMINAL_RUN_STATUSES and run.status != RunStatus.CANCELING:
                cancel_run(self._engine, self._workspace, run.run_id, now=now, launcher=self._launcher)
        with self._engine.connect() as conn:
            runs = partition_store.backfill_runs(conn, backfill.backfill_id)
        if plans.finished(runs):
            with self._engine.begin() as conn:
                partition_store.update_backfill(conn, backfill.backfill_id, status=BackfillStatus.CANCELED)
