"""The sdk's decorators are typed for the bare (@dg.asset) and called (@dg.asset(...)) forms: mypy infers the
definition each returns, and a misspelled keyword is a type error rather than Any."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

USER_CODE = """
from typing import TYPE_CHECKING, Any, reveal_type

import sdk as dg


@dg.asset
def bare_asset() -> int:
    return 1


@dg.asset(group_name="g")
def called_asset(bare_asset: int) -> int:
    return bare_asset + 1


@dg.multi_asset(specs=[dg.AssetSpec("m1"), dg.AssetSpec("m2")])
def many() -> None:
    pass


@dg.asset_check(asset=bare_asset)
def positive(bare_asset: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=bare_asset > 0)


@dg.op
def bare_op() -> int:
    return 1


@dg.op(name="second")
def called_op(x: int) -> int:
    return x


@dg.graph
def bare_graph() -> Any:
    return called_op(bare_op())


@dg.graph(name="g2")
def called_graph() -> Any:
    return bare_op()


@dg.job
def bare_job() -> None:
    called_op(bare_op())


@dg.job(tags={"team": "data"})
def called_job() -> None:
    bare_graph()


@dg.schedule("0 * * * *", job=bare_job)
def hourly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest()


@dg.sensor(job=bare_job)
def watcher(context: dg.SensorEvaluationContext) -> None:
    return None


@dg.asset_sensor(dg.AssetKey("bare_asset"), job=bare_job)
def on_asset(context: dg.SensorEvaluationContext, event: Any) -> None:
    return None


@dg.run_status_sensor(dg.DagsterRunStatus.SUCCESS)
def on_success(context: Any) -> None:
    return None


@dg.run_failure_sensor
def bare_failure(context: Any) -> None:
    return None


@dg.run_failure_sensor(name="f2")
def called_failure(context: Any) -> None:
    return None


@dg.resource
def bare_resource(context: dg.InitResourceContext) -> str:
    return "r"


@dg.resource(description="called")
def called_resource(context: dg.InitResourceContext) -> str:
    return "r"


@dg.io_manager
def bare_io(context: dg.InitResourceContext) -> dg.IOManager:
    return dg.InMemoryIOManager()


@dg.io_manager(description="called")
def called_io(context: dg.InitResourceContext) -> dg.IOManager:
    return dg.InMemoryIOManager()


reveal_type(bare_asset)
reveal_type(called_asset)
reveal_type(many)
reveal_type(positive)
reveal_type(bare_op)
reveal_type(called_op)
reveal_type(bare_graph)
reveal_type(called_graph)
reveal_type(bare_job)
reveal_type(called_job)
reveal_type(hourly)
reveal_type(watcher)
reveal_type(on_asset)
reveal_type(on_success)
reveal_type(bare_failure)
reveal_type(called_failure)
reveal_type(bare_resource)
reveal_type(called_resource)
reveal_type(bare_io)
reveal_type(called_io)

defs = dg.Definitions(assets=[bare_asset, called_asset, many], asset_checks=[positive],
                      jobs=[bare_job, called_job], schedules=[hourly], sensors=[watcher, on_asset])

if TYPE_CHECKING:
    @dg.asset(gruop_name="typo")
    def misspelled() -> int:
        return 1
"""

EXPECTED = {
    "bare_asset": "sdk.assets.AssetsDefinition",
    "called_asset": "sdk.assets.AssetsDefinition",
    "many": "sdk.assets.AssetsDefinition",
    "positive": "sdk.checks.AssetChecksDefinition",
    "bare_op": "sdk.ops.OpDefinition",
    "called_op": "sdk.ops.OpDefinition",
    "bare_graph": "sdk.graphs.GraphDefinition",
    "called_graph": "sdk.graphs.GraphDefinition",
    "bare_job": "sdk.jobs.JobDefinition",
    "called_job": "sdk.jobs.JobDefinition",
    "hourly": "sdk.schedules.ScheduleDefinition",
    "watcher": "sdk.sensors.SensorDefinition",
    "on_asset": "sdk.sensors.AssetSensorDefinition",
    "on_success": "sdk.sensors.RunStatusSensorDefinition",
    "bare_failure": "sdk.sensors.RunStatusSensorDefinition",
    "called_failure": "sdk.sensors.RunStatusSensorDefinition",
    "bare_resource": "sdk.resources.ResourceDefinition",
    "called_resource": "sdk.resources.ResourceDefinition",
    "bare_io": "sdk.io_managers.IOManagerDefinition",
    "called_io": "sdk.io_managers.IOManagerDefinition",
}


def test_mypy_infers_the_definition_of_each_decorator_form_and_rejects_unknown_keywords(tmp_path: Path) -> None:
    user_file = tmp_path / "user_defs.py"
    user_file.write_text(USER_CODE, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(REPO)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(user_file),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = proc.stdout.splitlines()
    revealed = [m.group(1) for line in lines if (m := re.search(r'Revealed type is "([^"]+)"', line))]
    assert revealed == list(EXPECTED.values()), proc.stdout + proc.stderr
    errors = [line for line in lines if ": error:" in line]
    typo_line = USER_CODE.splitlines().index('    @dg.asset(gruop_name="typo")') + 1
    assert errors and all(f"user_defs.py:{typo_line}:" in e for e in errors), proc.stdout
    assert any('Unexpected keyword argument "gruop_name"' in e for e in errors), proc.stdout


def test_the_typed_user_file_also_loads_at_run_time(tmp_path: Path) -> None:
    user_file = tmp_path / "user_defs.py"
    user_file.write_text(USER_CODE, encoding="utf-8")  # typing.reveal_type prints at run time
    proc = subprocess.run(
        [sys.executable, str(user_file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
