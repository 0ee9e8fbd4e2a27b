"""Collecting run events: one thread per run in progress pulls its events from wherever the run
launcher started its worker and stores each exactly once, driving the run's status. It also notices
workers that are gone, and has the launcher release a finished run's worker (its container)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from host.config import RunMonitoringConfig
from host.daemon.launchers.default import CodeServerLauncher
from host.domain.launcher import RunLauncher, RunWorkerGone
from host.domain.run_tags import MAX_RUNTIME_TAGS, tag_value
from host.errors import WeirError
from host.locations.workspace import WorkspaceManager
from host.storage import events as event_store
from host.storage import runs as run_store
from host.storage.records import TERMINAL_RUN_STATUSES, RunRecord, RunStatus
from protos.weir.v1 import codeserver_pb2, common_pb2

log = logging.getLogger("weir.runs")

STATUS_BY_EVENT = {
    common_pb2.RUN_START: RunStatus.STARTED,
    common_pb2.RUN_SUCCESS: RunStatus.SUCCESS,
    common_pb2.RUN_FAILURE: RunStatus.FAILURE,
    common_pb2.RUN_CANCELED: RunStatus.CANCELED,
}


class RunWatchers:
    """Keeps one watcher thread per run in progress."""

    def __init__(
        self,
        engine: Engine,
        workspace: WorkspaceManager,
        monitoring: RunMonitoringConfig,
        clock: Callable[[], float] = time.time,
        launcher: RunLauncher | None = None,
    ) -> None:
        self._engine = engine
        self._workspace = workspace
        self._monitoring = monitoring
        self._clock = clock
        self.launcher: RunLauncher = launcher or CodeServerLauncher(workspace)
        self._threads: dict[str, threading.Thread] = {}
        self._launching: set[str] = set()  # claimed by this host's queue, StartRun not answered yet
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def launching(self, run_id: str) -> None:
        """The queue is starting this run: no watcher may start it too (rule 10)."""
        with self._lock:
            self._launching.add(run_id)

    def launched(self, run_id: str) -> None:
        with self._lock:
            self._launching.discard(run_id)

    def _is_launching(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._launching

    def watching(self, run_id: str) -> bool:
        with self._lock:
            thread = self._threads.get(run_id)
            return thread is not None and thread.is_alive()

    def release_finished(self) -> None:
        """Release what finished runs still hold (containers left by a host that stopped before it
        could); a run whose watcher is still collecting its events keeps it."""
        try:
            held = [run_id for run_id in self.launcher.held() if not self.watching(run_id)]
        except WeirError as exc:
            log.warning("could not list what finished runs hold: %s", exc)
            return
        for run_id in held:
            run, _ = self._current(run_id)
            if run is not None and run.status in TERMINAL_RUN_STATUSES and not self.watching(run_id):
                self.launcher.release(run_id)

    def ensure(self, run: RunRecord) -> None:
        """Start watching the run unless a watcher already does, or the queue is still starting it."""
        with self._lock:
            if run.run_id in self._launching:
                return
            thread = self._threads.get(run.run_id)
            if thread is not None and thread.is_alive():
                return
            thread = threading.Thread(
                target=self._watch, args=(run.run_id, run.location), name=f"run-{run.run_id[:8]}", daemon=True
            )
            self._threads[run.run_id] = thread
            thread.start()

    def stop(self) -> None:
        self._stop.set()

    def store(self, run_id: str, events: list[common_pb2.RunEvent]) -> None:
        """Store a batch and apply the status changes it carries, in one transaction."""
        records = [event_store.event_record(e) for e in events]
        with self._engine.begin() as conn:
            event_store.add_events(conn, records)
            for event in events:
                status = STATUS_BY_EVENT.get(event.type)
                if status is not None:
                    reason = event.message if status in (RunStatus.FAILURE, RunStatus.CANCELED) else None
                    run_store.set_run_status(conn, run_id, status, at=event.timestamp, failure_reason=reason)

    def _declare(self, run: RunRecord, status: str, reason: str) -> None:
        """End a run the host judged finished (worker lost, too slow to cancel, past its max runtime),
        then make it so: the worker's process group is killed, and what it journals afterwards is
        ignored, as a warning event in the run's log says (rule 5)."""
        with self._engine.begin() as conn:
            before = run_store.get_run(conn, run.run_id)
            if before is None or before.status in TERMINAL_RUN_STATUSES:
                return
            run_store.set_run_status(conn, run.run_id, status, at=self._clock(), failure_reason=reason)
            warning = common_pb2.RunEvent(
                run_id=run.run_id,
                sequence=event_store.last_sequence(conn, run.run_id) + 1,
                type=common_pb2.ENGINE_EVENT,
                timestamp=self._clock(),
                level="WARNING",
                message=f"{reason}. The host ended the run as {status} and stops its worker; "
                "events the worker journals from now on are ignored.",
            )
            event_store.add_events(conn, [event_store.event_record(warning)])
        try:
            self.launcher.cancel(run, grace_seconds=self._monitoring.kill_grace_seconds, terminate=True)
        except WeirError as exc:
            log.warning("run %s ended as %s, but its worker could not be stopped: %s", run.run_id, status, exc)

    def _current(self, run_id: str) -> tuple[RunRecord | None, int]:
        with self._engine.connect() as conn:
            return run_store.get_run(conn, run_id), event_store.last_sequence(conn, run_id)

    def _watch(self, run_id: str, location: str) -> None:
        self._collect(run_id, location)
        if self._stop.is_set():
            return
        run, _ = self._current(run_id)
        if run is None or run.status in TERMINAL_RUN_STATUSES:
            self.launcher.release(run_id)

    def _collect(self, run_id: str, location: str) -> None:
        """Until the run is over and its journal drained, or the host stops."""
        unreachable_since: float | None = None
        while not self._stop.is_set():
            run, after = self._current(run_id)
            if run is None or run.status in TERMINAL_RUN_STATUSES:
                return
            try:
                if self._follow(run, after):
                    return
                unreachable_since = None
            except RunWorkerGone as exc:
                status = _lost_status(self._current(run_id)[0])
                self._declare(run, status, f"the run was canceled; {exc}" if status == RunStatus.CANCELED else str(exc))
                return
            except WeirError as exc:
                now = self._clock()
                unreachable_since = unreachable_since or now
                waited = now - unreachable_since
                if self._monitoring.enabled and waited > self._monitoring.worker_lost_after_seconds:
                    where = (
                        f"the code server of location {location!r}"
                        if self.launcher.name == "default"
                        else f"the run's worker ({self.launcher.name} launcher)"
                    )
                    self._declare(
                        run,
                        RunStatus.FAILURE,
                        f"{where} was unreachable for {waited:.0f} s; the run's worker is presumed lost ({exc})",
                    )
                    return
            self._stop.wait(0.5)

    def _follow(self, run: RunRecord, after: int) -> bool:
        """Store the run's new events as they come; True once the run is over for this watcher."""
        deadline = self._deadline(run)
        final = None
        for batch in self.launcher.watch(run, after):
            if batch.events:
                self.store(run.run_id, list(batch.events))
                if deadline is None:
                    deadline = self._deadline(run, batch.events)
            # only an empty batch says the journal is drained: judge the worker then, never mid-journal
            if not batch.events and self._worker_gone(run, batch.worker):
                return True
            if deadline is not None and self._clock() > deadline:
                current, _ = self._current(run.run_id)
                if current is not None and current.status not in TERMINAL_RUN_STATUSES:
                    self._declare(
                        current,
                        RunStatus.FAILURE,
                        f"the run exceeded its maximum runtime of {max_runtime(current, self._monitoring):g} s",
                    )
                return True
            final = batch.worker
        if final is not None and final.state == codeserver_pb2.WORKER_NOT_FOUND:
            self._not_found(run.run_id, run.location)
        return False

    def _deadline(self, run: RunRecord, events: Sequence[common_pb2.RunEvent] = ()) -> float | None:
        """When the run's max runtime ends, counted from its start; None while unknown or unlimited."""
        limit = max_runtime(run, self._monitoring)
        started = run.started_at or next((e.timestamp for e in events if e.type == common_pb2.RUN_START), None)
        return None if not limit or started is None else started + limit

    def _worker_gone(self, run: RunRecord, worker: codeserver_pb2.RunWorker) -> bool:
        """End the run if its worker ended without a final event or stopped heartbeating.

        Storage is read only when the worker looks gone: a batch from a live worker costs no query."""
        reason = self._loss_reason(worker)
        if reason is None:
            return False
        current, _ = self._current(run.run_id)
        if current is not None and current.status not in TERMINAL_RUN_STATUSES:
            status = _lost_status(current)
            self._declare(
                current, status, f"the run was canceled; {reason}" if status == RunStatus.CANCELED else reason
            )
        return True

    def _loss_reason(self, worker: codeserver_pb2.RunWorker) -> str | None:
        if worker.state in (codeserver_pb2.WORKER_EXITED, codeserver_pb2.WORKER_LOST):
            how = worker.exit_reason or (
                f"it exited with code {worker.exit_code}"
                if worker.state == codeserver_pb2.WORKER_EXITED
                else "it disappeared: killed, or out of memory"
            )
            return f"the run worker (pid {worker.pid}) ended before the run finished: {how}"
        limit = self._monitoring.worker_lost_after_seconds
        if (
            self._monitoring.enabled
            and worker.state == codeserver_pb2.WORKER_RUNNING
            and worker.heartbeat_age_seconds > limit
        ):
            return f"the run worker (pid {worker.pid}) stopped heartbeating for {worker.heartbeat_age_seconds:.0f} s"
        return None

    def _not_found(self, run_id: str, location: str) -> None:
        """The location never saw this run: start it if the host died before it could, else fail it.

        Safe to repeat: the code server starts at most one worker per run id (rule 10)."""
        run, _ = self._current(run_id)
        if run is None or run.status in TERMINAL_RUN_STATUSES or self._is_launching(run_id):
            return
        if run.status == RunStatus.STARTING:
            self.launcher.launch(run)
            return
        canceling = run.status == RunStatus.CANCELING  # canceled before its worker started
        with self._engine.begin() as conn:
            run_store.set_run_status(
                conn,
                run_id,
                RunStatus.CANCELED if canceling else RunStatus.FAILURE,
                at=self._clock(),
                failure_reason="canceled before its worker started"
                if canceling
                else f"location {location!r} has no record of this run's worker",
            )


def _lost_status(run: RunRecord | None) -> str:
    """A run whose worker is gone ends CANCELED if it was being canceled, else FAILURE."""
    return RunStatus.CANCELED if run is not None and run.status == RunStatus.CANCELING else RunStatus.FAILURE


def max_runtime(run: RunRecord, monitoring: RunMonitoringConfig) -> float:
    """Seconds a run may take from its start (0: no limit): its weir/max_runtime (or dagster/max_runtime)
    tag, else the config."""
    found = tag_value(run.tags, MAX_RUNTIME_TAGS)
    try:
        return float(found[1]) if found is not None else monitoring.max_runtime_seconds
    except ValueError:
        return monitoring.max_runtime_seconds
