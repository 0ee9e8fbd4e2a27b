"""`weir schedules preview` and `weir sensors preview`: what a tick would do, evaluated now in the
location, with nothing launched and nothing stored (no tick, no run, the cursor unchanged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from protos.weir.v1 import host_pb2
from tests.support import REPO, dev_host, wait_for

CODE = """
import sdk as dg


@dg.asset
def orders() -> int:
    return 1


orders_job = dg.define_asset_job("orders_job", selection=[orders])


@dg.schedule(cron_schedule="0 6 * * *", job=orders_job, execution_timezone="Europe/Berlin")
def morning(context):
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return dg.RunRequest(run_key=day, tags={"day": day})


@dg.sensor(job=orders_job)
def new_files(context):
    seen = int(context.cursor or "0")
    if seen >= 2:
        return dg.SkipReason("no new files")
    context.update_cursor(str(seen + 1))
    return dg.RunRequest(run_key=f"file-{seen + 1}")


@dg.sensor(job=orders_job)
def broken(context):
    raise RuntimeError("the bucket is gone")


defs = dg.Definitions(assets=[orders], jobs=[orders_job], schedules=[morning], sensors=[new_files, broken])
"""


def _weir(host, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_previews_evaluate_without_launching_or_storing(tmp_path: Path) -> None:
    (tmp_path / "shop.py").write_text(CODE)
    with dev_host(tmp_path / "home", ["-f", str(tmp_path / "shop.py")]) as host:
        client = host.client()
        wait_for(lambda: client.locations()[0].status == host_pb2.LOCATION_LOADED, 30, what="the location")
        at = _weir(host, "schedules", "preview", "morning", "--at", "2026-03-29T04:00:00+00:00")
        assert at.returncode == 0, at.stderr
        assert "tick at 2026-03-29 04:00:00 UTC (preview: nothing launched, nothing stored)" in at.stdout
        assert "would launch orders_job  run_key=2026-03-29" in at.stdout and "day=2026-03-29" in at.stdout
        nxt = _weir(host, "schedules", "preview", "morning")
        assert nxt.returncode == 0 and "would launch orders_job" in nxt.stdout, nxt.stderr
        sensor = _weir(host, "sensors", "preview", "new_files")
        assert sensor.returncode == 0, sensor.stderr
        assert "would launch orders_job  run_key=file-1" in sensor.stdout and "cursor would become: 1" in sensor.stdout
        done = _weir(host, "sensors", "preview", "new_files", "--cursor", "2")
        assert "skipped: no new files" in done.stdout
        failed = _weir(host, "sensors", "preview", "broken")
        assert failed.returncode == 1 and "RuntimeError: the bucket is gone" in failed.stderr
        assert "Traceback" in failed.stderr  # the user's traceback, to fix the sensor
        unknown = _weir(host, "sensors", "preview", "nope")
        assert unknown.returncode == 1 and "no sensor named 'nope'" in unknown.stderr
        assert not list(client.runs(limit=10))
        assert not client.ticks(host_pb2.SENSOR, "new_files") and not client.ticks(host_pb2.SCHEDULE, "morning")
        cursor = {i.name: i for i in client.instigators(host_pb2.SENSOR)}["new_files"].cursor
        assert cursor == ""
