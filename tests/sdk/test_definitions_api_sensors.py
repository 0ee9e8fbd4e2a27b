"""Schedules and sensors as Dagster's testing docs call them: directly, with built contexts (resources
included), asset sensors of any arity, multi-asset sensors over an instance, run status contexts; and
the code server's evaluation of the same functions."""

from __future__ import annotations

import sdk as dg
from codeserver.evaluation import evaluate_schedule, evaluate_sensor
from protos.weir.v1 import codeserver_pb2, common_pb2


@dg.asset
def orders() -> int:
    return 1


@dg.asset
def customers() -> int:
    return 2


@dg.op
def hello() -> int:
    return 1


@dg.job
def report() -> None:
    hello()


class Bucket(dg.ConfigurableResource):
    name: str


def test_sensors_and_schedules_called_with_a_context_or_without_one() -> None:
    @dg.sensor(job=report)
    def with_resource(context: dg.SensorEvaluationContext, bucket: Bucket) -> dg.RunRequest:
        return dg.RunRequest(run_key=f"{bucket.name}:{context.cursor}")

    @dg.sensor(job=report)
    def no_context() -> dg.SkipReason:
        return dg.SkipReason("nothing new")

    @dg.schedule(cron_schedule="0 * * * *", job=report)
    def hourly(context: dg.ScheduleEvaluationContext, bucket: Bucket) -> dg.RunRequest:
        return dg.RunRequest(run_key=f"{bucket.name}")

    @dg.schedule(cron_schedule="0 * * * *", job=report)
    def bare() -> dict:
        return {"ops": {}}

    context = dg.build_sensor_context(cursor="7", resources={"bucket": Bucket(name="b")})
    assert with_resource(context).run_key == "b:7"
    assert no_context().skip_message == "nothing new"
    assert hourly(dg.build_schedule_context(resources={"bucket": Bucket(name="s")})).run_key == "s"
    assert bare() == {"ops": {}}


def test_asset_sensors_with_zero_one_or_two_parameters_and_an_instance() -> None:
    @dg.asset_sensor(asset_key=dg.AssetKey("orders"), job=report)
    def zero() -> dg.RunRequest:
        return dg.RunRequest(run_key="zero")

    @dg.asset_sensor(asset_key=dg.AssetKey("orders"), job=report)
    def two(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):  # type: ignore[no-untyped-def]
        yield dg.RunRequest(run_key=asset_event.run_id)

    assert [r.run_key for r in zero()] == ["zero"]
    instance = dg.DagsterInstance.ephemeral()
    assert [r.run_key for r in two(dg.build_sensor_context(instance=instance))] == []  # nothing materialized: None
    result = dg.materialize([orders], instance=instance)
    assert [r.run_key for r in two(dg.build_sensor_context(instance=instance))] == [result.run_id]


def test_a_multi_asset_sensor_waits_for_every_asset_and_keeps_a_cursor_per_asset() -> None:
    @dg.multi_asset_sensor(monitored_assets=[dg.AssetKey("orders"), dg.AssetKey("customers")], job=report)
    def both(context: dg.MultiAssetSensorEvaluationContext):  # type: ignore[no-untyped-def]
        records = context.latest_materialization_records_by_key()
        if all(records.values()):
            context.advance_all_cursors()
            return dg.RunRequest(run_key=",".join(sorted(r.run_id[:4] for r in records.values())))
        return dg.SkipReason(f"waiting for {sorted(k.to_user_string() for k, r in records.items() if r is None)}")

    instance = dg.DagsterInstance.ephemeral()
    defs = dg.Definitions(assets=[orders, customers], jobs=[report], sensors=[both])
    context = dg.build_multi_asset_sensor_context(
        monitored_assets=[dg.AssetKey("orders"), dg.AssetKey("customers")], instance=instance, definitions=defs
    )
    dg.materialize([orders], instance=instance)
    assert both(context).skip_message == "waiting for ['customers']"
    dg.materialize([customers], instance=instance)
    assert isinstance(both(context), dg.RunRequest)
    assert both(context).skip_message == "waiting for ['customers', 'orders']"  # the cursor moved past both
    assert both.kind == "MULTI_ASSET" and both.monitored_assets == [dg.AssetKey("orders"), dg.AssetKey("customers")]
    selected = dg.build_multi_asset_sensor_context(
        monitored_assets=dg.AssetSelection.all(), instance=instance, definitions=defs
    )
    assert sorted(k.to_user_string() for k in selected.asset_keys) == ["customers", "orders"]


def test_run_status_and_run_failure_sensor_contexts_built_from_a_run() -> None:
    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS)
    def on_success(context: dg.RunStatusSensorContext) -> str:
        return f'Job "{context.dagster_run.job_name}" succeeded ({context.dagster_event.event_type_value}).'

    @dg.run_failure_sensor
    def on_failure(context: dg.RunFailureSensorContext) -> tuple:
        return context.failure_event.event_type_value, [e.step_key for e in context.get_step_failure_events()]

    @dg.op
    def broken() -> int:
        raise ValueError("no")

    @dg.job
    def fails() -> None:
        broken()

    instance = dg.DagsterInstance.ephemeral()
    ok = report.execute_in_process(instance=instance)
    context = dg.build_run_status_sensor_context(
        sensor_name="on_success",
        dagster_instance=instance,
        dagster_run=ok.dagster_run,
        dagster_event=ok.get_run_success_event(),
    )
    assert on_success(context) == 'Job "report" succeeded (PIPELINE_SUCCESS).'
    failed = fails.execute_in_process(instance=instance, raise_on_error=False)
    failure_context = dg.build_run_status_sensor_context(
        sensor_name="on_failure",
        dagster_instance=instance,
        dagster_run=failed.dagster_run,
        dagster_event=failed.get_run_failure_event(),
    ).for_run_failure()
    assert isinstance(failure_context, dg.RunFailureSensorContext)
    assert on_failure(failure_context) == ("PIPELINE_FAILURE", ["broken"])


def test_the_code_server_evaluates_functions_without_a_context_and_zero_argument_asset_sensors() -> None:
    @dg.asset_sensor(asset_key=dg.AssetKey("orders"), job=report)
    def on_orders() -> dg.RunRequest:
        return dg.RunRequest(run_key="seen")

    @dg.schedule(cron_schedule="0 * * * *", job=report)
    def hourly() -> dg.RunRequest:
        return dg.RunRequest(run_key="tick")

    defs = dg.Definitions(jobs=[report], sensors=[on_orders], schedules=[hourly])
    materialization = common_pb2.RunEvent(
        run_id="r1", type=common_pb2.ASSET_MATERIALIZATION, asset_key=common_pb2.AssetKey(path=["orders"])
    )
    body = codeserver_pb2.EvaluateSensorRequest(sensor_name="on_orders", materializations=[materialization])
    reply = codeserver_pb2.EvaluationReply.FromString(evaluate_sensor(defs, body.SerializeToString()))
    assert not reply.HasField("error") and [r.run_key for r in reply.run_requests] == ["seen"]
    schedule_body = codeserver_pb2.EvaluateScheduleRequest(schedule_name="hourly", scheduled_time=1_700_000_000)
    reply = codeserver_pb2.EvaluationReply.FromString(evaluate_schedule(defs, schedule_body.SerializeToString()))
    assert [r.run_key for r in reply.run_requests] == ["tick"]
