"""Calls into user code that the user process answers: one handler per method, bytes in, bytes out.

Each handler parses its request, finds the definition, calls user code through one error boundary
(`_user_code`), and returns a serialized reply. A handler never raises: an exception in user code, a
missing definition or a bad result becomes the reply's `error` (type, message, traceback), so the
user process keeps serving and the host records a FAILURE tick with the reason.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import codeserver.partitions
from codeserver.convert import error_to_proto, event_from_proto, run_request_to_proto
from codeserver.instance_client import evaluation_instance
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


@contextmanager
def _resources(defs: Any, definition: Any) -> Iterator[Any]:
    """The resources this evaluation's function asks for (resource parameters, required_resource_keys),
    built from the location's Definitions(resources=) as the context's `resources`, and torn down when
    the evaluation ends, also when it raised. A resource that fails to build is the evaluation's error,
    naming the resource."""
    from sdk.execution.evaluation_resources import evaluation_resource_keys, evaluation_resources

    keys = evaluation_resource_keys(definition)
    with ExitStack() as stack:
        try:
            built = stack.enter_context(evaluation_resources(getattr(defs, "resources", None) or {}, keys))
        except Exception as exc:
            raise UserCodeFailure(error_to_proto(exc)) from exc
        yield built


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
        from sdk.instance import current_instance

        schedule = _find(defs.get_schedule_def, request.schedule_name, "schedule")
        zone = ZoneInfo(schedule.execution_timezone or "UTC")
        when = datetime.fromtimestamp(request.scheduled_time, zone)
        results = _Results()
        instance = evaluation_instance("schedule", schedule.name)
        with _resources(defs, schedule) as resources, current_instance(instance):
            context = build_schedule_context(scheduled_execution_time=when, resources=resources, instance=instance)
            if schedule.should_execute is not None and not _user_code(schedule.should_execute, context):
                reply.skip_reason = "should_execute returned False"
                return
            if schedule.has_function:
                value = _user_code(schedule.execution_fn, context)
                results.add(value, config_is_request=True)
            else:
                results.add(RunRequest(run_config=schedule.run_config))
        if not results.run_requests and not results.skip_reasons:
            results.skip_reasons.append("the schedule function returned no run requests")
        _fill_reply(reply, results, dict(schedule.tags))

    return _guarded(build)


# a finished run's status -> the engine event that ended it (what run status sensors get as dagster_event)
_RUN_END_EVENT = {"SUCCESS": "RUN_SUCCESS", "FAILURE": "RUN_FAILURE", "CANCELED": "RUN_CANCELED"}


def _run_context(sensor: Any, run: codeserver_pb2.RunSummary, cursor: str | None, resources: Any, instance: Any) -> Any:
    """The sdk's RunStatusSensorContext for one finished run (RunFailureSensorContext for a failed
    one): the same objects a unit test builds with build_run_status_sensor_context."""
    from sdk import DagsterRun, DagsterRunStatus
    from sdk.event_log import DagsterEvent
    from sdk.events import Event
    from sdk.run_status_sensors import RunFailureSensorContext, RunStatusSensorContext

    status = DagsterRunStatus(run.status)
    dagster_run = DagsterRun(job_name=run.job_name, run_id=run.run_id, status=status, tags=dict(run.tags))
    event = None
    if run.HasField("end_event"):  # as the run's worker reported it: a failure's message and error
        event = DagsterEvent(event_from_proto(run.end_event), run.job_name, run.run_id)
    elif run.status in _RUN_END_EVENT:
        verb = {"SUCCESS": "finished successfully", "FAILURE": "failed", "CANCELED": "was canceled"}[run.status]
        message = f'Execution of run for "{run.job_name}" {verb}.'
        ended = Event(type=_RUN_END_EVENT[run.status], timestamp=run.end_time, message=message)
        event = DagsterEvent(ended, run.job_name, run.run_id)
    kind = RunFailureSensorContext if status is DagsterRunStatus.FAILURE else RunStatusSensorContext
    return kind(sensor.name, dagster_run, event, instance=instance, resources=resources, cursor=cursor)


def _sensor_calls(sensor: Any, request: codeserver_pb2.EvaluateSensorRequest, context: Any) -> Iterable[Any]:
    """The values the sensor function returns: once, or once per materialization or finished run."""
    from sdk.event_log import EventLogEntry

    fn = sensor.evaluation_fn  # the sdk's call: the user's function cut to its parameters, resources filled
    if sensor.kind == "ASSET":
        for event in request.materializations:
            yield _user_code(fn, context, EventLogEntry.from_event(event_from_proto(event), event.run_id, None))
    elif sensor.kind == "RUN_STATUS":
        for run in request.runs:
            context_of_run = _run_context(sensor, run, request.cursor or None, context.resources, context._instance)
            yield _user_code(fn, context_of_run)
    else:
        yield _user_code(fn, context)


def evaluate_sensor(defs: Any, body: bytes) -> bytes:
    """A sensor's run requests, skip reason and new cursor; history comes in the request."""
    request = codeserver_pb2.EvaluateSensorRequest.FromString(body)

    def build(reply: codeserver_pb2.EvaluationReply) -> None:
        from sdk import SensorEvaluationContext
        from sdk.instance import current_instance

        sensor = _find(defs.get_sensor_def, request.sensor_name, "sensor")
        initial = request.cursor or None
        results = _Results()
        instance = evaluation_instance("sensor", sensor.name)
        with _resources(defs, sensor) as resources, current_instance(instance):
            context = SensorEvaluationContext(
                cursor=initial,
                last_tick_time=request.last_tick_time or None,
                last_run_key=request.last_run_key or None,
                resources=resources,
                instance=instance,
            )
            for value in _sensor_calls(sensor, request, context):
                results.add(value)
        cursor = results.cursor if results.cursor is not None else context.cursor
        if cursor != initial:
            reply.cursor, reply.has_cursor = wire_text(cursor or ""), True
        _fill_reply(reply, results)

    return _guarded(build)
