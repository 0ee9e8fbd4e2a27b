"""Schedules and sensors under a real `weir dev`: a schedule whose next slot is seconds away fires
(six-field cron, seconds last), its runs and ticks show in the CLI, stop/start and the sensor cursor
work through the Host API, and `weir daemon status` shows the loops and the last successful ticks."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from protos.weir.v1 import host_pb2
from tests.support import REPO, dev_host, wait_for

CODE = """
import sdk as dg


@dg.asset
def ping() -> int:
    return 1


ping_job = dg.define_asset_job("ping_job", selection=[ping])

every_two_seconds = dg.ScheduleDefinition(name="every_two_seconds", job=ping_job, cron_schedule="* * * * * */2",
                                          default_status=dg.DefaultScheduleStatus.RUNNING)


@dg.schedule(cron_schedule="* * * * * */3", job=ping_job, default_status=dg.DefaultScheduleStatus.RUNNING)
def keyed(context):
    return dg.RunRequest(run_key=context.scheduled_execution_time.isoformat(), tags={"from": "function"})


@dg.sensor(job=ping_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def once(context):
    return dg.RunRequest(run_key="only-once")


defs = dg.Definitions(assets=[ping], jobs=[ping_job], schedules=[every_two_seconds, keyed], sensors=[once])
"""


def _weir(home: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"WEIR_HOME": str(home), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_schedule_fires_under_weir_dev_and_shows_in_the_cli(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "ticking.py").write_text(CODE)
    with dev_host(home, ["-f", str(tmp_path / "ticking.py")]) as host:
        client = host.client()
        wait_for(
            lambda: any(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
            60,
            what="the location to load",
        )

        def scheduled_runs() -> list[host_pb2.Run]:
            return [r for r in client.list_runs(limit=200).runs if r.schedule_name == "every_two_seconds"]

        succeeded = wait_for(
            lambda: [r for r in scheduled_runs() if r.status == host_pb2.SUCCESS], 60, what="a scheduled run to succeed"
        )
        ticks = _weir(home, "schedules", "ticks", "every_two_seconds", "--limit", "1000")
        assert "SUCCESS" in ticks and succeeded[-1].run_id in ticks
        assert "ping_job" in _weir(home, "runs")
        keyed = wait_for(
            lambda: [r for r in client.list_runs(limit=200).runs if r.schedule_name == "keyed"],
            30,
            what="the function schedule to launch",
        )
        assert keyed[0].tags["from"] == "function"

        status = _weir(home, "daemon", "status")
        assert "leader" in status and "scheduler" in status and "every_two_seconds" in status

        assert "STOPPED" in _weir(home, "schedules", "stop", "every_two_seconds")
        time.sleep(1)
        stopped_at = len(client.ticks(host_pb2.SCHEDULE, "every_two_seconds", limit=1000))
        time.sleep(4)
        assert len(client.ticks(host_pb2.SCHEDULE, "every_two_seconds", limit=1000)) == stopped_at
        assert "STOPPED*" in _weir(home, "schedules", "list")

        wait_for(
            lambda: [t for t in client.ticks(host_pb2.SENSOR, "once") if t.status == "SKIPPED"],
            30,
            what="the sensor to tick again",
        )
        assert len([r for r in client.list_runs(limit=500).runs if r.sensor_name == "once"]) == 1
        assert "cursor abc" in _weir(home, "sensors", "cursor", "once", "--set", "abc")
        assert "abc" in _weir(home, "sensors", "list")
