"""Host API methods for partitions, dynamic partitions and backfills; HostServicer inherits them.

Each method converts the request, calls a plain function (host/domain/partitions.py, host/domain/backfills.py) and
builds the reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

from host.api.errors import grpc_errors
from host.domain import backfills, partitions
from host.errors import ConfigError
from host.storage import partitions as partition_store
from protos.keys import asset_key_str
from protos.weir.v1 import host_pb2

if TYPE_CHECKING:
    from host.api.services import HostServices


def _ranges(keys: list[str], members: set[str]) -> list[host_pb2.PartitionRange]:
    return [host_pb2.PartitionRange(start=a, end=b, count=n) for a, b, n in partitions.ranges(keys, members)]


class PartitionMethods:
    """Mixed into HostServicer, which provides `self.app`."""

    app: HostServices

    @grpc_errors
    def ListPartitionKeys(
        self, request: host_pb2.ListPartitionKeysRequest, context: grpc.ServicerContext
    ) -> host_pb2.ListPartitionKeysReply:
        if not request.job_name and not request.asset_key.path:
            raise ConfigError("name an asset (asset_key) or a job (job_name)")
        found = partitions.list_partition_keys(
            self.app.engine,
            self.app.workspace,
            request.location,
            asset_key=asset_key_str(request.asset_key),
            job_name=request.job_name,
            now=self.app.clock(),
        )
        keys = found.keys
        if request.offset or request.limit:
            keys = keys[request.offset : request.offset + request.limit if request.limit else None]
        return host_pb2.ListPartitionKeysReply(keys=keys, computed_by=found.computed_by, total=len(found.keys))

    @grpc_errors
    def GetPartitionStatus(
        self, request: host_pb2.GetPartitionStatusRequest, context: grpc.ServicerContext
    ) -> host_pb2.PartitionStatus:
        key = asset_key_str(request.asset_key)
        view = partitions.partition_status(
            self.app.engine, self.app.workspace, request.location, key, now=self.app.clock()
        )
        missing = view.missing
        return host_pb2.PartitionStatus(
            location=request.location,
            asset_key=request.asset_key,
            total=len(view.keys),
            materialized_count=len(view.materialized),
            failed_count=len(view.failed),
            in_progress_count=len(view.in_progress),
            missing_count=len(missing),
            materialized=_ranges(view.keys, view.materialized),
            failed=_ranges(view.keys, view.failed),
            in_progress=_ranges(view.keys, view.in_progress),
            missing=_ranges(view.keys, missing),
        )

    def _dynamic(self, request: host_pb2.DynamicPartitionsChange, *, delete: bool) -> host_pb2.DynamicPartitionKeys:
        changed, keys = partitions.change_dynamic_partitions(
            self.app.engine, request.partitions_def_name, list(request.keys), delete=delete
        )
        return host_pb2.DynamicPartitionKeys(
            partitions_def_name=request.partitions_def_name, keys=keys, changed=changed
        )

    @grpc_errors
    def AddDynamicPartitions(
        self, request: host_pb2.DynamicPartitionsChange, context: grpc.ServicerContext
    ) -> host_pb2.DynamicPartitionKeys:
        return self._dynamic(request, delete=False)

    @grpc_errors
    def DeleteDynamicPartitions(
        self, request: host_pb2.DynamicPartitionsChange, context: grpc.ServicerContext
    ) -> host_pb2.DynamicPartitionKeys:
        return self._dynamic(request, delete=True)

    @grpc_errors
    def ListDynamicPartitions(
        self, request: host_pb2.ListDynamicPartitionsRequest, context: grpc.ServicerContext
    ) -> host_pb2.DynamicPartitionKeys:
        name = partitions.check_definition_name(request.partitions_def_name)
        with self.app.engine.connect() as conn:
            keys = partition_store.list_dynamic_partitions(conn, name)
        return host_pb2.DynamicPartitionKeys(partitions_def_name=request.partitions_def_name, keys=keys)

    @grpc_errors
    def LaunchBackfill(
        self, request: host_pb2.LaunchBackfillRequest, context: grpc.ServicerContext
    ) -> host_pb2.Backfill:
        backfill = backfills.create_backfill(self.app.engine, self.app.workspace, request, now=self.app.clock())
        return backfills.backfill_to_proto(self.app.engine, backfill, with_partitions=False)

    @grpc_errors
    def GetBackfill(self, request: host_pb2.GetBackfillRequest, context: grpc.ServicerContext) -> host_pb2.Backfill:
        backfill = backfills.get_backfill(self.app.engine, request.backfill_id)
        return backfills.backfill_to_proto(self.app.engine, backfill, with_partitions=request.with_partitions)

    @grpc_errors
    def ListBackfills(
        self, request: host_pb2.ListBackfillsRequest, context: grpc.ServicerContext
    ) -> host_pb2.ListBackfillsReply:
        with self.app.engine.connect() as conn:
            found = partition_store.list_backfills(
                conn, statuses=tuple(request.statuses), location=request.location or None, limit=request.limit or 50
            )
        return host_pb2.ListBackfillsReply(
            backfills=[backfills.backfill_to_proto(self.app.engine, b, with_partitions=False) for b in found]
        )

    @grpc_errors
    def CancelBackfill(
        self, request: host_pb2.CancelBackfillRequest, context: grpc.ServicerContext
    ) -> host_pb2.Backfill:
        backfill = backfills.cancel_backfill(self.app.engine, request.backfill_id)
        return backfills.backfill_to_proto(self.app.engine, backfill, with_partitions=False)
