"""The Host API servicer: each method checks its input, calls a plain function, builds the reply."""

from __future__ import annotations

import grpc

from host.api import limits, logs
from host.api.assets import AssetMethods
from host.api.automation import AutomationMethods
from host.api.errors import grpc_errors
from host.api.instigators import InstigatorMethods
from host.api.logs import LogMethods
from host.api.partitions import PartitionMethods
from host.api.services import HostServices
from host.domain import deletion, reexecution, runs
from host.domain.freshness import freshness_to_proto
from host.domain.runs import run_to_proto
from host.storage import assets as asset_store
from host.storage import events as event_store
from host.storage import runs as run_store
from protos import wire
from protos.keys import asset_key_str
from protos.weir.v1 import common_pb2, host_pb2, host_pb2_grpc


class HostServicer(
    InstigatorMethods, PartitionMethods, LogMethods, AssetMethods, AutomationMethods, host_pb2_grpc.HostServicer
):
    def __init__(self, app: HostServices) -> None:
        self.app = app

    @grpc_errors
    def ListLocations(
        self, request: host_pb2.ListLocationsRequest, context: grpc.ServicerContext
    ) -> host_pb2.ListLocationsReply:
        return host_pb2.ListLocationsReply(locations=[h.state.to_proto() for h in self.app.workspace.handles()])

    @grpc_errors
    def ReloadLocation(
        self, request: host_pb2.ReloadLocationRequest, context: grpc.ServicerContext
    ) -> host_pb2.Location:
        handle = self.app.workspace.get(request.name)
        handle.reload(self.app.workspace.snapshots)
        return handle.state.to_proto()

    @grpc_errors
    def ReloadWorkspace(
        self, request: host_pb2.ReloadWorkspaceRequest, context: grpc.ServicerContext
    ) -> host_pb2.ReloadWorkspaceReply:
        change = self.app.reload_workspace()
        locations = [h.state.to_proto() for h in self.app.workspace.handles()]
        return host_pb2.ReloadWorkspaceReply(
            added=change.added, removed=change.removed, changed=change.changed, locations=locations
        )

    @grpc_errors
    def ListAssets(
        self, request: host_pb2.ListAssetsRequest, context: grpc.ServicerContext
    ) -> host_pb2.ListAssetsReply:
        handles = [self.app.workspace.get(request.location)] if request.location else self.app.workspace.handles()
        entries = []
        with self.app.engine.connect() as conn:
            latest = asset_store.latest_materializations(conn)
        for handle in handles:
            snapshot = handle.state.snapshot
            for node in snapshot.assets if snapshot else ():
                entry = host_pb2.AssetEntry(location=handle.name, node=node)
                mat = latest.get(asset_key_str(node.key))
                if mat is not None:
                    entry.latest_materialization.CopyFrom(
                        host_pb2.Materialization(
                            run_id=mat.run_id, timestamp=mat.timestamp, partition_key=mat.partition_key or ""
                        )
                    )
                fresh = freshness_to_proto(node, mat.timestamp if mat is not None else None, self.app.clock())
                if fresh is not None:
                    entry.freshness.CopyFrom(fresh)
                entries.append(entry)
        return host_pb2.ListAssetsReply(assets=entries)

    @grpc_errors
    def LaunchRun(self, request: host_pb2.LaunchRunRequest, context: grpc.ServicerContext) -> host_pb2.Run:
        run = runs.launch_run(self.app.engine, self.app.workspace, request, now=self.app.clock())
        self.app.wake_queue()
        return run_to_proto(run)

    @grpc_errors
    def GetRun(self, request: host_pb2.GetRunRequest, context: grpc.ServicerContext) -> host_pb2.Run:
        return run_to_proto(runs.get_run(self.app.engine, request.run_id))

    @grpc_errors
    def ListRuns(self, request: host_pb2.ListRunsRequest, context: grpc.ServicerContext) -> host_pb2.ListRunsReply:
        statuses = tuple(host_pb2.RunStatus.Name(s) for s in request.statuses)  # values checked by limits
        with self.app.engine.connect() as conn:
            page, cursor = run_store.list_runs(
                conn,
                statuses=statuses,
                location=request.location or None,
                job_name=request.job_name or None,
                tags=dict(request.tags),
                limit=limits.page_size(request.limit, limits.RUNS_PAGE),
                cursor=request.cursor or None,
                max_bytes=wire.MAX_PAGE_BYTES,
                created=(request.created_after or None, request.created_before or None),
            )
        return host_pb2.ListRunsReply(runs=[run_to_proto(r) for r in page], next_cursor=cursor or "")

    @grpc_errors
    def GetRunEvents(
        self, request: host_pb2.GetRunEventsRequest, context: grpc.ServicerContext
    ) -> host_pb2.GetRunEventsReply:
        run = runs.get_run(self.app.engine, request.run_id)
        with self.app.engine.connect() as conn:
            bodies, more = event_store.event_bodies(
                conn,
                request.run_id,
                after_sequence=request.after_sequence,
                limit=limits.page_size(request.limit, limits.EVENTS_PAGE),
                max_bytes=wire.MAX_PAGE_BYTES,
                exclude_types=logs.type_names(request.exclude_types),
            )
        reply = host_pb2.GetRunEventsReply(run=run_to_proto(run), has_more=more)
        for body in bodies:
            reply.events.add().MergeFromString(body)
        return reply

    @grpc_errors
    def ReexecuteRun(self, request: host_pb2.ReexecuteRunRequest, context: grpc.ServicerContext) -> host_pb2.Run:
        run = reexecution.reexecute_run(
            self.app.engine,
            self.app.workspace,
            request.run_id,
            from_failure=request.from_failure,
            selection=list(request.selection),
            now=self.app.clock(),
        )
        self.app.wake_queue()
        return run_to_proto(run)

    @grpc_errors
    def CancelRun(self, request: common_pb2.CancelRunRequest, context: grpc.ServicerContext) -> host_pb2.Run:
        return run_to_proto(
            runs.cancel_run(
                self.app.engine,
                self.app.workspace,
                request.run_id,
                now=self.app.clock(),
                grace_seconds=self.app.config.run_monitoring.kill_grace_seconds,
                launcher=self.app.launcher,
            )
        )

    @grpc_errors
    def DeleteRun(self, request: host_pb2.DeleteRunRequest, context: grpc.ServicerContext) -> host_pb2.DeleteRunReply:
        deletion.delete_run(self.app.engine, request.run_id)
        return host_pb2.DeleteRunReply()
