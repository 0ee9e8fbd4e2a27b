"""Calls into user code that the user process answers: one handler per method, bytes in, bytes out.

Each handler parses its request, finds the definition, calls user code through one error boundary
(`_user_code`), and returns a serialized reply. A handler never raises: an exception in user code, a
missing definition or a bad result becomes the reply's `error` (type, message, traceback), so the
user process keeps serving and the host records a FAILURE tick with the reason.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import codeserver.partitions
from codeserver.convert import error_to_proto, run_request_to_proto
from codeserver.text import wire_text
from protos.weir.v1 import codeserver_pb2, common_pb2

Handler = Callable[[bytes], bytes]


class UserCodeFailure(Exception):
    """User code raised; carries the error as data for the reply."""

    def __init__(self, error: common_pb2.UserCodeError) -> None:
        super().__init__(error.message)
        self.error = error


def handlers(defs: Any) -> dict[str, Handler]:
    """The methods a user process serves for these Definitions."""
    return {
        "ping": lambda body: body,
        "evaluate_schedule": lambda body: evaluate_schedule(defs, body),
        "evaluate_sensor": lambda body: evaluate_sensor(defs, body),
        "partition_keys": lambda body: codeserver.partitions.partition_keys(defs, body),
    }


def _user_code(fn: Callable[..., Any], *args: Any) -> Any:
    """The error boundary: call user code and drain what it yields; exceptions become data."""
    try:
        result = fn(*args)
        if inspect.isgenerator(result):
            result = list(result)
        return result
    except Exception as exc:
        raise UserCodeFailure(error_to_proto(exc)) from exc


def _framework_error(kind: str, message: str) -> common_pb2.UserCodeError:
    return common_pb2.UserCodeError(type=kind, message=wire_text(message))


def _accepts_context(fn: Callable[..., Any]) -> bool:
    try:
        return bool(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return True


@dataclass
class _Results:
    """Run requests and skip reasons gathered from whatever a user function returned."""

    run_requests: list[Any] = field(default_factory=list)
    skip_reasons: list[str] = field(default_factory=list)
    cursor: str | None = None
    partition_requests: list[Any] = field(default_factory=list)

    def add(self, value: Any, *, config_is_request: bool = False) -> None:
        from sdk import RunRequest, SensorResult, SkipReason

        if value is None:
            return
        if isinstance(value, RunRequest):
            self.run_requests.append(value)
        elif isinstance(value, SkipReason):
            self.skip_reasons.append(value.skip_message or "skipped")
        elif isinstance(value, SensorResult):
            for request in value.run_requests or ():
                self.add(request)
            if value.skip_reason is not None:
                reason = value.skip_reason
                self.add(reason if isinstance(reason, SkipReason) else SkipReason(reason))
            if value.cursor is not None:
                self.cursor = value.cursor
            self.partition_requests.extend(value.dynamic_partitions_requests or ())
        elif isinstance(value, dict) and config_is_request:
            self.run_requests.append(RunRequest(run_config=value))
        elif isinstance(value, (list, tuple)):
            for item in value:
                self.add(item, config_is_request=config_is_request)
        else:
            raise TypeError(
                f"expected RunRequest, SkipReason, SensorResult or a list of them, got "
                f"{type(value).__name__}: return one of those from the function"
            )


def _fill_reply(
    reply: codeserver_pb2.EvaluationReply, results: _Results, extra_tags: dict[str, str] | None = None
) -> None:
    for request in results.run_requests:
        reply.run_requests.append(run_request_to_proto(request, extra_tags=extra_tags))
    if not results.run_requests and results.skip_reasons:
        reply.skip_reason = wire_text("; ".join(results.skip_reasons))
    for change in results.partition_requests:
        name = wire_text(getattr(change, "partitions_def_name", ""))
        keys = [wire_text(str(k)) for k in getattr(change, "partition_keys", ())]
        message = codeserver_pb2.DynamicPartitionsRequest(partitions_def_name=name)
        (message.delete_keys if "Delete" in type(change).__name__ else message.add_keys).extend(keys)
        reply.dynamic_partitions_requests.append(message)


def _guarded(build: Callable[[codeserver_pb2.EvaluationReply], None]) -> bytes:
    reply = codeserver_pb2.EvaluationReply()
    try:
        build(reply)
    except UserCodeFailure as failure:
        reply = codeserver_pb2.EvaluationReply(error=failure.error)
    except Exception as exc:  # a bug in the conversion, not in user code: still an answer, never a crash
        reply = codeserver_pb2.EvaluationReply(error=error_to_proto(exc))
    return reply.SerializeToString()


def _find(getter: Callable[[str], Any], name: str, what: str) -> Any:
    try:
        return getter(name)
    except Exception as exc:
        raise UserCodeFailure(
            _framework_error(
                f"{what.title()}NotFound",
                f"this location has no {what} {name!r} ({exc}); reload the location if it was renamed",
            )
        ) from exc


def evaluate_schedule(defs: Any, body: bytes) -> bytes:
    """A schedule's run requests for one slot (its logical time, in the schedule's time zone)."""
    request = codeserver_pb2.EvaluateScheduleRequest.FromString(body)

    def build(reply: codeserver_pb2.EvaluationReply) -> None:
        from sdk import RunRequest, build_schedule_context

        schedule = _find(defs.get_schedule_def, request.schedule_name, "schedule")
        zone = ZoneInfo(schedule.execution_timezone or "UTC")
        context = build_schedule_context(scheduled_execution_time=datetime.fromtimestamp(request.scheduled_time, zone))
        if schedule.should_execute is not None and not _user_code(schedule.should_execute, context):
            reply.skip_reason = "should_execute returned False"
            return
        results = _Results()
        if schedule.has_function:
            fn = schedule.execution_fn
            value = _user_code(fn, context) if _accepts_context(fn) else _user_code(fn)
            results.add(value, config_is_request=True)
        else:
            results.add(RunRequest(run_config=schedule.run_config))
        if not results.run_requests and not results.skip_reasons:
            results.skip_reasons.append("the schedule function returned no run requests")
        _fill_reply(reply, results, dict(schedule.tags))

    return _guarded(build)


@dataclass(frozen=True)
class AssetMaterialization:
    asset_key: Any
    partition: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class EventLogEntry:
    """What an @asset_sensor function receives: one materialization (Dagster's EventLogEntry shape)."""

    run_id: str
    timestamp: float
    asset_materialization: AssetMaterialization

    @property
    def dagster_event(self) -> AssetMaterialization:
        return self.asset_materialization


@dataclass(frozen=True)
class DagsterRun:
    run_id: str
    job_name: str
    status: Any
    tags: dict[str, str]


@dataclass
class RunStatusSensorContext:
    """What a @run_status_sensor / @run_failure_sensor function receives, for one run."""

    sensor_name: str
    dagster_run: DagsterRun
    cursor: str | None = None
    log: Any = None

    @property
    def failure_event(self) -> DagsterRun:
        return self.dagster_run


def _event_entry(event: common_pb2.RunEvent) -> EventLogEntry:
    from sdk import AssetKey

    metadata = {e.key: getattr(e.value, e.value.WhichOneof("value") or "text", None) for e in event.metadata}
    materialization = AssetMaterialization(AssetKey(list(event.asset_key.path)), event.partition_key or None, metadata)
    return EventLogEntry(run_id=event.run_id, timestamp=event.timestamp, asset_materialization=materialization)


def _sensor_calls(sensor: Any, request: codeserver_pb2.EvaluateSensorRequest, context: Any) -> Iterable[Any]:
    """The values the sensor function returns: once, or once per materialization or finished run."""
    from sdk import DagsterRunStatus

    fn = sensor.evaluation_fn
    if sensor.kind == "ASSET":
        for event in request.materializations:
            yield _user_code(fn, context, _event_entry(event))
    elif sensor.kind == "RUN_STATUS":
        for run in request.runs:
            run_context = RunStatusSensorContext(
                sensor.name,
                DagsterRun(run.run_id, run.job_name, DagsterRunStatus(run.status), dict(run.tags)),
                cursor=request.cursor or None,
            )
            yield _user_code(fn, run_context)
    else:
        yield _user_code(fn, context) if _accepts_context(fn) else _user_code(fn)


def evaluate_sensor(defs: Any, body: bytes) -> bytes:
    """A sensor's run requests, skip reason and new cursor; history comes in the request."""
    request = codeserver_pb2.EvaluateSensorRequest.FromString(body)

    def build(reply: codeserver_pb2.EvaluationReply) -> None:
        from sdk import SensorEvaluationContext

        sensor = _find(defs.get_sensor_def, request.sensor_name, "sensor")
        initial = request.cursor or None
        context = SensorEvaluationContext(
            cursor=initial, last_tick_time=request.last_tick_time or None, last_run_key=request.last_run_key or None
        )
        results = _Results()
        for value in _sensor_calls(sensor, request, context):
            results.add(value)
        cursor = results.cursor if results.cursor is not None else context.cursor
        if cursor != initial:
            reply.cursor, reply.has_cursor = wire_text(cursor or ""), True
        _fill_reply(reply, results)

    return _guarded(build)
