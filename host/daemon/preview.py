"""Previewing a schedule or a sensor: the evaluation a tick would make, now, launching nothing and
storing nothing (no tick, no cursor, no dynamic partitions), so a person can see what it would do."""

from __future__ import annotations

from sqlalchemy import Engine

from host.config import HostConfig
from host.daemon.automation import AutomationDaemon
from host.daemon.freshness_checks import CHECK_NAME, FreshnessCheckDaemon, freshness_sensors
from host.daemon.scheduler import ScheduleItem, Scheduler
from host.daemon.sensors import SensorDaemon, SensorItem
from host.domain.cron import CronError, CronSchedule
from host.domain.instigators import SCHEDULE, SENSOR, current_cursor, find
from host.errors import ConfigError
from host.locations.workspace import WorkspaceManager
from protos.weir.v1 import common_pb2, host_pb2, snapshot_pb2


def preview(
    engine: Engine,
    workspace: WorkspaceManager,
    config: HostConfig,
    request: host_pb2.PreviewInstigatorRequest,
    *,
    now: float,
) -> host_pb2.InstigatorPreview:
    kind = SCHEDULE if request.kind == host_pb2.SCHEDULE else SENSOR if request.kind == host_pb2.SENSOR else ""
    if not kind:
        raise ConfigError("kind must be SCHEDULE or SENSOR")
    location, definition = find(workspace, kind, request.name, request.location or None)
    result = host_pb2.InstigatorPreview(location=location, name=definition.name)
    if isinstance(definition, snapshot_pb2.Schedule):
        slot = request.at or _next_slot(definition, now)
        reply = Scheduler(engine, workspace, config.scheduler).preview(ScheduleItem(location, definition, None), slot)
        result.evaluated_at = slot
    elif definition.kind == snapshot_pb2.AUTOMATION:  # evaluated on the host, not in the location
        return _automation_preview(engine, workspace, config, location, definition.name, now)
    elif definition.kind == snapshot_pb2.FRESHNESS_CHECKS:  # evaluated on the host too
        return _freshness_preview(engine, workspace, location, definition.name, now)
    else:
        assert isinstance(definition, snapshot_pb2.Sensor)
        cursor = request.cursor if request.has_cursor else current_cursor(engine, location, definition.name)
        reply = SensorDaemon(engine, workspace, config.sensors).preview(
            SensorItem(location, definition, None), cursor, now
        )
        result.evaluated_at = now
    default_job = (
        definition.job_name
        if isinstance(definition, snapshot_pb2.Schedule)
        else (definition.job_names[0] if len(definition.job_names) == 1 else "")
    )
    for run_request in reply.run_requests:
        added = result.run_requests.add()
        added.CopyFrom(run_request)
        if not added.job_name and not added.asset_selection:
            added.job_name = default_job  # what the launch would target
    result.skip_reason, result.cursor, result.has_cursor = reply.skip_reason, reply.cursor, reply.has_cursor
    result.timed_out, result.duration_seconds = reply.timed_out, reply.duration_seconds
    result.output = reply.output
    if reply.HasField("error"):
        result.error.CopyFrom(reply.error)
    return result


def _next_slot(schedule: snapshot_pb2.Schedule, now: float) -> float:
    try:
        slot = CronSchedule(tuple(schedule.cron_schedules), schedule.execution_timezone).next_after(now)
    except CronError as exc:
        raise ConfigError(f"schedule {schedule.name!r}: {exc}") from None
    if slot is None:
        raise ConfigError(f"schedule {schedule.name!r} has no tick after now: pass --at TIME")
    return slot


def _automation_preview(
    engine: Engine, workspace: WorkspaceManager, config: HostConfig, location: str, name: str, now: float
) -> host_pb2.InstigatorPreview:
    """The runs an automation sensor's tick would request now (nothing stored, nothing launched)."""
    daemon = AutomationDaemon(engine, workspace, config.automation)
    sensor = next(s for s in daemon.graph().sensors if (s.location, s.name) == (location, name))
    result = host_pb2.InstigatorPreview(location=location, name=name, evaluated_at=now)
    for keys, partition in daemon.preview(sensor, now):
        result.run_requests.add(
            asset_selection=[common_pb2.AssetKey(path=k.split("/")) for k in keys], partition_key=partition or ""
        )
    if not result.run_requests:
        result.skip_reason = "no asset's automation condition is true (`weir automation explain KEY` says why)"
    return result


def _freshness_preview(
    engine: Engine, workspace: WorkspaceManager, location: str, name: str, now: float
) -> host_pb2.InstigatorPreview:
    """The freshness checks a tick of this sensor would evaluate now, and why; nothing is stored."""
    result = host_pb2.InstigatorPreview(location=location, name=name, evaluated_at=now)
    item = next(s for s in freshness_sensors(workspace) if s.location == location and s.sensor.name == name)
    due = FreshnessCheckDaemon(engine, workspace).due_checks(item, now)
    listed = "; ".join(f"{key}:{CHECK_NAME} ({why})" for key, why, _ in due)
    result.skip_reason = (
        f"no run to launch: the host would evaluate {listed}"
        if due
        else "no freshness check needs to be evaluated now (each passed and is not yet due, or failed "
        "and its asset has not materialized since)"
    )
    return result
