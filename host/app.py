"""The host as one object: storage, workspace, run watchers and daemon loops, started and stopped
together. The Host API servicer and `weir dev` use it; tests can build one on any storage URL."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from host.config import HostConfig
from host.daemon.run_monitor import RunMonitor
from host.daemon.run_queue import RunQueue
from host.daemon.runner import Daemon, Loop
from host.run_watcher import RunWatchers
from host.storage.engine import default_url, ensure_schema, open_engine
from host.workspace import WorkspaceManager


@dataclass
class HostApp:
    engine: Engine
    workspace: WorkspaceManager
    config: HostConfig
    clock: Callable[[], float] = time.time
    watchers: RunWatchers = field(init=False)
    queue: RunQueue = field(init=False)
    daemon: Daemon = field(init=False)

    def __post_init__(self) -> None:
        self.watchers = RunWatchers(self.engine, self.workspace, self.config.run_monitoring, self.clock)
        self.queue = RunQueue(self.engine, self.workspace, self.watchers, self.config.run_queue, self.clock)
        monitor = RunMonitor(self.engine, self.watchers)
        self.daemon = Daemon([
            Loop("run_queue", self.queue.tick, self.config.run_queue.dequeue_interval_seconds),
            Loop("run_monitor", monitor.tick, self.config.run_monitoring.poll_interval_seconds),
        ], self.clock)

    def start(self) -> None:
        self.workspace.start()
        self.daemon.start()

    def wake_queue(self) -> None:
        """Start a just-launched run now rather than at the next queue pass."""
        with contextlib.suppress(Exception):  # the queue loop will try again
            self.queue.tick()

    def stop(self) -> None:
        self.daemon.stop()
        self.watchers.stop()
        self.workspace.stop()
        self.engine.dispose()


def open_storage(config: HostConfig, weir_home: Path, url: str | None = None) -> Engine:
    """The storage engine, refusing to start on an outdated schema (the error names the fix)."""
    import os

    url = url or os.environ.get("WEIR_STORAGE_URL") or config.storage.url or default_url(weir_home)
    engine = open_engine(url)
    ensure_schema(engine)
    return engine
