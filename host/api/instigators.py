"""Host API methods for schedules, sensors, ticks and the daemon's health; HostServicer inherits them.

Each method converts the request, calls a plain function of host/instigators.py, and builds the reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from host.api import limits
from host.api.errors import grpc_errors
from host.domain import instigators
from host.errors import ConfigError
from host.storage.records import TickRecord
from protos import wire
from protos.weir.v1 import host_pb2, snapshot_pb2

if TYPE_CHECKING:
    from host.api.services import HostServices


_KINDS = {host_pb2.SCHEDULE: "SCHEDULE", host_pb2.SENSOR: "SENSOR"}


def _kind(value: int, *, required: bool = True) -> str | None:
    if value in _KINDS:
        return _KINDS[value]
    if required:
        raise ConfigError("kind must be SCHEDULE or SENSOR")
    return None


def tick_to_proto(tick: TickRecord) -> host_pb2.Tick:
    return host_pb2.Tick(
        tick_id=tick.tick_id, location=tick.location, name=tick.name, kind=host_pb2.InstigatorKind.Value(tick.kind),
        status=tick.status, timestamp=tick.timestamp, logical_time=tick.logical_time or 0.0,
        reason=tick.reason or "", run_ids=list(tick.run_ids), error=tick.error or "", cursor=tick.cursor or "")


def instigator_to_proto(item: instigators.InstigatorView) -> host_pb2.Instigator:
    definition = item.definition
    msg = host_pb2.Instigator(
        location=item.location, name=item.name, kind=host_pb2.InstigatorKind.Value(item.kind), status=item.status,
        status_from_code=item.status_from_code, cursor=item.cursor or "", next_tick_time=item.next_tick_time or 0.0,
        description=definition.description, asset_selection=list(definition.asset_selection))
    if isinstance(definition, snapshot_pb2.Schedule):
        msg.cron_schedules.extend(definition.cron_schedules)
        msg.execution_timezone = definition.execution_timezone
        msg.job_names.extend([definition.job_name] if definition.job_name else [])
    else:
        msg.minimum_interval_seconds = definition.minimum_interval_seconds
        msg.job_names.extend(definition.job_names)
        msg.sensor_kind = snapshot_pb2.SensorKind.Name(definition.kind)
    if item.last_tick is not None:
        msg.last_tick.CopyFrom(tick_to_proto(item.last_tick))
    if item.last_success is not None:
        msg.last_success.CopyFrom(tick_to_proto(item.last_success))
    return msg


class InstigatorMethods:
    """Mixed into HostServicer, which provides `self.app`."""

    app: HostServices

    @grpc_errors
    def ListInstigators(self, request, context):
        items = instigators.list_instigators(self.app.engine, self.app.workspace, now=self.app.clock(),
                                             kind=_kind(request.kind, required=False),
                                             location=request.location or None)
        return host_pb2.ListInstigatorsReply(instigators=[instigator_to_proto(i) for i in items])

    @grpc_errors
    def SetInstigatorStatus(self, request, context):
        item = instigators.set_status(self.app.engine, self.app.workspace, kind=_kind(request.kind) or "",
                                      name=request.name, location=request.location or None,
                                      status=request.status, now=self.app.clock())
        return instigator_to_proto(item)

    @grpc_errors
    def SetSensorCursor(self, request, context):
        item = instigators.set_sensor_cursor(self.app.engine, self.app.workspace, name=request.name,
                                             location=request.location or None,
                                             cursor=None if request.clear else request.cursor, now=self.app.clock())
        return instigator_to_proto(item)

    @grpc_errors
    def ListTicks(self, request, context):
        ticks, cursor = instigators.list_ticks(
            self.app.engine, self.app.workspace, kind=_kind(request.kind) or "", name=request.name,
            location=request.location or None, limit=limits.page_size(request.limit, limits.TICKS_PAGE),
            statuses=tuple(request.statuses), cursor=request.cursor or None, max_bytes=wire.MAX_PAGE_BYTES)
        return host_pb2.ListTicksReply(ticks=[tick_to_proto(t) for t in ticks], next_cursor=cursor or "")

    @grpc_errors
    def GetDaemonStatus(self, request, context):
        app = self.app
        now = app.clock()
        lead = app.leader.status()
        loops = [host_pb2.DaemonLoop(
            name=loop.name, heartbeat_age_seconds=now - loop.last_pass if loop.last_pass else -1.0,
            interval_seconds=loop.interval_seconds, last_error=loop.last_error,
            active=lead.is_leader or loop.name == "leader") for loop in app.daemon.loops]
        items = instigators.list_instigators(app.engine, app.workspace, now=now)
        return host_pb2.DaemonStatus(
            host_id=lead.owner, is_leader=lead.is_leader, leader=lead.leader, fencing_token=lead.token,
            lease_expires_in=lead.expires_in, loops=loops, instigators=[instigator_to_proto(i) for i in items])
