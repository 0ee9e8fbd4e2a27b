"""Schedules and sensors that take resources, evaluated by a real code server as the host evaluates
them: resources built from Definitions(resources=) for each evaluation (resource parameters,
required_resource_keys and context.resources, EnvVar config, @resource with config), torn down after
it (also when it raised), a resource that fails to build named in the evaluation's error, and run
failure sensors given the sdk's RunFailureSensorContext, DagsterRun and DagsterEvent."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from protos.weir.v1 import codeserver_pb2
from tests.support import RunningCodeServer, serving

CODE = """
import os
from pathlib import Path
import sdk as dg

GATE = Path(os.environ["WEIR_TEST_GATE"])


@dg.asset
def orders() -> int:
    return 1


job = dg.define_asset_job("orders_job", selection=dg.AssetSelection.all())


class ShopApi(dg.ConfigurableResource):
    token: str

    def greeting(self) -> str:
        return f"hello-{self.token}"


class FlakyApi(dg.ConfigurableResource):
    def setup_for_execution(self, context) -> None:
        raise ConnectionError("cannot reach api.example.com")


@dg.resource(config_schema={"prefix": str})
def warehouse(init_context):
    return f"{init_context.resource_config['prefix']}-warehouse"


@dg.resource
def tracked(_):
    (GATE / "set-up").write_text("1")
    try:
        yield "connection"
    finally:
        (GATE / "torn-down").write_text("1")


@dg.sensor(job=job)
def api_sensor(context, shop_api: ShopApi):
    return dg.RunRequest(run_key=shop_api.greeting())


@dg.multi_asset_sensor(monitored_assets=[dg.AssetKey("orders")], job=job)
def multi_with_api(context, shop_api: ShopApi):
    return dg.RunRequest(run_key=f"{type(context).__name__}-{shop_api.greeting()}")


@dg.schedule(cron_schedule="0 * * * *", job=job, required_resource_keys={"warehouse"})
def hourly(context):
    return dg.RunRequest(run_key=context.resources.warehouse)


@dg.sensor(job=job, required_resource_keys={"tracked"})
def uses_tracked(context):
    torn_down_during = (GATE / "torn-down").exists()
    return dg.SkipReason(f"{context.resources.tracked} torn-down-during={torn_down_during}")


@dg.sensor(job=job, required_resource_keys={"tracked"})
def raises_with_tracked(context):
    raise RuntimeError("the sensor broke")


@dg.sensor(job=job)
def flaky_sensor(context, flaky_api: FlakyApi):
    return dg.RunRequest(run_key="never")


@dg.run_failure_sensor(request_job=job)
def on_failure(context: dg.RunFailureSensorContext, shop_api: ShopApi):
    event = context.failure_event
    seen = {
        "context": type(context).__name__,
        "run_is_sdk": isinstance(context.dagster_run, dg.DagsterRun),
        "event_is_sdk": isinstance(event, dg.DagsterEvent),
        "run": [context.dagster_run.run_id, context.dagster_run.job_name, context.dagster_run.status.value],
        "tags": dict(context.dagster_run.tags),
        "event": [event.event_type_value, event.run_id, event.job_name, event.is_run_failure],
        "api": shop_api.greeting(),
        "resources": sorted(vars(context.resources)),
    }
    return dg.RunRequest(run_key=context.dagster_run.run_id, tags={"seen": __import__("json").dumps(seen)})


defs = dg.Definitions(
    assets=[orders],
    jobs=[job],
    schedules=[hourly],
    sensors=[api_sensor, multi_with_api, uses_tracked, raises_with_tracked, flaky_sensor, on_failure],
    resources={
        "shop_api": ShopApi(token=dg.EnvVar("SHOP_API_TOKEN")),
        "flaky_api": FlakyApi(),
        "warehouse": warehouse.configured({"prefix": "eu"}),
        "tracked": tracked,
    },
)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCodeServer]:
    folder = tmp_path_factory.mktemp("evaluation_resources")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SHOP_API_TOKEN", "s3cret")  # read by EnvVar in the user process, per evaluation
        with serving(folder, CODE, "token") as running:
            yield running


def _sensor(server: RunningCodeServer, name: str, **fields: object) -> codeserver_pb2.EvaluationReply:
    request = codeserver_pb2.EvaluateSensorRequest(sensor_name=name, timeout_seconds=10, **fields)  # type: ignore[arg-type]
    return server.stub.EvaluateSensor(request, metadata=server.metadata, timeout=40)


def test_sensor_resource_parameter_is_built_from_definitions_with_its_env_var(server: RunningCodeServer) -> None:
    reply = _sensor(server, "api_sensor")
    assert not reply.HasField("error"), reply.error
    assert [r.run_key for r in reply.run_requests] == ["hello-s3cret"]
    reply = _sensor(server, "multi_with_api")  # the sdk's own context for the kind, resources as given
    assert [r.run_key for r in reply.run_requests] == ["MultiAssetSensorEvaluationContext-hello-s3cret"]


def test_schedule_required_resource_keys_reach_context_resources(server: RunningCodeServer) -> None:
    request = codeserver_pb2.EvaluateScheduleRequest(schedule_name="hourly", scheduled_time=1_774_747_800.0)
    reply = server.stub.EvaluateSchedule(request, metadata=server.metadata, timeout=40)
    assert not reply.HasField("error"), reply.error
    assert [r.run_key for r in reply.run_requests] == ["eu-warehouse"]


def test_generator_resource_is_torn_down_after_the_evaluation_also_when_it_raised(server: RunningCodeServer) -> None:
    gate = server.tmp / "gate"
    reply = _sensor(server, "uses_tracked")
    assert reply.skip_reason == "connection torn-down-during=False"
    assert (gate / "set-up").exists() and (gate / "torn-down").exists()
    (gate / "torn-down").unlink()
    reply = _sensor(server, "raises_with_tracked")
    assert reply.error.type == "RuntimeError" and reply.error.message == "the sensor broke"
    assert (gate / "torn-down").exists()


def test_a_resource_that_fails_to_build_is_the_evaluation_error_naming_it(server: RunningCodeServer) -> None:
    reply = _sensor(server, "flaky_sensor")
    assert not reply.run_requests
    assert reply.error.type == "DagsterResourceFunctionError"
    assert 'Resource "flaky_api" failed to set up' in reply.error.message
    assert "ConnectionError: cannot reach api.example.com" in reply.error.message


def test_run_failure_sensor_gets_the_sdk_context_run_and_failure_event(server: RunningCodeServer) -> None:
    runs = [
        codeserver_pb2.RunSummary(
            run_id="r-17", job_name="orders_job", status="FAILURE", tags={"team": "sales"}, end_time=1_774_747_900.0
        )
    ]
    reply = _sensor(server, "on_failure", runs=runs)
    assert not reply.HasField("error"), reply.error
    (request,) = reply.run_requests
    assert request.run_key == "r-17"
    assert json.loads(request.tags["seen"]) == {
        "context": "RunFailureSensorContext",
        "run_is_sdk": True,
        "event_is_sdk": True,
        "run": ["r-17", "orders_job", "FAILURE"],
        "tags": {"team": "sales"},
        "event": ["PIPELINE_FAILURE", "r-17", "orders_job", True],
        "api": "hello-s3cret",
        "resources": ["shop_api"],
    }
