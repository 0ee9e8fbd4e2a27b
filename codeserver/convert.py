"""The one place where SDK values become wire values (and back): events, metadata, errors, asset keys.

Text from user code may hold what UTF-8 cannot encode (a lone surrogate such as "\\ud800"), which
protobuf refuses; every string on its way to the wire passes through `wire_text`, so such text
arrives escaped instead of failing the step or the evaluation that produced it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from codeserver.text import wire_text
from protos.weir.v1 import common_pb2
from sdk.events import ErrorInfo, Event
from sdk.keys import AssetKey
from sdk.metadata import MetadataValue, to_metadata_value

_SCALAR_FIELDS = {
    "int": "int_value",
    "float": "float_value",
    "text": "text",
    "url": "url",
    "path": "path",
    "md": "md",
    "bool": "bool_value",
}


def _texts(values: Iterable[str]) -> list[str]:
    return [wire_text(v) for v in values]


def asset_key_to_proto(key: AssetKey | Iterable[str] | str) -> common_pb2.AssetKey:
    if isinstance(key, AssetKey):
        path = key.path
    elif isinstance(key, str):
        path = (key,)
    else:
        path = tuple(key)
    return common_pb2.AssetKey(path=_texts(path))


def asset_key_from_proto(message: common_pb2.AssetKey) -> tuple[str, ...]:
    """The key as the tuple of path parts that sdk.execution.execute_run takes."""
    return tuple(message.path)


def metadata_value_to_proto(value: Any) -> common_pb2.MetadataValue:
    mv: MetadataValue = to_metadata_value(value)
    if mv.kind in _SCALAR_FIELDS:
        value = wire_text(mv.value) if isinstance(mv.value, str) else mv.value
        return common_pb2.MetadataValue(**{_SCALAR_FIELDS[mv.kind]: value})
    if mv.kind == "json":
        return common_pb2.MetadataValue(json=json.dumps(mv.value, sort_keys=True, default=str))
    if mv.kind == "table":
        return common_pb2.MetadataValue(table_json=json.dumps(mv.value, sort_keys=True, default=str))
    return common_pb2.MetadataValue(null_value=True)


def metadata_to_proto(metadata: Mapping[str, Any] | None) -> list[common_pb2.MetadataEntry]:
    """Entries sorted by key, so that equal metadata always serializes to the same bytes."""
    if not metadata:
        return []
    return [
        common_pb2.MetadataEntry(key=wire_text(str(k)), value=metadata_value_to_proto(metadata[k]))
        for k in sorted(metadata)
    ]


def metadata_from_proto(entries: Iterable[common_pb2.MetadataEntry]) -> dict[str, MetadataValue]:
    out: dict[str, MetadataValue] = {}
    for entry in entries:
        which = entry.value.WhichOneof("value")
        if which is None or which == "null_value":
            out[entry.key] = MetadataValue.null()
        elif which in ("json", "table_json"):
            kind = "json" if which == "json" else "table"
            out[entry.key] = MetadataValue(kind, json.loads(getattr(entry.value, which)))
        else:
            kind = {v: k for k, v in _SCALAR_FIELDS.items()}[which]
            out[entry.key] = MetadataValue(kind, getattr(entry.value, which))
    return out


def error_to_proto(error: ErrorInfo | BaseException) -> common_pb2.UserCodeError:
    """A user code error as data; accepts ErrorInfo (from the sdk's error boundary) or an exception."""
    info = error if isinstance(error, ErrorInfo) else ErrorInfo.from_exception(error)
    message = common_pb2.UserCodeError(
        type=wire_text(info.type), message=wire_text(info.message), traceback=wire_text(info.traceback)
    )
    if info.cause is not None:
        message.cause.CopyFrom(error_to_proto(info.cause))
    return message


def error_from_proto(message: common_pb2.UserCodeError) -> ErrorInfo:
    cause = error_from_proto(message.cause) if message.HasField("cause") else None
    return ErrorInfo(message.type, message.message, message.traceback, cause)


def event_to_proto(event: Event, run_id: str, sequence: int) -> common_pb2.RunEvent:
    """A run event numbered by the run worker."""
    message = common_pb2.RunEvent(
        run_id=run_id,
        sequence=sequence,
        type=common_pb2.EventType.Value(event.type),
        timestamp=event.timestamp,
        step_key=wire_text(event.step_key),
        message=wire_text(event.message),
        partition_key=wire_text(event.partition_key),
        metadata=metadata_to_proto(event.metadata),
        check_name=wire_text(event.check_name),
        check_passed=event.check_passed,
        check_severity=wire_text(event.check_severity),
        duration_seconds=event.duration_seconds,
        output_name=wire_text(event.output_name),
        level=wire_text(event.level),
        stream=event.stream,
        dropped_bytes=event.dropped_bytes,
    )
    if event.asset_key is not None:
        message.asset_key.path.extend(_texts(event.asset_key))
    if event.error is not None:
        message.error.CopyFrom(error_to_proto(event.error))
    return message


def event_from_proto(message: common_pb2.RunEvent) -> Event:
    """The sdk Event of a wire event (used by sensors that receive materializations)."""
    return Event(
        type=common_pb2.EventType.Name(message.type),
        timestamp=message.timestamp,
        step_key=message.step_key,
        message=message.message,
        asset_key=tuple(message.asset_key.path) if message.HasField("asset_key") else None,
        partition_key=message.partition_key,
        metadata=metadata_from_proto(message.metadata),
        error=error_from_proto(message.error) if message.HasField("error") else None,
        check_name=message.check_name,
        check_passed=message.check_passed,
        check_severity=message.check_severity,
        duration_seconds=message.duration_seconds,
        output_name=message.output_name,
        level=message.level,
        stream=message.stream,
        dropped_bytes=message.dropped_bytes,
    )


def run_request_to_proto(
    request: Any, default_job_name: str = "", extra_tags: Mapping[str, str] | None = None
) -> common_pb2.RunRequest:
    """A schedule's or sensor's sdk.RunRequest as a wire RunRequest; its own tags win over extra_tags."""
    tags = {**(extra_tags or {}), **{str(k): str(v) for k, v in dict(request.tags or {}).items()}}
    return common_pb2.RunRequest(
        run_key=wire_text(request.run_key or ""),
        job_name=wire_text(request.job_name or default_job_name),
        asset_selection=[asset_key_to_proto(k) for k in request.asset_selection or []],
        run_config_json=json.dumps(request.run_config_dict(), sort_keys=True, default=str),
        tags={wire_text(k): wire_text(v) for k, v in tags.items()},
        partition_key=wire_text(request.partition_key or ""),
    )
