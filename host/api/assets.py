"""Host API methods for one asset: its details, its history and wiping it; HostServicer inherits them.

Each method converts the request, calls a plain function (host/domain/assets.py) and builds the reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

from host.api import limits
from host.api.errors import grpc_errors
from host.domain import assets, deletion
from protos import wire
from protos.keys import asset_key_str
from protos.weir.v1 import host_pb2

if TYPE_CHECKING:
    from host.api.services import HostServices


class AssetMethods:
    """Mixed into HostServicer, which provides `self.app`."""

    app: HostServices

    @grpc_errors
    def GetAssetDetails(
        self, request: host_pb2.GetAssetDetailsRequest, context: grpc.ServicerContext
    ) -> host_pb2.AssetDetails:
        return assets.asset_details(
            self.app.engine, self.app.workspace, asset_key_str(request.asset_key), request.location, self.app.clock()
        )

    @grpc_errors
    def ListAssetEvents(
        self, request: host_pb2.ListAssetEventsRequest, context: grpc.ServicerContext
    ) -> host_pb2.ListAssetEventsReply:
        return assets.asset_events(
            self.app.engine,
            request,
            limit=limits.page_size(request.limit, limits.ASSET_EVENTS_PAGE),
            max_bytes=wire.MAX_PAGE_BYTES,
        )

    @grpc_errors
    def WipeAssets(
        self, request: host_pb2.WipeAssetsRequest, context: grpc.ServicerContext
    ) -> host_pb2.WipeAssetsReply:
        keys = [asset_key_str(key) for key in request.asset_keys]
        wiped = deletion.wipe_assets(self.app.engine, self.app.workspace, keys, list(request.partition_keys))
        return host_pb2.WipeAssetsReply(wiped=wiped)
