"""What schedules and sensors print, under a real `weir dev`: each tick keeps its evaluation's stdout and
stderr (print, sys.stderr, a shell command), shown by `weir sensors ticks --output` and `--json` and by
the Host API; a megabyte is stored truncated with a marker and the tick still succeeds; previews print
the output under their result."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from protos.weir.v1 import host_pb2
from tests.support import REPO, DevHost, dev_host, wait_for

CODE = """
import os, sys
import sdk as dg


@dg.asset
def orders() -> int:
    return 1


orders_job = dg.define_asset_job("orders_job", selection=[orders])


@dg.sensor(job=orders_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def chatty(context):
    print("from-print")
    sys.stderr.write("from-stderr\\n")
    sys.stderr.flush()
    os.system("echo from-shell")
    return dg.SkipReason("nothing new")


@dg.sensor(job=orders_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def flood(context):
    print("first-line")
    print("y" * (1 << 20))
    print("last-line")
    return dg.RunRequest(run_key="once")


@dg.schedule(cron_schedule="* * * * * */2", job=orders_job, default_status=dg.DefaultScheduleStatus.RUNNING)
def talkative(context):
    print("scheduled for", context.scheduled_execution_time.isoformat())
    return dg.SkipReason("just talking")


defs = dg.Definitions(assets=[orders], jobs=[orders_job], sensors=[chatty, flood], schedules=[talkative])
"""


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    folder = tmp_path_factory.mktemp("output")
    (folder / "shop.py").write_text(CODE)
    with dev_host(folder / "home", ["-f", str(folder / "shop.py")]) as running:
        client = running.client()
        wait_for(lambda: client.locations()[0].status == host_pb2.LOCATION_LOADED, 60, what="the location to load")
        yield running


def _weir(host: DevHost, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def _first_tick(host: DevHost, kind: host_pb2.InstigatorKind.ValueType, name: str) -> host_pb2.Tick:
    """The oldest of the newest finished ticks (a schedule's tick is stored STARTED while it evaluates)."""
    client = host.client()
    finished = wait_for(
        lambda: [t for t in client.ticks(kind, name, limit=5) if t.status != "STARTED"],
        60,
        what=f"a finished tick of {name}",
    )
    return finished[-1]


def test_a_sensor_tick_keeps_stdout_stderr_and_shell_output(host: DevHost) -> None:
    tick = _first_tick(host, host_pb2.SENSOR, "chatty")
    assert tick.status == "SKIPPED"
    assert tick.output.splitlines() == ["from-print", "from-stderr", "from-shell"]

    shown = _weir(host, "sensors", "ticks", "chatty", "--output", "--limit", "1")
    assert shown.returncode == 0, shown.stderr
    assert "3 lines" in shown.stdout and "printed:\n    from-print\n    from-stderr\n    from-shell" in shown.stdout
    as_json = _weir(host, "sensors", "ticks", "chatty", "--json", "--limit", "1")
    assert json.loads(as_json.stdout)["ticks"][0]["output"] == "from-print\nfrom-stderr\nfrom-shell\n"
    listed = {i.name: i for i in host.client().instigators(host_pb2.SENSOR)}
    assert listed["chatty"].last_tick.tick_id and not listed["chatty"].last_tick.output  # listings stay small


def test_a_megabyte_is_stored_truncated_and_the_tick_still_succeeds(host: DevHost) -> None:
    tick = _first_tick(host, host_pb2.SENSOR, "flood")
    assert tick.status == "SUCCESS" and len(tick.run_ids) == 1
    assert tick.output.startswith("first-line\n") and tick.output.endswith("last-line\n")
    assert "bytes truncated ...]" in tick.output and len(tick.output) < 70_000


def test_a_schedule_tick_keeps_what_its_function_printed(host: DevHost) -> None:
    tick = _first_tick(host, host_pb2.SCHEDULE, "talkative")
    assert tick.status == "SKIPPED" and tick.output.startswith("scheduled for ")


def test_previews_print_the_output_under_the_result(host: DevHost) -> None:
    sensor = _weir(host, "sensors", "preview", "chatty")
    assert sensor.returncode == 0, sensor.stderr
    assert "skipped: nothing new\n  output (stdout and stderr):\n    from-print\n" in sensor.stdout
    assert "    from-shell" in sensor.stdout
    as_json = json.loads(_weir(host, "sensors", "preview", "chatty", "--json").stdout)
    assert as_json["preview"]["output"] == "from-print\nfrom-stderr\nfrom-shell\n"
    schedule = _weir(host, "schedules", "preview", "talkative", "--at", "2026-03-29T04:00:00+00:00")
    assert schedule.returncode == 0, schedule.stderr
    assert "    scheduled for 2026-03-29T04:00:00+00:00" in schedule.stdout
