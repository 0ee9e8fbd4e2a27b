"""The host as one object: storage, workspace, run watchers and daemon loops, started and stopped
together. The Host API servicer and `weir dev` use it; tests can build one on any storage URL."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from host.api.instance import InstanceService
from host.config import HostConfig, load_workspace
from host.daemon.automation import AutomationDaemon
from host.daemon.backfills import BackfillDaemon
from host.daemon.launchers import build_launcher
from host.daemon.leader import LeaderElector, leader_only
from host.daemon.run_monitor import RunMonitor
from host.daemon.run_queue import RunQueue
from host.daemon.run_retries import RunRetries
from host.daemon.run_watcher import RunWatchers
from host.daemon.runner import Daemon, Loop
from host.daemon.scheduler import Scheduler
from host.daemon.sensors import SensorDaemon
from host.domain.launcher import RunLauncher
from host.errors import ConfigError
from host.locations.workspace import WorkspaceChange, WorkspaceManager, build_workspace
from host.storage.engine import default_url, ensure_schema, open_engine


@dataclass
class HostApp:
    engine: Engine
    workspace: WorkspaceManager
    config: HostConfig
    clock: Callable[[], float] = time.time
    owner: str | None = None  # this host's name in the leader lease (default: host:pid:random)
    workspace_file: Path | None = None  # read again by reload_workspace; None for `weir dev -f/-m`
    weir_home: Path | None = None
    launcher: RunLauncher = field(init=False)
    watchers: RunWatchers = field(init=False)
    queue: RunQueue = field(init=False)
    leader: LeaderElector = field(init=False)
    scheduler: Scheduler = field(init=False)
    sensors: SensorDaemon = field(init=False)
    automation: AutomationDaemon = field(init=False)
    daemon: Daemon = field(init=False)

    def __post_init__(self) -> None:
        instance = InstanceService(self.engine).answer
        self.workspace.serve_instance(instance)  # context.instance (rule 9)
        self.launcher = build_launcher(self.config.run_launcher, self.workspace, instance)
        self.watchers = RunWatchers(
            self.engine, self.workspace, self.config.run_monitoring, self.clock, launcher=self.launcher
        )
        self.queue = RunQueue(self.engine, self.workspace, self.watchers, self.config.run_queue, self.clock)
        monitor = RunMonitor(self.engine, self.watchers)
        self.leader = LeaderElector(
            self.engine, self.clock, lease_seconds=self.config.daemon.lease_seconds, owner=self.owner
        )
        self.scheduler = Scheduler(
            self.engine, self.workspace, self.config.scheduler, self.clock, self.leader, self.wake_queue
        )
        self.sensors = SensorDaemon(
            self.engine, self.workspace, self.config.sensors, self.clock, self.leader, self.wake_queue
        )
        self.leader.on_gain(self.scheduler.reset)
        self.leader.on_gain(self.sensors.reset)
        self.automation = AutomationDaemon(
            self.engine, self.workspace, self.config.automation, self.clock, self.leader, self.wake_queue
        )
        self.leader.on_gain(self.automation.reset)
        # Only the lease holder runs the loops below the first (rule 5).
        self.daemon = Daemon(
            [
                Loop("leader", self.leader.tick, self.config.daemon.renew_interval_seconds),
                Loop(
                    "run_queue",
                    leader_only(self.leader, self.queue.tick),
                    self.config.run_queue.dequeue_interval_seconds,
                ),
                Loop(
                    "run_monitor",
                    leader_only(self.leader, monitor.tick),
                    self.config.run_monitoring.poll_interval_seconds,
                ),
                Loop("scheduler", self.scheduler.tick, self.config.scheduler.interval_seconds),
                Loop("sensors", self.sensors.tick, self.config.sensors.interval_seconds),
                Loop("automation", self.automation.tick, min(1.0, self.config.automation.interval_seconds)),
                Loop(
                    "backfills",
                    leader_only(
                        self.leader,
                        BackfillDaemon(
                            self.engine, self.workspace, self.clock, self.wake_queue, launcher=self.launcher
                        ).tick,
                    ),
                    0.5,
                ),
                Loop(
                    "run_retries",
                    leader_only(
                        self.leader,
                        RunRetries(
                            self.engine, self.workspace, self.config.run_retries, self.clock, self.wake_queue
                        ).tick,
                    ),
                    0.5,
                ),
            ],
            self.clock,
        )

    def start(self) -> None:
        self.workspace.start()
        self.leader.tick()  # lead at once when nobody else does, so runs launched now start now
        self.daemon.start()

    def reload_workspace(self) -> WorkspaceChange:
        """Read workspace.yaml again and apply it: locations added, removed or changed take effect
        without a restart. A file that does not load changes nothing (the error says why)."""
        if self.workspace_file is None or self.weir_home is None:
            raise ConfigError(
                "this host was started with -f/-m or from a project's pyproject.toml, not a workspace.yaml: "
                "there is no workspace file to reload (`weir locations reload NAME` loads a location's "
                "code again); restart it with -w workspace.yaml to add locations"
            )
        fresh = build_workspace(load_workspace(self.workspace_file), self.workspace_file.parent, self.weir_home)
        return self.workspace.replace(fresh.handles())

    def wake_queue(self) -> None:
        """Start a just-launched run now rather than at the next queue pass (only on the leader)."""
        if not self.leader.is_leader():
            return
        with contextlib.suppress(Exception):  # the queue loop will try again
            self.queue.tick()

    def stop(self) -> None:
        self.daemon.stop()
        evaluators = (self.scheduler, self.sensors)
        for evaluator in evaluators:
            evaluator.stop()  # no new evaluations; those still running end when their location stops
        self.leader.release()
        self.watchers.stop()
        self.workspace.stop()
        for evaluator in evaluators:
            evaluator.wait(5)
        self.engine.dispose()


def storage_setting(config: HostConfig, weir_home: Path, url: str | None = None) -> tuple[str, str]:
    """(the storage URL, the setting it came from), so an error can name the place to fix."""
    if url:
        return url, "the storage URL given to the host"
    if os.environ.get("WEIR_STORAGE_URL"):
        return os.environ["WEIR_STORAGE_URL"], "WEIR_STORAGE_URL"
    if config.storage.url:
        return config.storage.url, "storage.url in weir.yaml"
    return default_url(weir_home), "the default SQLite file under WEIR_HOME"


def open_storage(config: HostConfig, weir_home: Path, url: str | None = None) -> Engine:
    """The storage engine, refusing to start on an outdated schema or a database it cannot reach (each
    error one line naming the setting and the fix)."""
    url, setting = storage_setting(config, weir_home, url)
    try:
        engine = open_engine(url)
    except ConfigError as exc:
        raise ConfigError(f"storage ({setting}): {exc}") from None
    try:
        ensure_schema(engine)
    except ConfigError as exc:
        engine.dispose()
        raise ConfigError(f"storage ({setting}): {exc}") from None
    return engine
