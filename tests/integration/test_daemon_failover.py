"""Two real hosts (`weir dev` processes) on one PostgreSQL database: only one leads the daemon; kill -9
the leader and the other takes the lease over within the lease time and goes on firing the schedule
and the sensor. Every slot and every run key is launched once, whoever launched it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from host.storage import instigators as tick_store
from host.storage import runs as run_store
from host.storage.engine import open_engine
from tests.postgres import fresh_database
from tests.support import dev_host, wait_for

LEASE = 3.0

CODE = """
import time
import sdk as dg


@dg.asset
def ping() -> int:
    return 1


ping_job = dg.define_asset_job("ping_job", selection=[ping])

every_two_seconds = dg.ScheduleDefinition(name="every_two_seconds", job=ping_job, cron_schedule="* * * * * */2",
                                          default_status=dg.DefaultScheduleStatus.RUNNING)


@dg.sensor(job=ping_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def buckets(context):
    return dg.RunRequest(run_key=f"bucket-{int(time.time()) // 3}")


defs = dg.Definitions(assets=[ping], jobs=[ping_job], schedules=[every_two_seconds], sensors=[buckets])
"""


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_database("weir_failover") as url:
        yield url


def _home(tmp: Path, name: str) -> Path:
    home = tmp / name
    home.mkdir()
    (home / "weir.yaml").write_text(yaml.safe_dump({"daemon": {"lease_seconds": LEASE, "renew_interval_seconds": 0.5}}))
    return home


def _leading(client) -> bool:  # type: ignore[no-untyped-def]
    return client.daemon_status().is_leader


def _success_ticks(url: str, after: float = 0.0) -> list:  # type: ignore[type-arg]
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            ticks = tick_store.list_ticks(
                conn, "failover", "every_two_seconds", "SCHEDULE", statuses=("SUCCESS",), limit=10_000
            )
    finally:
        engine.dispose()
    return [t for t in ticks if t.timestamp > after]


def test_kill_9_the_leader_and_the_other_host_takes_over_within_the_lease(tmp_path, postgres_url):
    (tmp_path / "failover.py").write_text(CODE)
    env = {"WEIR_STORAGE_URL": postgres_url}
    args = ["-f", str(tmp_path / "failover.py")]
    with (
        dev_host(_home(tmp_path, "a"), args, env=env) as host_a,
        dev_host(_home(tmp_path, "b"), args, env=env) as host_b,
    ):
        a, b = host_a.client(), host_b.client()
        wait_for(lambda: _leading(a) or _leading(b), 30, what="one host to lead")
        leader, follower = (host_a, host_b) if _leading(a) else (host_b, host_a)
        follower_client = follower.client()
        wait_for(lambda: len(_success_ticks(postgres_url)) >= 3, 60, what="the leader to fire the schedule")
        assert not _leading(follower_client)
        assert follower_client.daemon_status().leader == leader.client().daemon_status().host_id

        leader.kill()  # kill -9: no release, the lease must expire
        killed_at = time.time()
        wait_for(lambda: _leading(follower_client), LEASE + 10, interval=0.1, what="the other host to lead")
        took_over = time.time() - killed_at
        assert took_over <= LEASE + 2.0, f"takeover took {took_over:.1f} s with a {LEASE} s lease"
        wait_for(
            lambda: len(_success_ticks(postgres_url, after=killed_at)) >= 2,
            30,
            what="the survivor to fire the schedule",
        )

        engine = open_engine(postgres_url)
        with engine.connect() as conn:
            runs = run_store.list_runs(conn, limit=10_000)[0]
            ticks = tick_store.list_ticks(conn, "failover", "every_two_seconds", "SCHEDULE", limit=10_000)
        engine.dispose()
        scheduled = [(r.schedule_name, r.logical_time) for r in runs if r.schedule_name]
        assert len(scheduled) == len(set(scheduled)) == len([t for t in ticks if t.status == "SUCCESS"])
        assert all(t.status in ("SUCCESS", "SKIPPED") for t in ticks), [(t.status, t.reason) for t in ticks]
        keys = [r.run_key for r in runs if r.sensor_name]
        assert keys and len(keys) == len(set(keys))
