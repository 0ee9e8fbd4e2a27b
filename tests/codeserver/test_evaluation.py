"""The user process's evaluation handlers: schedules and sensors called through the error boundary,
their results as EvaluationReply messages."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import sdk as dg
from codeserver.evaluation import handlers
from protos.weir.v1 import codeserver_pb2, common_pb2


@dg.asset
def orders() -> int:
    return 1


orders_job = dg.define_asset_job("orders_job", selection=[orders])
seen: dict[str, object] = {}


@dg.schedule(cron_schedule="30 2 * * *", job=orders_job, execution_timezone="Europe/Berlin", tags={"team": "sales"})
def nightly(context: dg.ScheduleEvaluationContext):
    seen["scheduled"] = context.scheduled_execution_time
    return dg.RunRequest(run_key="k1", run_config={"ops": {"orders": {"config": {"n": 1}}}}, tags={"x": "1"})


@dg.schedule(cron_schedule="0 * * * *", job=orders_job)
def skipping(context):
    return dg.SkipReason("nothing to do today")


@dg.schedule(cron_schedule="0 * * * *", job=orders_job)
def broken(context):
    raise ValueError("the warehouse is closed")


@dg.schedule(cron_schedule="0 * * * *", job=orders_job)
def many(context):
    for i in range(3):
        yield dg.RunRequest(run_key=f"r{i}")


static = dg.ScheduleDefinition(
    name="static",
    cron_schedule="0 3 * * *",
    job=orders_job,
    run_config={"ops": {"orders": {"config": {"n": 2}}}},
    tags={"kind": "static"},
)


@dg.sensor(job=orders_job)
def counting(context: dg.SensorEvaluationContext):
    n = int(context.cursor or 0) + 1
    context.update_cursor(str(n))
    return dg.RunRequest(run_key=f"n{n}")


@dg.sensor(job=orders_job)
def result_sensor(context):
    return dg.SensorResult(run_requests=[dg.RunRequest(run_key="a")], cursor="c9")


@dg.sensor(job=orders_job)
def quiet():
    return dg.SkipReason("no new files")


@dg.asset_sensor(asset_key=dg.AssetKey("orders"), job=orders_job)
def on_orders(context, asset_event):
    partition = asset_event.asset_materialization.partition or ""
    return dg.RunRequest(run_key=f"{asset_event.run_id}", tags={"partition": partition})


@dg.run_failure_sensor
def on_failure(context):
    return dg.RunRequest(run_key=f"retry-{context.dagster_run.run_id}", job_name="orders_job")


defs = dg.Definitions(
    assets=[orders],
    jobs=[orders_job],
    schedules=[nightly, skipping, broken, many, static],
    sensors=[counting, result_sensor, quiet, on_orders, on_failure],
)
CALL = handlers(defs)


def _schedule(name: str, when: float = 1_774_747_800.0) -> codeserver_pb2.EvaluationReply:
    request = codeserver_pb2.EvaluateScheduleRequest(schedule_name=name, scheduled_time=when)
    return codeserver_pb2.EvaluationReply.FromString(CALL["evaluate_schedule"](request.SerializeToString()))


def _sensor(name: str, **fields) -> codeserver_pb2.EvaluationReply:  # type: ignore[no-untyped-def]
    request = codeserver_pb2.EvaluateSensorRequest(sensor_name=name, **fields)
    return codeserver_pb2.EvaluationReply.FromString(CALL["evaluate_sensor"](request.SerializeToString()))


def test_schedule_function_gets_its_slot_in_its_time_zone_and_returns_a_run_request():
    reply = _schedule("nightly")
    assert seen["scheduled"] == datetime.fromtimestamp(1_774_747_800.0, ZoneInfo("Europe/Berlin"))
    (request,) = reply.run_requests
    assert request.run_key == "k1"
    assert json.loads(request.run_config_json) == {"ops": {"orders": {"config": {"n": 1}}}}
    assert dict(request.tags) == {"team": "sales", "x": "1"}
    assert not reply.HasField("error")


def test_schedule_skip_reason_and_generator_results():
    assert _schedule("skipping").skip_reason == "nothing to do today"
    assert [r.run_key for r in _schedule("many").run_requests] == ["r0", "r1", "r2"]


def test_schedule_exception_becomes_an_error_with_traceback():
    reply = _schedule("broken")
    assert reply.error.type == "ValueError"
    assert reply.error.message == "the warehouse is closed"
    assert "def broken" in reply.error.traceback or "broken" in reply.error.traceback
    assert not reply.run_requests


def test_schedule_without_function_uses_its_static_config_and_tags():
    (request,) = _schedule("static").run_requests
    assert json.loads(request.run_config_json) == {"ops": {"orders": {"config": {"n": 2}}}}
    assert dict(request.tags) == {"kind": "static"}


def test_unknown_schedule_is_an_error_reply_not_a_crash():
    reply = _schedule("nope")
    assert reply.error.type == "ScheduleNotFound"
    assert "nope" in reply.error.message


def test_sensor_cursor_is_returned_only_when_it_changed():
    reply = _sensor("counting", cursor="4")
    assert reply.has_cursor and reply.cursor == "5"
    assert [r.run_key for r in reply.run_requests] == ["n5"]
    assert not _sensor("quiet").has_cursor


def test_sensor_result_and_skip_reason():
    reply = _sensor("result_sensor")
    assert [r.run_key for r in reply.run_requests] == ["a"] and reply.cursor == "c9" and reply.has_cursor
    assert _sensor("quiet").skip_reason == "no new files"


def test_asset_sensor_is_called_once_per_materialization_given():
    events = [
        common_pb2.RunEvent(
            run_id=f"run{i}",
            sequence=3,
            type=common_pb2.ASSET_MATERIALIZATION,
            asset_key=common_pb2.AssetKey(path=["orders"]),
            partition_key=f"p{i}",
        )
        for i in range(2)
    ]
    reply = _sensor("on_orders", materializations=events)
    assert [(r.run_key, r.tags["partition"]) for r in reply.run_requests] == [("run0", "p0"), ("run1", "p1")]


def test_run_failure_sensor_is_called_once_per_failed_run():
    runs = [codeserver_pb2.RunSummary(run_id="r1", job_name="orders_job", status="FAILURE")]
    reply = _sensor("on_failure", runs=runs)
    assert [(r.run_key, r.job_name) for r in reply.run_requests] == [("retry-r1", "orders_job")]
