"""A check-only automation request through a real `weir dev`: an asset check whose automation condition
is true while its asset's is not is requested alone, and its run executes only the check (the asset is
not materialized), as Dagster does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, dev_host, wait_for

CODE = """
import sdk as dg

AC = dg.AutomationCondition


@dg.asset
def raw() -> None:
    return None


@dg.asset(deps=[raw])
def orders() -> None:
    return None


@dg.asset_check(asset=orders, additional_deps=[raw], automation_condition=AC.any_deps_updated().since_last_handled())
def row_count() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


defs = dg.Definitions(assets=[raw, orders], asset_checks=[row_count])
"""
SENSOR = "default_automation_condition_sensor"


def test_a_check_whose_condition_is_true_alone_runs_alone(tmp_path: Path) -> None:
    (tmp_path / "defs.py").write_text(CODE)
    home = tmp_path / "home"
    home.mkdir()
    (home / "weir.yaml").write_text("automation: {interval_seconds: 0.5}\n")
    with dev_host(home, ["-f", str(tmp_path / "defs.py"), "--no-ui"]) as host:
        client = host.client()
        request = host_pb2.ListAutomationEvaluationsRequest(limit=10)
        wait_for(lambda: list(client.automation_evaluations(request).ticks), timeout=60, what="the first tick")
        run = client.launch_run(
            host_pb2.LaunchRunRequest(location="defs", asset_selection=[common_pb2.AssetKey(path=["raw"])])
        )
        assert client.wait_for_run(run.run_id).status == host_pb2.SUCCESS

        def automated() -> list[host_pb2.Run] | None:
            runs = [r for r in client.runs(limit=50) if r.sensor_name == SENSOR]
            return runs if runs and all(r.status == host_pb2.SUCCESS for r in runs) else None

        (check_run,) = wait_for(automated, timeout=60, what="the check's own run")
        assert ["/".join(k.path) for k in check_run.asset_selection] == ["orders"]
        events = list(client.run_events(check_run.run_id).events)
        assert [(e.check_name, e.check_passed) for e in events if e.type == common_pb2.ASSET_CHECK_EVALUATION] == [
            ("row_count", True)
        ]
        assert not [e for e in events if e.type == common_pb2.ASSET_MATERIALIZATION]  # the check alone
        details = client.asset_details("orders")
        assert not details.HasField("latest_materialization")
        latest = client.automation_evaluations(host_pb2.ListAutomationEvaluationsRequest(latest_per_asset=True))
        assert "orders:row_count" in {e.asset_key for e in latest.evaluations}
        tick = next(t for t in client.automation_evaluations(request).ticks if check_run.run_id in t.run_ids)
        explained = subprocess.run(
            [
                sys.executable,
                "-m",
                "host.cli",
                "automation",
                "explain",
                "orders:row_count",
                "--tick",
                str(tick.tick_id),
            ],
            env=host.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert explained.returncode == 0, explained.stderr
        assert f"requested at tick {tick.tick_id}" in explained.stdout and "dep raw  true" in explained.stdout
