"""Host API methods for schedules, sensors, ticks and the daemon's health; HostServicer inherits them.

Each method converts the request, calls a plain function of host/domain/instigators.py, and builds the reply.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import grpc

from host.api import limits
from host.api.errors import grpc_errors
from host.config import AutomationConfig
from host.daemon.automation import sensor_interval
from host.daemon.preview import preview
from host.domain import instigators
from host.errors import ConfigError
from host.storage.records import InstigatorKind, TickRecord
from protos import wire
from protos.weir.v1 import host_pb2, snapshot_pb2

if TYPE_CHECKING:
    from host.api.services import HostServices


_KINDS = {host_pb2.SCHEDULE: InstigatorKind.SCHEDULE, host_pb2.SENSOR: InstigatorKind.SENSOR}


def _kind(value: host_pb2.InstigatorKind.ValueType) -> InstigatorKind:
    if value not in _KINDS:
        raise ConfigError("kind must be SCHEDULE or SENSOR")
    return _KINDS[value]


def _kind_or_both(value: host_pb2.InstigatorKind.ValueType) -> InstigatorKind | None:
    """None (schedules and sensors) for INSTIGATOR_KIND_UNSPECIFIED."""
    return None if value == host_pb2.INSTIGATOR_KIND_UNSPECIFIED else _kind(value)


def tick_to_proto(tick: TickRecord) -> host_pb2.Tick:
    return host_pb2.Tick(
        tick_id=tick.tick_id,
        location=tick.location,
        name=tick.name,
        kind=host_pb2.InstigatorKind.Value(tick.kind),
        status=tick.status,
        timestamp=tick.timestamp,
        logical_time=tick.logical_time or 0.0,
        reason=tick.reason or "",
        run_ids=list(tick.run_ids),
        error=tick.error or "",
        cursor=tick.cursor or "",
        output=tick.output or "",
    )


def instigator_to_proto(
    item: instigators.InstigatorView, automation: AutomationConfig | None = None
) -> host_pb2.Instigator:
    definition = item.definition
    msg = host_pb2.Instigator(
        location=item.location,
        name=item.name,
        kind=host_pb2.InstigatorKind.Value(item.kind),
        status=item.status,
        status_from_code=item.status_from_code,
        cursor=item.cursor or "",
        next_tick_time=item.next_tick_time or 0.0,
        description=definition.description,
        asset_selection=list(definition.asset_selection),
    )
    if isinstance(definition, snapshot_pb2.Schedule):
        msg.cron_schedules.extend(definition.cron_schedules)
        msg.execution_timezone = definition.execution_timezone
        msg.job_names.extend([definition.job_name] if definition.job_name else [])
    else:
        msg.minimum_interval_seconds = definition.minimum_interval_seconds
        msg.interval_seconds = sensor_interval(definition, automation or AutomationConfig())
        msg.job_names.extend(definition.job_names)
        msg.sensor_kind = snapshot_pb2.SensorKind.Name(definition.kind)
    # Without the output (up to 64 KB each, times every instigator): ListTicks carries it.
    if item.last_tick is not None:
        msg.last_tick.CopyFrom(tick_to_proto(replace(item.last_tick, output=None)))
    if item.last_success is not None:
        msg.last_success.CopyFrom(tick_to_proto(replace(item.last_success, output=None)))
    return msg


class InstigatorMethods:
    """Mixed into HostServicer, which provides `self.app`."""

    app: HostServices

    @grpc_errors
    def ListInstigators(
        self, request: host_pb2.ListInstigatorsRequest, context: grpc.ServicerContext
    ) -> host_pb2.ListInstigatorsReply:
        items = instigators.list_instigators(
            self.app.engine,
            self.app.workspace,
            now=self.app.clock(),
            kind=_kind_or_both(request.kind),
            location=request.location or None,
        )
        return host_pb2.ListInstigatorsReply(
            instigators=[instigator_to_proto(i, self.app.config.automation) for i in items]
        )

    @grpc_errors
    def SetInstigatorStatus(
        self, request: host_pb2.SetInstigatorStatusRequest, context: grpc.ServicerContext
    ) -> host_pb2.Instigator:
        item = instigators.set_status(
            self.app.engine,
            self.app.workspace,
            kind=_kind(request.kind),
            name=request.name,
            location=request.location or None,
            status=request.status,
            now=self.app.clock(),
        )
        return instigator_to_proto(item, self.app.config.automation)

    @grpc_errors
    def SetSensorCursor(
        self, request: host_pb2.SetSensorCursorRequest, context: grpc.ServicerContext
    ) -> host_pb2.Instigator:
        item = instigators.set_sensor_cursor(
            self.app.engine,
            self.app.workspace,
            name=request.name,
            location=request.location or None,
            cursor=None if request.clear else request.cursor,
            now=self.app.clock(),
        )
        return instigator_to_proto(item, self.app.config.automation)

    @grpc_errors
    def PreviewInstigator(
        self, request: host_pb2.PreviewInstigatorRequest, context: grpc.ServicerContext
    ) -> host_pb2.InstigatorPreview:
        return preview(self.app.engine, self.app.workspace, self.app.config, request, now=self.app.clock())

    @grpc_errors
    def ListTicks(self, request: host_pb2.ListTicksRequest, context: grpc.ServicerContext) -> host_pb2.ListTicksReply:
        ticks, cursor = instigators.list_ticks(
            self.app.engine,
            self.app.workspace,
            kind=_kind(request.kind),
            name=request.name,
            location=request.location or None,
            limit=limits.page_size(request.limit, limits.TICKS_PAGE),
            statuses=tuple(request.statuses),
            cursor=request.cursor or None,
            max_bytes=wire.MAX_PAGE_BYTES,
        )
        return host_pb2.ListTicksReply(ticks=[tick_to_proto(t) for t in ticks], next_cursor=cursor or "")

    @grpc_errors
    def GetDaemonStatus(
        self, request: host_pb2.GetDaemonStatusRequest, context: grpc.ServicerContext
    ) -> host_pb2.DaemonStatus:
        app = self.app
        now = app.clock()
        lead = app.leader.status()
        loops = [
            host_pb2.DaemonLoop(
                name=loop.name,
                heartbeat_age_seconds=now - loop.last_pass if loop.last_pass else -1.0,
                interval_seconds=loop.interval_seconds,
                last_error=loop.last_error,
                active=lead.is_leader or loop.name == "leader",
            )
            for loop in app.daemon.loops
        ]
        items = instigators.list_instigators(app.engine, app.workspace, now=now)
        return host_pb2.DaemonStatus(
            host_id=lead.owner,
            is_leader=lead.is_leader,
            leader=lead.leader,
            fencing_token=lead.token,
            lease_expires_in=lead.expires_in,
            loops=loops,
            instigators=[instigator_to_proto(i, self.app.config.automation) for i in items],
        )
