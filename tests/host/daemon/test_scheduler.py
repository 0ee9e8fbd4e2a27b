"""The scheduler loop against real storage (SQLite) and an in-process location, with a driven clock."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from host.config import SchedulerConfig
from host.daemon.scheduler import Scheduler
from host.domain import instigators
from host.domain.runs import launch_run
from host.storage import instigators as tick_store
from host.storage import runs as run_store
from protos.weir.v1 import codeserver_pb2, host_pb2
from tests.host.daemon.support import (
    FakeClock,
    InProcessLocation,
    run_requests,
    schedule,
    sqlite_engine,
    user_error,
    workspace_of,
)
from tests.support import wait_for

T0 = datetime(2026, 6, 1, 12, 0, 30, tzinfo=UTC).timestamp()  # 30 s past a minute


def _setup(tmp_path, location: InProcessLocation, clock: FakeClock, **config):  # type: ignore[no-untyped-def]
    engine = sqlite_engine(tmp_path)
    workspace = workspace_of(location)
    return engine, workspace, Scheduler(engine, workspace, SchedulerConfig(**config), clock)


def _pass(scheduler: Scheduler) -> int:
    """A pass and the schedule functions it queued (the loop does not wait for them; a test does)."""
    recorded = scheduler.tick()
    assert scheduler.wait(10), "the evaluations did not end"
    return recorded


def _ticks(engine, name: str = "every_minute", location: str = "sales"):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return list(reversed(tick_store.list_ticks(conn, location, name, "SCHEDULE", limit=10_000)))


def _runs(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return run_store.list_runs(conn, limit=10_000)[0]


def test_static_schedule_fires_once_per_slot_with_its_identity(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation("sales", schedules=[schedule("every_minute", "* * * * *")])
    engine, _, scheduler = _setup(tmp_path, location, clock)
    _pass(scheduler)
    assert _ticks(engine) == []
    clock.advance(30.5)
    _pass(scheduler)
    _pass(scheduler)  # the same slot again: nothing new
    clock.advance(60)
    _pass(scheduler)
    ticks = _ticks(engine)
    assert [t.status for t in ticks] == ["SUCCESS", "SUCCESS"]
    assert [t.logical_time for t in ticks] == [T0 + 30, T0 + 90]
    runs = sorted(_runs(engine), key=lambda r: r.logical_time)
    assert [(r.schedule_name, r.logical_time, r.job_name) for r in runs] == [
        ("every_minute", T0 + 30, "sales_job"),
        ("every_minute", T0 + 90, "sales_job"),
    ]
    assert [t.run_ids for t in ticks] == [(runs[0].run_id,), (runs[1].run_id,)]
    assert location.calls == []  # no function: user code never called


def test_function_is_called_only_when_a_slot_is_due(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation(
        "sales",
        schedules=[schedule("every_minute", "* * * * *", function=True)],
        schedule_fns={"every_minute": lambda req: run_requests("k")},
    )
    engine, _, scheduler = _setup(tmp_path, location, clock)
    for _ in range(29):
        _pass(scheduler)
        clock.advance(1)
    assert location.calls == []
    clock.advance(1)
    _pass(scheduler)
    assert location.calls == [("every_minute", T0 + 30)]
    assert _runs(engine)[0].run_key == "k"


def test_skip_and_failure_become_ticks_with_reasons_and_the_next_slot_still_fires(tmp_path):
    clock = FakeClock(T0)
    replies = iter(
        [codeserver_pb2.EvaluationReply(skip_reason="no new orders"), user_error("warehouse closed"), run_requests("")]
    )
    location = InProcessLocation(
        "sales",
        schedules=[schedule("every_minute", "* * * * *", function=True)],
        schedule_fns={"every_minute": lambda req: next(replies)},
    )
    engine, _, scheduler = _setup(tmp_path, location, clock)
    _pass(scheduler)
    for _ in range(3):
        clock.advance(60)
        _pass(scheduler)
    skipped, failed, ok = _ticks(engine)
    assert (skipped.status, skipped.reason) == ("SKIPPED", "no new orders")
    assert failed.status == "FAILURE" and "raised ValueError: warehouse closed" in failed.reason
    assert "Traceback" in failed.error
    assert ok.status == "SUCCESS" and len(ok.run_ids) == 1


def test_unreachable_location_fails_the_tick_and_the_loop_goes_on(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation(
        "sales",
        schedules=[schedule("every_minute", "* * * * *", function=True)],
        schedule_fns={"every_minute": lambda req: run_requests("")},
    )
    engine, _, scheduler = _setup(tmp_path, location, clock)
    _pass(scheduler)
    location.available = False
    clock.advance(60)
    _pass(scheduler)
    location.available = True
    clock.advance(60)
    _pass(scheduler)
    failed, ok = _ticks(engine)
    assert failed.status == "FAILURE" and "not reachable" in failed.reason
    assert ok.status == "SUCCESS"


def test_a_tick_interrupted_after_launching_is_resumed_without_a_second_run(tmp_path):
    clock = FakeClock(T0 + 30.5)
    location = InProcessLocation("sales", schedules=[schedule("every_minute", "* * * * *")])
    engine, workspace, _ = _setup(tmp_path, location, clock)
    slot = T0 + 30
    # What a host that crashed mid-tick leaves behind: a STARTED tick and the run it launched.
    with engine.begin() as conn:
        tick_store.add_tick(
            conn,
            location="sales",
            name="every_minute",
            kind="SCHEDULE",
            status="STARTED",
            timestamp=slot,
            logical_time=slot,
        )
    run = launch_run(
        engine,
        workspace,
        host_pb2.LaunchRunRequest(location="sales", job_name="sales_job"),
        now=slot,
        extra={"schedule_name": "every_minute", "logical_time": slot, "run_key": None},
    )
    Scheduler(engine, workspace, SchedulerConfig(), clock).tick()
    (tick,) = _ticks(engine)
    assert tick.status == "SUCCESS" and tick.run_ids == (run.run_id,)
    assert [r.run_id for r in _runs(engine)] == [run.run_id]


def test_two_schedulers_on_one_storage_launch_each_slot_once(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation("sales", schedules=[schedule("every_minute", "* * * * *")])
    engine, _, first = _setup(tmp_path, location, clock)
    second = Scheduler(engine, workspace_of(location), SchedulerConfig(), clock)
    for _ in range(5):
        _pass(first)
        _pass(second)
        clock.advance(60)
    assert len(_runs(engine)) == 4
    assert len({t.logical_time for t in _ticks(engine)}) == len(_ticks(engine)) == 4


def test_a_hanging_schedule_function_delays_only_its_own_schedule(tmp_path):
    clock = FakeClock(T0 + 30.5)
    release = threading.Event()

    def hanging(req: codeserver_pb2.EvaluateScheduleRequest) -> codeserver_pb2.EvaluationReply:
        release.wait(300)  # until the test releases it: it must still hang while the other one ticks
        return run_requests("")

    location = InProcessLocation(
        "sales",
        schedules=[schedule("a_hangs", "* * * * *", function=True), schedule("b_fine", "* * * * *", function=True)],
        schedule_fns={"a_hangs": hanging, "b_fine": lambda req: run_requests("")},
    )
    engine, _, scheduler = _setup(tmp_path, location, clock)
    scheduler.tick()  # first sight: both start now
    try:
        for minute in range(1, 4):
            clock.advance(60)
            # ticking again until it shows, as the daemon's loop does: b_fine's previous evaluation may
            # still be finishing (its tick stored, its pool slot not yet free) when a pass looks
            wait_for(
                lambda minute=minute: (
                    scheduler.tick() >= 0 and [t.status for t in _ticks(engine, "b_fine")] == ["SUCCESS"] * minute
                ),
                45,  # a tick takes milliseconds; the margin is for a machine loaded by other test workers
                what="b_fine's tick",
            )
        assert [t.status for t in _ticks(engine, "a_hangs")] == ["STARTED"]  # shown while it runs
        assert [name for name, _ in location.calls].count("a_hangs") == 1  # never two at once
    finally:
        release.set()
    assert scheduler.wait(10)
    _pass(scheduler)  # the slots that came due meanwhile go by the catch-up policy
    ticks = _ticks(engine, "a_hangs")
    assert [t.status for t in ticks] == ["SUCCESS", "SKIPPED", "SUCCESS"]
    assert "previous evaluation was still running" in ticks[1].reason


def _downtime(tmp_path, minutes: int, late_by: float = 0.5, **config):  # type: ignore[no-untyped-def]
    """One slot handled, then the scheduler is down for `minutes`; a new one takes over."""
    clock = FakeClock(T0)
    location = InProcessLocation("sales", schedules=[schedule("every_minute", "* * * * *")])
    engine, workspace, scheduler = _setup(tmp_path, location, clock, **config)
    _pass(scheduler)
    clock.advance(30.5)
    _pass(scheduler)
    clock.advance(minutes * 60 - 0.5 + late_by)
    Scheduler(engine, workspace, SchedulerConfig(**config), clock).tick()
    return _ticks(engine)[1:]


def test_catch_up_latest_runs_only_the_newest_missed_slot_and_records_the_others(tmp_path):
    ticks = _downtime(tmp_path, 10)
    assert [t.status for t in ticks] == ["SKIPPED"] * 9 + ["SUCCESS"]
    assert all("missed" in t.reason and "catch_up: latest" in t.reason for t in ticks[:9])


def test_catch_up_none_skips_a_slot_found_too_late(tmp_path):
    ticks = _downtime(tmp_path, 10, late_by=30, catch_up="none", late_after_seconds=20)
    assert [t.status for t in ticks] == ["SKIPPED"] * 10
    assert "catch_up: none" in ticks[-1].reason


def test_catch_up_all_runs_up_to_max_catch_up_ticks(tmp_path):
    ticks = _downtime(tmp_path, 10, catch_up="all", max_catch_up_ticks=3)
    assert [t.status for t in ticks] == ["SKIPPED"] * 7 + ["SUCCESS"] * 3


def test_a_long_outage_is_summarised_beyond_max_missed_ticks(tmp_path):
    ticks = _downtime(tmp_path, 100, max_missed_ticks=5)
    assert len(ticks) == 1 + 5 + 10  # the summary, then one tick per listed slot
    assert ticks[0].status == "SKIPPED" and "every slot after it" in ticks[0].reason
    assert ticks[0].logical_time == T0 + 90
    assert ticks[-1].status == "SUCCESS"


def test_state_overrides_default_status_and_survives_a_reload(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation(
        "sales", schedules=[schedule("every_minute", "* * * * *"), schedule("dormant", "* * * * *", running=False)]
    )
    engine, workspace, scheduler = _setup(tmp_path, location, clock)
    instigators.set_status(
        engine, workspace, kind="SCHEDULE", name="every_minute", location=None, status="STOPPED", now=clock()
    )
    location.schedules.append(schedule("another", "0 0 * * *"))  # new code: a new snapshot id
    workspace.refresh_all(force=True)
    _pass(scheduler)
    clock.advance(120)
    _pass(scheduler)
    assert _ticks(engine) == [] and _ticks(engine, "dormant") == []
    instigators.set_status(
        engine, workspace, kind="SCHEDULE", name="dormant", location="sales", status="RUNNING", now=clock()
    )
    _pass(scheduler)
    clock.advance(60)
    _pass(scheduler)
    (tick,) = _ticks(engine, "dormant")  # from the moment it was started: no catch-up before that
    assert tick.status == "SUCCESS" and tick.logical_time == T0 + 150
    views = {v.name: v for v in instigators.list_instigators(engine, workspace, now=clock(), kind="SCHEDULE")}
    assert (views["every_minute"].status, views["every_minute"].status_from_code) == ("STOPPED", False)
    assert (views["dormant"].status, views["another"].status_from_code) == ("RUNNING", True)


def _local(tz: str, text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).timestamp()


@pytest.mark.parametrize(
    ("tz", "day", "expected"),
    [
        ("Europe/Berlin", "2026-03-29", "2026-03-29T03:00:00+02:00"),  # 02:30 does not exist: end of the gap
        ("America/New_York", "2026-03-08", "2026-03-08T03:00:00-04:00"),
        ("Europe/Berlin", "2026-10-25", "2026-10-25T02:30:00+02:00"),  # 02:30 twice: the first one only
        ("America/New_York", "2026-11-01", "2026-11-01T01:30:00-04:00"),
    ],
)
def test_daily_schedule_across_dst_fires_once_at_the_documented_time(tmp_path, tz, day, expected):
    cron = "30 2 * * *" if "Berlin" in tz or day.endswith("08") else "30 1 * * *"
    clock = FakeClock(_local(tz, f"{day}T00:00:00"))
    location = InProcessLocation(
        "sales",
        schedules=[schedule("daily", cron, tz=tz, function=True)],
        schedule_fns={"daily": lambda req: run_requests("")},
    )
    engine, _, scheduler = _setup(tmp_path, location, clock)
    for _ in range(24 * 12):
        _pass(scheduler)
        clock.advance(300)
    (tick,) = [t for t in _ticks(engine, "daily") if t.logical_time < _local(tz, f"{day}T23:59:00")]
    assert tick.logical_time == datetime.fromisoformat(expected).timestamp()
    assert location.calls[0] == ("daily", tick.logical_time)


@pytest.mark.parametrize(
    ("tz", "day", "count"),
    [
        ("Europe/Berlin", "2026-03-29", 23),
        ("America/New_York", "2026-03-08", 23),
        ("Europe/Berlin", "2026-10-25", 25),
        ("America/New_York", "2026-11-01", 25),
    ],
)
def test_hourly_schedule_fires_every_real_hour_across_dst(tmp_path, tz, day, count):
    start = _local(tz, f"{day}T00:00:00")
    clock = FakeClock(start - 1)
    location = InProcessLocation("sales", schedules=[schedule("hourly", "0 * * * *", tz=tz)])
    engine, _, scheduler = _setup(tmp_path, location, clock)
    _pass(scheduler)
    while clock() < start + count * 3600:
        clock.advance(600)
        _pass(scheduler)
    times = [t.logical_time for t in _ticks(engine, "hourly") if t.logical_time < start + count * 3600]
    assert len(times) == count
    assert all(b - a == 3600 for a, b in itertools.pairwise(times))
    assert all(t.status == "SUCCESS" for t in _ticks(engine, "hourly"))
