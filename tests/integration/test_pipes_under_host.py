"""Dagster Pipes and observable source assets under `weir dev`: a location (in its own environment with
Dagster's `dagster-pipes` package) runs an unmodified Pipes script whose materialization metadata, check
result, logs and output reach the host's storage; an observation job, launched by its schedule, records the source's
data version as an observation that `weir assets show` lists."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

from protos.weir.v1 import host_pb2
from tests.support import REPO, dev_host, location_venv, wait_for

SCRIPT = """
import sys
from dagster_pipes import open_dagster_pipes

with open_dagster_pipes() as pipes:
    pipes.log.info(f"counting rows for {pipes.asset_key}")
    print("external stdout line")
    print("external stderr line", file=sys.stderr)
    pipes.report_asset_materialization(metadata={"rows": pipes.get_extra("rows")}, data_version="d1")
    pipes.report_asset_check("positive", passed=True, metadata={"min": 1})
"""

CODE = """
import os
import sys

import sdk as dg

SCRIPT = os.path.join(os.path.dirname(__file__), "external.py")


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="orders")])
def orders(context: dg.AssetExecutionContext, pipes_subprocess_client: dg.PipesSubprocessClient):
    return pipes_subprocess_client.run(
        command=[sys.executable, SCRIPT], context=context, extras={"rows": 12}
    ).get_materialize_result()


@dg.observable_source_asset
def raw_feed() -> dg.ObserveResult:
    return dg.ObserveResult(data_version=dg.DataVersion("feed-v3"), metadata={"files": 2})


observe_feed = dg.define_asset_job("observe_feed", selection=[raw_feed])
pipes_job = dg.define_asset_job("pipes_job", selection=[orders])

defs = dg.Definitions(
    assets=[orders, raw_feed],
    jobs=[observe_feed, pipes_job],
    schedules=[
        dg.ScheduleDefinition(
            name="observe_feed_schedule",
            job=observe_feed,
            cron_schedule="* * * * * */2",  # every two seconds (six fields, seconds last)
            default_status=dg.DefaultScheduleStatus.RUNNING,
        )
    ],
    resources={"pipes_subprocess_client": dg.PipesSubprocessClient()},
)
"""


def _weir(host, *args: str) -> str:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _metadata(event: dict) -> dict:  # type: ignore[type-arg]
    return {entry["key"]: entry["value"] for entry in event["metadata"]}


def test_pipes_metadata_and_observations_are_stored_by_the_host(tmp_path: Path) -> None:
    python = location_venv(["dagster-pipes"])
    code = tmp_path / "code"
    code.mkdir()
    (code / "pipes_defs.py").write_text(textwrap.dedent(CODE))
    (code / "external.py").write_text(textwrap.dedent(SCRIPT))
    entry = {
        "python_file": {
            "relative_path": str(code / "pipes_defs.py"),
            "location_name": "pipes",
            "working_directory": str(code),
            "executable_path": str(python),
        }
    }
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(yaml.safe_dump({"load_from": [entry]}))
    with dev_host(tmp_path / "home", ["-w", str(workspace), "--no-ui"]) as host:
        client = host.client()
        wait_for(
            lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED],
            60,
            what=f"the location to load; {[loc.load_error.message for loc in client.locations()]}",
        )
        assert [s.name for s in client.instigators(host_pb2.SCHEDULE)] == ["observe_feed_schedule"]

        run = client.launch_run(host_pb2.LaunchRunRequest(location="pipes", job_name="pipes_job"))
        done = client.wait_for_run(run.run_id, timeout=90)
        assert done.status == host_pb2.SUCCESS, (done.failure_reason, host.stderr())
        shown = json.loads(_weir(host, "assets", "show", "orders", "--json"))
        [mat] = shown["materializations"]
        assert _metadata(mat) == {"rows": {"int_value": "12"}, "dagster/data_version": {"text": "d1"}}
        assert mat["run_id"] == run.run_id
        [check] = shown["check_evaluations"]["positive"]
        assert check["check_passed"] is True and _metadata(check) == {"min": {"int_value": "1"}}
        assert "counting rows for orders" in _weir(host, "runs", "show", run.run_id)
        assert _weir(host, "runs", "logs", run.run_id, "--step", "orders") == "external stdout line\n"
        assert _weir(host, "runs", "logs", run.run_id, "--step", "orders", "--stderr") == "external stderr line\n"

        def observed() -> bool:
            return bool(json.loads(_weir(host, "assets", "show", "raw_feed", "--json"))["observations"])

        wait_for(observed, 60, what="the schedule's run to observe raw_feed")
        feed = json.loads(_weir(host, "assets", "show", "raw_feed", "--json"))
        assert feed["materializations"] == []
        assert feed["details"]["node"]["is_observable"] is True
        assert "is_observable" not in shown["details"]["node"]  # false: orders is materialized
        obs = feed["observations"][0]
        assert client.get_run(obs["run_id"]).schedule_name == "observe_feed_schedule"
        assert _metadata(obs) == {"files": {"int_value": "2"}, "dagster/data_version": {"text": "feed-v3"}}
        assert "feed-v3" in _weir(host, "assets", "show", "raw_feed")
