"""Two hosts on one PostgreSQL database: the daemon leads in one at a time, every schedule slot and
every sensor run key launches exactly once, and when the leader dies (stops renewing its lease) the
other host takes over within the lease time. Time is driven by one injected clock."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from host.config import DaemonConfig, HostConfig, RunQueueConfig
from host.serve.app import HostApp
from host.storage import instigators as tick_store
from host.storage import runs as run_store
from host.storage.engine import ensure_schema, open_engine
from tests.host.daemon.support import FakeClock, InProcessLocation, run_requests, schedule, sensor, workspace_of
from tests.postgres import fresh_database

T0 = 1_780_000_005.0
LEASE = 10.0
STEP = 2.0


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_database("weir_daemon") as url:
        yield url


def _location() -> InProcessLocation:
    """The same code in each host's location: a function schedule and a sensor with run keys."""
    return InProcessLocation(
        "sales",
        schedules=[schedule("every_minute", "* * * * *", function=True)],
        sensors=[sensor("every_30s", interval=30)],
        schedule_fns={"every_minute": lambda req: run_requests("")},
        sensor_fns={"every_30s": lambda req: run_requests(f"bucket-{int(req.evaluation_time) // 30}")},
    )


def _host(url: str, clock: FakeClock, owner: str) -> HostApp:
    engine = open_engine(url)
    ensure_schema(engine)
    config = HostConfig(
        daemon=DaemonConfig(lease_seconds=LEASE), run_queue=RunQueueConfig(max_concurrent_runs=0)
    )  # runs stay QUEUED: we count them
    return HostApp(engine, workspace_of(_location()), config, clock=clock, owner=owner)


def _pass(app: HostApp) -> None:
    """What the daemon threads do on one host, in one step of the driven clock (evaluations included)."""
    app.leader.tick()
    app.scheduler.tick()
    app.sensors.tick()
    assert app.scheduler.wait(10) and app.sensors.wait(10), "the evaluations did not end"


def test_two_hosts_launch_each_tick_once_and_the_survivor_takes_over(postgres_url):
    clock = FakeClock(T0)
    a, b = _host(postgres_url, clock, "host-a"), _host(postgres_url, clock, "host-b")
    alive = [a, b]
    killed_at = took_over_at = None
    leaders = set()
    while clock() < T0 + 600:
        for app in alive:
            _pass(app)
        current = [app.leader.owner for app in (a, b) if app.leader.is_leader()]
        assert len(current) <= 1, f"two leaders at {clock()}: {current}"
        leaders.update(current)
        if killed_at is None and clock() >= T0 + 300:
            alive, killed_at = [b], clock()  # host a is gone: it neither renews nor ticks
        if killed_at is not None and took_over_at is None and b.leader.is_leader():
            took_over_at = clock()
        clock.advance(STEP)
    assert leaders == {"host-a", "host-b"}
    assert took_over_at is not None and killed_at is not None
    assert took_over_at - killed_at <= LEASE + STEP

    with a.engine.connect() as conn:
        runs = run_store.list_runs(conn, limit=10_000)[0]
        schedule_ticks = tick_store.list_ticks(conn, "sales", "every_minute", "SCHEDULE", limit=10_000)
        sensor_ticks = tick_store.list_ticks(conn, "sales", "every_30s", "SENSOR", limit=10_000)
    slots = sorted(t.logical_time for t in schedule_ticks)
    assert len(slots) == 10 and all(t.status == "SUCCESS" for t in schedule_ticks)
    assert all(later - earlier == 60 for earlier, later in itertools.pairwise(slots))  # no gap
    scheduled = [r for r in runs if r.schedule_name]
    assert sorted(r.logical_time for r in scheduled) == slots  # one run per slot, none twice
    sensed = [r.run_key for r in runs if r.sensor_name]
    assert len(sensed) == len(set(sensed)) == len([t for t in sensor_ticks if t.status == "SUCCESS"]) >= 19
    for app in (a, b):
        app.engine.dispose()
