"""The run queue: moves QUEUED runs to STARTING within the configured limits and has the run
launcher start them. Limits count runs in STARTING/STARTED/CANCELING, so a run's slot is freed in the very
transaction that ends it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable

from sqlalchemy import Engine

from host.config import RunQueueConfig
from host.daemon.run_watcher import RunWatchers
from host.errors import WeirError
from host.locations.workspace import WorkspaceManager
from host.storage import runs as run_store
from host.storage.records import RunRecord, RunStatus
from protos.weir.v1 import host_pb2

IN_PROGRESS = (RunStatus.STARTING, RunStatus.STARTED, RunStatus.CANCELING)


def choose_runs(
    queued: Iterable[RunRecord], in_progress: Iterable[RunRecord], config: RunQueueConfig
) -> list[RunRecord]:
    """The queued runs (oldest first) that fit under max_concurrent_runs and the tag limits."""
    in_progress = list(in_progress)
    tag_counts: Counter[tuple[str, str]] = Counter((k, v) for run in in_progress for k, v in run.tags.items())
    free = config.max_concurrent_runs - len(in_progress)
    chosen: list[RunRecord] = []
    for run in sorted(queued, key=lambda r: r.created_at):
        if free <= 0:
            break
        if not _fits_tag_limits(run, tag_counts, config):
            continue
        chosen.append(run)
        free -= 1
        tag_counts.update(run.tags.items())
    return chosen


def _fits_tag_limits(run: RunRecord, counts: Counter[tuple[str, str]], config: RunQueueConfig) -> bool:
    for limit in config.tag_concurrency_limits:
        value = run.tags.get(limit.key)
        if value is None or (limit.value is not None and value != limit.value):
            continue
        if counts[(limit.key, value)] >= limit.limit:
            return False
    return True


class RunQueue:
    """One pass of the queue per tick().

    Passes run from the daemon loop and from every launch (wake_queue); a lock keeps them one at a
    time in this host, so limits are counted against what the previous pass started, and each run
    is started only by the caller that won its claim (QUEUED->STARTING), on any number of hosts.
    """

    def __init__(
        self,
        engine: Engine,
        workspace: WorkspaceManager,
        watchers: RunWatchers,
        config: RunQueueConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._workspace = workspace
        self._watchers = watchers
        self._config = config
        self._clock = clock
        self._pass_lock = threading.Lock()

    def tick(self) -> int:
        """Start what fits; returns how many runs were started."""
        with self._pass_lock:
            starting = self._claim()
        for run in starting:
            self._start(run)
        return len(starting)

    def _claim(self) -> list[RunRecord]:
        """Claim the queued runs that fit; they are marked as launching before the claim commits, so
        the run monitor never mistakes one for a run whose start was lost and starts it too."""
        starting: list[RunRecord] = []
        try:
            with self._engine.begin() as conn:
                queued = run_store.runs_with_status(conn, (RunStatus.QUEUED,))
                if not queued:
                    return []
                in_progress = run_store.runs_with_status(conn, IN_PROGRESS)
                ready = [r for r in queued if self._location_ready(r.location)]  # the others stay queued
                for chosen in choose_runs(ready, in_progress, self._config):
                    run = run_store.claim_run(conn, chosen.run_id)
                    if run is not None:
                        self._watchers.launching(run.run_id)
                        starting.append(run)
        except BaseException:
            for run in starting:
                self._watchers.launched(run.run_id)
            raise
        return starting

    def _location_ready(self, name: str) -> bool:
        try:
            return self._workspace.get(name).state.status == host_pb2.LOCATION_LOADED
        except WeirError:
            return True  # a location gone from the workspace: starting fails the run with the reason

    def _start(self, run: RunRecord) -> None:
        try:
            self._watchers.launcher.launch(run)
        except WeirError as exc:
            with self._engine.begin() as conn:
                run_store.set_run_status(
                    conn,
                    run.run_id,
                    RunStatus.FAILURE,
                    at=self._clock(),
                    failure_reason=f"could not start the run: {exc}",
                )
            return
        finally:
            self._watchers.launched(run.run_id)
        self._watchers.ensure(run)
