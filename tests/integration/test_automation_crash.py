"""Exactly once across a crash, through a real `weir dev`: the host is killed (kill -9, its own pid)
after an automation tick committed its plan and before it launched any run; started again on the same
storage, it launches each planned run once, and each asset executes once, as counted by the assets
themselves (each appends a line to a file when it runs).

The host is held at that point by a test-only failpoint (WEIR_FAILPOINT, host/daemon/automation.py):
without it the window between plan and launch is a few milliseconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from host.cli.client import HostClient
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import dev_host, wait_for

SENSOR = "default_automation_condition_sensor"

CODE = """
from pathlib import Path

import sdk as dg

AC = dg.AutomationCondition
LOG = Path({log!r})


def executed(line: str) -> None:
    with LOG.open("a") as f:
        f.write(line + "\\n")


@dg.asset
def raw() -> None:
    executed("raw")


@dg.asset(deps=[raw], automation_condition=AC.eager())
def clean() -> None:
    executed("clean")


@dg.asset(deps=[raw], partitions_def=dg.StaticPartitionsDefinition(["eu", "us"]), automation_condition=AC.eager())
def regional(context: dg.AssetExecutionContext) -> None:
    executed("regional:" + context.partition_key)


defs = dg.Definitions(assets=[raw, clean, regional])
"""


def _ticks(client: HostClient) -> list[host_pb2.AutomationTick]:
    return list(client.automation_evaluations(host_pb2.ListAutomationEvaluationsRequest(limit=200)).ticks)


def _automated(client: HostClient) -> list[host_pb2.Run]:
    return [r for r in client.runs(limit=500) if r.sensor_name == SENSOR]


def test_a_host_killed_between_plan_and_launch_launches_each_planned_run_once(tmp_path: Path) -> None:
    log = tmp_path / "executed.txt"
    (tmp_path / "defs.py").write_text(CODE.format(log=str(log)))
    home = tmp_path / "home"
    home.mkdir()
    (home / "weir.yaml").write_text("automation: {interval_seconds: 0.5}\ndaemon: {lease_seconds: 2}\n")
    paused = tmp_path / "paused_at_tick"
    args = ["-f", str(tmp_path / "defs.py"), "--no-ui"]

    with dev_host(home, args, env={"WEIR_FAILPOINT": f"automation-after-plan:{paused}"}) as host:
        client = host.client()
        wait_for(lambda: _ticks(client), timeout=60, what="the first automation tick")  # initial evaluation
        run = client.launch_run(
            host_pb2.LaunchRunRequest(location="defs", asset_selection=[common_pb2.AssetKey(path=["raw"])])
        )
        assert client.wait_for_run(run.run_id).status == host_pb2.SUCCESS
        wait_for(paused.exists, timeout=60, what="the tick that plans runs to reach the failpoint")
        host.kill()  # kill -9 of the host's own pid: planned, nothing launched
    tick_id = int(paused.read_text())
    assert log.read_text().splitlines() == ["raw"]

    with dev_host(home, args) as host:
        client = host.client()

        def finished() -> list[host_pb2.Run] | None:
            runs = _automated(client)
            return runs if len(runs) >= 3 and all(r.status == host_pb2.SUCCESS for r in runs) else None

        runs = wait_for(finished, timeout=90, what="the planned runs to succeed")
        newest = max(t.tick_id for t in _ticks(client))
        wait_for(lambda: max(t.tick_id for t in _ticks(client)) >= newest + 3, timeout=30, what="more ticks")

        runs = _automated(client)
        assert sorted(("/".join(r.asset_selection[0].path), r.partition_key) for r in runs) == [
            ("clean", ""),
            ("regional", "eu"),
            ("regional", "us"),
        ]
        assert {r.tags["weir/automation_tick"] for r in runs} == {str(tick_id)}  # the plan, not a new one
        tick = next(t for t in _ticks(client) if t.tick_id == tick_id)
        assert tick.status == "SUCCESS" and sorted(tick.run_ids) == sorted(r.run_id for r in runs)
    assert sorted(log.read_text().splitlines()) == ["clean", "raw", "regional:eu", "regional:us"]


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
