"""The "partition_keys" method of the user process: keys only code can compute.

The host computes static, time-window, dynamic and multi keys from the snapshot by itself; it asks
here for the rest (a custom PartitionsDefinition, a function-based DynamicPartitionsDefinition).
Stored dynamic keys travel in the request, so code never needs storage. Like every handler, it never
raises: a failure in user code is the reply's `error`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from codeserver.loader import error_from_exception
from protos.weir.v1 import codeserver_pb2, common_pb2


def _owner(defs: Any, request: codeserver_pb2.GetPartitionKeysRequest) -> Any:
    if request.job_name:
        return defs.resolve_job_def(request.job_name)
    return defs.get_assets_def(list(request.asset_key.path))


def partition_keys(defs: Any, body: bytes) -> bytes:
    """The partition keys of an asset or job at the request's current time."""
    request = codeserver_pb2.GetPartitionKeysRequest.FromString(body)
    try:
        owner = _owner(defs, request)
    except Exception as exc:
        what = f"job {request.job_name!r}" if request.job_name else f"asset {'/'.join(request.asset_key.path)!r}"
        error = common_pb2.UserCodeError(
            type="DefinitionNotFound",
            message=f"this location has no {what} ({exc}); reload the location if it was renamed",
        )
        return codeserver_pb2.GetPartitionKeysReply(error=error).SerializeToString()
    partitions = getattr(owner, "partitions_def", None)
    if partitions is None:
        return codeserver_pb2.GetPartitionKeysReply().SerializeToString()
    dynamic = {name: list(keys.keys) for name, keys in request.dynamic_keys.items()}
    now = datetime.fromtimestamp(request.current_time, UTC) if request.current_time else datetime.now(UTC)
    try:
        keys = partitions.get_partition_keys(now, dynamic)
    except Exception as exc:
        return codeserver_pb2.GetPartitionKeysReply(error=error_from_exception(exc)).SerializeToString()
    return codeserver_pb2.GetPartitionKeysReply(keys=[str(k) for k in keys]).SerializeToString()
