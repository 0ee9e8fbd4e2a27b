"""An in-process code location for daemon tests: a LocationClient whose schedules and sensors are
plain Python functions returning EvaluationReply messages, with a hand-built snapshot. The daemon
code under test is the real one; only the location is in-process (STYLE 19)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from host.config import HostConfig, SchedulerConfig
from host.errors import LocationUnavailable
from host.locations.workspace import LocationHandle, WorkspaceManager
from host.storage.engine import ensure_schema, open_engine
from protos import wire
from protos.weir.v1 import codeserver_pb2, common_pb2, snapshot_pb2

ScheduleFn = Callable[[codeserver_pb2.EvaluateScheduleRequest], codeserver_pb2.EvaluationReply]
SensorFn = Callable[[codeserver_pb2.EvaluateSensorRequest], codeserver_pb2.EvaluationReply]


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def schedule(
    name: str,
    cron: str | list[str],
    *,
    tz: str = "",
    function: bool = False,
    running: bool = True,
    job: str = "sales_job",
    tags: dict[str, str] | None = None,
) -> snapshot_pb2.Schedule:
    crons = [cron] if isinstance(cron, str) else cron
    return snapshot_pb2.Schedule(
        name=name,
        cron_schedules=crons,
        execution_timezone=tz,
        job_name=job,
        has_function=function,
        default_status=snapshot_pb2.RUNNING if running else snapshot_pb2.STOPPED,
        run_config_json="{}",
        tags=tags or {},
    )


def sensor(
    name: str,
    *,
    interval: int = 30,
    jobs: tuple[str, ...] = ("sales_job",),
    running: bool = True,
    kind: int = snapshot_pb2.STANDARD,
    assets: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
) -> snapshot_pb2.Sensor:
    return snapshot_pb2.Sensor(
        name=name,
        minimum_interval_seconds=interval,
        job_names=list(jobs),
        kind=kind,  # type: ignore[arg-type]
        default_status=snapshot_pb2.RUNNING if running else snapshot_pb2.STOPPED,
        monitored_assets=[common_pb2.AssetKey(path=a.split("/")) for a in assets],
        monitored_run_statuses=list(statuses),
    )


def run_requests(*keys: str, job: str = "") -> codeserver_pb2.EvaluationReply:
    return codeserver_pb2.EvaluationReply(run_requests=[common_pb2.RunRequest(run_key=k, job_name=job) for k in keys])


def user_error(message: str) -> codeserver_pb2.EvaluationReply:
    return codeserver_pb2.EvaluationReply(
        error=common_pb2.UserCodeError(
            type="ValueError", message=message, traceback="Traceback (most recent call last):\n  ...\nValueError"
        )
    )


@dataclass
class InProcessLocation:
    """A LocationClient backed by functions; counts calls so tests see when user code ran."""

    name: str
    schedules: list[snapshot_pb2.Schedule] = field(default_factory=list)
    sensors: list[snapshot_pb2.Sensor] = field(default_factory=list)
    schedule_fns: dict[str, ScheduleFn] = field(default_factory=dict)
    sensor_fns: dict[str, SensorFn] = field(default_factory=dict)
    jobs: tuple[str, ...] = ("sales_job", "other_job")
    calls: list[tuple[str, object]] = field(default_factory=list)
    available: bool = True

    def snapshot(self) -> snapshot_pb2.Snapshot:
        return snapshot_pb2.Snapshot(
            location_name=self.name,
            jobs=[snapshot_pb2.Job(name=j) for j in self.jobs],
            assets=[snapshot_pb2.AssetNode(key=common_pb2.AssetKey(path=["orders"]), is_executable=True)],
            schedules=self.schedules,
            sensors=self.sensors,
        )

    def _snapshot_id(self) -> str:
        return hashlib.sha256(self.snapshot().SerializeToString(deterministic=True)).hexdigest()

    def handshake(self) -> codeserver_pb2.HandshakeReply:
        return codeserver_pb2.HandshakeReply(
            protocol_version=wire.PROTOCOL_VERSION,
            location_name=self.name,
            snapshot_id=self._snapshot_id(),
            server_id="in-process",
        )

    def fetch_snapshot(self, snapshot_id: str) -> snapshot_pb2.Snapshot:
        return self.snapshot()

    def evaluate_schedule(
        self, request: codeserver_pb2.EvaluateScheduleRequest, timeout: float
    ) -> codeserver_pb2.EvaluationReply:
        if not self.available:
            raise LocationUnavailable(f"code location {self.name!r} is not reachable")
        self.calls.append((request.schedule_name, request.scheduled_time))
        return self.schedule_fns[request.schedule_name](request)

    def evaluate_sensor(
        self, request: codeserver_pb2.EvaluateSensorRequest, timeout: float
    ) -> codeserver_pb2.EvaluationReply:
        if not self.available:
            raise LocationUnavailable(f"code location {self.name!r} is not reachable")
        self.calls.append((request.sensor_name, request.cursor))
        return self.sensor_fns[request.sensor_name](request)

    def reload(self) -> codeserver_pb2.ReloadReply:
        return codeserver_pb2.ReloadReply(snapshot_id=self._snapshot_id())

    def start_run(self, request: codeserver_pb2.StartRunRequest) -> codeserver_pb2.StartRunReply:
        return codeserver_pb2.StartRunReply(pid=0, snapshot_id=request.snapshot_id)

    def watch_run_events(self, run_id: str, after_sequence: int) -> Iterator[codeserver_pb2.RunEventBatch]:
        return iter(())

    def run_worker(self, run_id: str) -> codeserver_pb2.RunWorker:
        return codeserver_pb2.RunWorker(run_id=run_id, state=codeserver_pb2.WORKER_RUNNING)

    def cancel_run(self, run_id: str, *, grace_seconds: float = 0.0, terminate: bool = False) -> bool:
        return False

    def partition_keys(self, request: codeserver_pb2.GetPartitionKeysRequest) -> codeserver_pb2.GetPartitionKeysReply:
        return codeserver_pb2.GetPartitionKeysReply()

    def close(self) -> None:
        pass


def workspace_of(*locations: InProcessLocation) -> WorkspaceManager:
    """A workspace over in-process locations, loaded (handshake and snapshot) but with no threads."""
    workspace = WorkspaceManager([LocationHandle(loc.name, lambda loc=loc: loc) for loc in locations])
    workspace.refresh_all(force=True)
    return workspace


def sqlite_engine(tmp_path: Path) -> Engine:
    engine = open_engine(f"sqlite:///{tmp_path / 'weir.db'}")
    ensure_schema(engine)
    return engine


def config(**scheduler: object) -> HostConfig:
    return HostConfig(scheduler=SchedulerConfig(**scheduler))  # type: ignore[arg-type]
