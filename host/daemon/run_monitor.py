"""Run monitoring: every run in progress has a watcher, including runs that were in progress when
the host last stopped, so a restarted host picks their events up where storage left off; and what
finished runs still hold (their containers) is released."""

from __future__ import annotations

from sqlalchemy import Engine

from host.daemon.run_queue import IN_PROGRESS
from host.daemon.run_watcher import RunWatchers
from host.storage import runs as run_store


class RunMonitor:
    def __init__(self, engine: Engine, watchers: RunWatchers) -> None:
        self._engine = engine
        self._watchers = watchers

    def tick(self) -> int:
        """Ensure a watcher per run in progress; returns how many runs are in progress."""
        with self._engine.connect() as conn:
            runs = run_store.runs_with_status(conn, IN_PROGRESS)
        for run in runs:
            self._watchers.ensure(run)
        self._watchers.release_finished()
        return len(runs)
