"""A sensor stuck in user code under a real `weir dev` (real code server, real evaluation processes)
delays only itself: a healthy 1-second sensor beside it keeps ticking about every second, and the stuck
one never has more than one evaluation in flight."""

from __future__ import annotations

import time

import yaml

from protos.weir.v1 import host_pb2
from tests.support import dev_host, wait_for

TIMEOUT = 3  # sensors.evaluation_timeout_seconds: the stuck sensor's evaluation is killed after this
WINDOW = 7.0

CODE = """
import time
import sdk as dg


@dg.asset
def ping() -> int:
    return 1


ping_job = dg.define_asset_job("ping_job", selection=[ping])


@dg.sensor(job=ping_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def stuck(context):
    with open({starts!r}, "a") as starts:
        starts.write("started\\n")
    time.sleep(1000)


@dg.sensor(job=ping_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def healthy(context):
    return dg.SkipReason("nothing new")


defs = dg.Definitions(assets=[ping], jobs=[ping_job], sensors=[stuck, healthy])
"""


def test_a_hanging_sensor_leaves_a_healthy_one_ticking_every_second(tmp_path):
    home, starts = tmp_path / "home", tmp_path / "stuck-starts"
    home.mkdir()
    (home / "weir.yaml").write_text(yaml.safe_dump({"sensors": {"evaluation_timeout_seconds": TIMEOUT}}))
    (tmp_path / "sensors.py").write_text(CODE.format(starts=str(starts)))
    with dev_host(home, ["-f", str(tmp_path / "sensors.py")]) as host:
        client = host.client()

        def ticks(name: str) -> list[host_pb2.Tick]:
            return client.ticks(host_pb2.SENSOR, name, limit=1000)

        first = wait_for(lambda: ticks("healthy"), 60, what="the healthy sensor's first tick")[-1].timestamp
        wait_for(starts.exists, 10, what="the stuck sensor to start")
        time.sleep(max(0.0, first + WINDOW - time.time()) + 0.5)
        started = len(starts.read_text().splitlines())  # before the ticks: each start precedes its tick
        stuck = ticks("stuck")
        healthy = [t for t in ticks("healthy") if t.timestamp < first + WINDOW]

    assert len(healthy) >= 5, f"{len(healthy)} healthy ticks in {WINDOW:g} s: {[t.timestamp - first for t in healthy]}"
    assert all(t.status == "SKIPPED" and t.reason == "nothing new" for t in healthy)
    assert started <= len(stuck) + 1, f"{started} evaluations started, {len(stuck)} ended: more than one in flight"
    assert stuck and all(t.status == "FAILURE" and f"did not finish within {TIMEOUT} s" in t.reason for t in stuck)
