"""Dagster's run events under a real `weir dev` host: what `context.log_event` reports is stored in the run
(a logged materialization is in the asset's history), each hook reports HOOK_COMPLETED / HOOK_ERRORED /
HOOK_SKIPPED, a run failure sensor reads the failure's message and error as Dagster's
`context.failure_event` has them, and an op's unconnected input takes its value from run config."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from host.errors import WeirError
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, dev_host, wait_for

LOCATION = """
import json
import os
from pathlib import Path

import sdk as dg

OUT = Path(os.environ["WEIR_TEST_OUT"])


@dg.op
def report(context: dg.OpExecutionContext) -> int:
    context.log_event(dg.AssetMaterialization(asset_key="daily_report", metadata={"rows": 3}))
    context.log_event(dg.ExpectationResult(success=True, label="non_empty", metadata={"rows": 3}))
    return 3


@dg.op
def publish_rows(rows: int) -> None:
    raise ValueError(f"cannot publish {rows} rows")


@dg.success_hook
def on_ok(context: dg.HookContext) -> None:
    pass


@dg.failure_hook
def page(context: dg.HookContext) -> None:
    raise RuntimeError("pager down")


@dg.job(hooks={on_ok, page})
def publish() -> None:
    publish_rows(report())


@dg.run_failure_sensor(
    monitored_jobs=[publish], minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING
)
def alert(context: dg.RunFailureSensorContext) -> None:
    error = context.failure_event.event_specific_data.error
    seen = {
        "message": context.failure_event.message,
        "type": context.failure_event.event_type_value,
        "error": [error.cls_name, error.message, "".join(error.stack)] if error is not None else None,
    }
    (OUT / f"{context.dagster_run.run_id}.json").write_text(json.dumps(seen))


@dg.op
def add_one(context: dg.OpExecutionContext, x: int) -> int:
    context.log.info(f"add_one got {x}")
    return x + 1


@dg.job
def adds() -> None:
    add_one()  # x comes from run config: ops.add_one.inputs.x


defs = dg.Definitions(jobs=[publish, adds], sensors=[alert])
"""


def _events(client, run_id: str) -> list[common_pb2.RunEvent]:  # type: ignore[no-untyped-def]
    events: list[common_pb2.RunEvent] = []
    after = -1
    while True:
        page = client.run_events(run_id, after_sequence=after)
        events.extend(page.events)
        if not page.has_more or not page.events:
            return events
        after = page.events[-1].sequence


def test_logged_events_hook_events_and_the_failure_a_run_failure_sensor_reads(tmp_path: Path) -> None:
    code = tmp_path / "defs.py"
    code.write_text(textwrap.dedent(LOCATION))
    out = tmp_path / "out"
    out.mkdir()
    env = {"PYTHONPATH": str(REPO), "WEIR_TEST_OUT": str(out)}
    with dev_host(tmp_path / "home", ["-f", str(code), "--no-ui"], env=env) as host:
        client = host.client()
        wait_for(lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED], 60, what="load")
        # the sensor watches runs that end after its first tick
        wait_for(lambda: client.ticks(host_pb2.SENSOR, "alert"), 60, what="the sensor's first tick")
        run = client.launch_run(host_pb2.LaunchRunRequest(location="defs", job_name="publish"))
        done = client.wait_for_run(run.run_id, timeout=60)
        assert done.status == host_pb2.FAILURE, host.stderr()

        events = _events(client, run.run_id)
        (expectation,) = [e for e in events if e.type == common_pb2.STEP_EXPECTATION_RESULT]
        assert (expectation.step_key, expectation.check_name, expectation.check_passed) == ("report", "non_empty", True)
        hooks = sorted(
            (e.step_key, common_pb2.EventType.Name(e.type), e.error.message)
            for e in events
            if e.type in (common_pb2.HOOK_COMPLETED, common_pb2.HOOK_ERRORED, common_pb2.HOOK_SKIPPED)
        )
        assert hooks == [
            ("publish_rows", "HOOK_ERRORED", "pager down"),
            ("publish_rows", "HOOK_SKIPPED", ""),
            ("report", "HOOK_COMPLETED", ""),
            ("report", "HOOK_SKIPPED", ""),
        ]
        (materialized,) = client.asset_events("daily_report", limit=5, types=[common_pb2.ASSET_MATERIALIZATION])
        assert materialized.run_id == run.run_id and materialized.step_key == "report"

        seen_file = out / f"{run.run_id}.json"
        wait_for(seen_file.exists, 60, what="the run failure sensor to see the run")
        seen = json.loads(seen_file.read_text())
        assert seen["type"] == "PIPELINE_FAILURE"
        assert seen["message"] == "Execution of run for \"publish\" failed. Steps failed: ['publish_rows']."
        cls_name, message, stack = seen["error"]
        assert (cls_name, message) == ("ValueError", "cannot publish 3 rows")
        assert 'raise ValueError(f"cannot publish {rows} rows")' in stack

        # an unconnected input's value from run config: the snapshot's schema lets the host take it
        given = client.launch_run(
            host_pb2.LaunchRunRequest(
                location="defs",
                job_name="adds",
                run_config_json=json.dumps({"ops": {"add_one": {"inputs": {"x": 41}}}}),
            )
        )
        assert client.wait_for_run(given.run_id, timeout=60).status == host_pb2.SUCCESS, host.stderr()
        assert "add_one got 41" in [e.message for e in _events(client, given.run_id)]
        bad = {"ops": {"add_one": {"inputs": {"y": 1}}}}
        with pytest.raises(WeirError) as refused:
            client.launch_run(
                host_pb2.LaunchRunRequest(location="defs", job_name="adds", run_config_json=json.dumps(bad))
            )
        assert "ops.add_one.inputs" in str(refused.value) and "'y'" in str(refused.value), refused.value
