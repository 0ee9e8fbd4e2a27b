"""Collecting run events: one thread per run in progress pulls its events from the location that runs
it and stores each exactly once, driving the run's status. It also notices workers that are gone."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from host.config import RunMonitoringConfig
from host.errors import WeirError
from host.storage import events as event_store
from host.storage import runs as run_store
from host.storage.records import TERMINAL_RUN_STATUSES, RunRecord
from host.workspace import WorkspaceManager
from protos.weir.v1 import codeserver_pb2, common_pb2

STATUS_BY_EVENT = {
    common_pb2.RUN_START: "STARTED",
    common_pb2.RUN_SUCCESS: "SUCCESS",
    common_pb2.RUN_FAILURE: "FAILURE",
    common_pb2.RUN_CANCELED: "CANCELED",
}


class RunWatchers:
    """Keeps one watcher thread per run in progress."""

    def __init__(self, engine: Engine, workspace: WorkspaceManager, monitoring: RunMonitoringConfig,
                 clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._workspace = workspace
        self._monitoring = monitoring
        self._clock = clock
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def ensure(self, run: RunRecord) -> None:
        """Start watching the run unless a watcher already does."""
        with self._lock:
            thread = self._threads.get(run.run_id)
            if thread is not None and thread.is_alive():
                return
            thread = threading.Thread(target=self._watch, args=(run.run_id, run.location),
                                      name=f"run-{run.run_id[:8]}", daemon=True)
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
                    reason = event.message if status in ("FAILURE", "CANCELED") else None
                    run_store.set_run_status(conn, run_id, status, at=event.timestamp, failure_reason=reason)

    def _fail(self, run_id: str, reason: str) -> None:
        with self._engine.begin() as conn:
            run_store.set_run_status(conn, run_id, "FAILURE", at=self._clock(), failure_reason=reason)

    def _current(self, run_id: str) -> tuple[RunRecord | None, int]:
        with self._engine.connect() as conn:
            return run_store.get_run(conn, run_id), event_store.last_sequence(conn, run_id)

    def _watch(self, run_id: str, location: str) -> None:
        unreachable_since: float | None = None
        while not self._stop.is_set():
            run, after = self._current(run_id)
            if run is None or run.status in TERMINAL_RUN_STATUSES:
                return
            try:
                client = self._workspace.get(location).client
                final = None
                for batch in client.watch_run_events(run_id, after):
                    unreachable_since = None
                    if batch.events:
                        self.store(run_id, list(batch.events))
                    # only an empty batch says the journal is drained: judge the worker then, never mid-journal
                    if not batch.events and self._worker_gone(run_id, batch.worker):
                        return
                    final = batch.worker
                if final is not None and final.state == codeserver_pb2.WORKER_NOT_FOUND:
                    self._not_found(run_id, location)
            except WeirError as exc:
                now = self._clock()
                unreachable_since = unreachable_since or now
                waited = now - unreachable_since
                if self._monitoring.enabled and waited > self._monitoring.worker_lost_after_seconds:
                    self._fail(run_id, f"the code server of location {location!r} was unreachable for "
                                       f"{waited:.0f} s; the run's worker is presumed lost ({exc})")
                    return
            self._stop.wait(0.5)

    def _worker_gone(self, run_id: str, worker: codeserver_pb2.RunWorker) -> bool:
        """Fail the run if its worker ended without a final event or stopped heartbeating.

        Storage is read only when the worker looks gone: a batch from a live worker costs no query."""
        reason = self._loss_reason(worker)
        if reason is None:
            return False
        run, _ = self._current(run_id)
        if run is not None and run.status not in TERMINAL_RUN_STATUSES:
            self._fail(run_id, reason)
        return True

    def _loss_reason(self, worker: codeserver_pb2.RunWorker) -> str | None:
        if worker.state == codeserver_pb2.WORKER_EXITED:
            return f"the run worker exited with code {worker.exit_code} before the run finished"
        if worker.state == codeserver_pb2.WORKER_LOST:
            return f"the run worker (pid {worker.pid}) disappeared before the run finished: killed, or out of memory"
        limit = self._monitoring.worker_lost_after_seconds
        if self._monitoring.enabled and worker.state == codeserver_pb2.WORKER_RUNNING \
                and worker.heartbeat_age_seconds > limit:
            return f"the run worker (pid {worker.pid}) stopped heartbeating for {worker.heartbeat_age_seconds:.0f} s"
        return None

    def _not_found(self, run_id: str, location: str) -> None:
        """The location never saw this run: start it if the host died before it could, else fail it."""
        run, _ = self._current(run_id)
        if run is None or run.status in TERMINAL_RUN_STATUSES:
            return
        if run.status == "STARTING":
            from host.daemon.run_queue import start_request

            self._workspace.get(location).client.start_run(start_request(run))
            return
        self._fail(run_id, f"location {location!r} has no record of this run's worker")
