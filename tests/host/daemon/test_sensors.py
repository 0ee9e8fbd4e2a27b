"""The sensor loop against real storage (SQLite) and an in-process location, with a driven clock."""

from __future__ import annotations

import json
import threading

from host.config import SensorDaemonConfig
from host.daemon.sensors import SensorDaemon
from host.domain import instigators
from host.storage import events as event_store
from host.storage import instigators as tick_store
from host.storage import partitions as partition_store
from host.storage import runs as run_store
from host.storage.records import RunRecord
from protos.weir.v1 import codeserver_pb2, common_pb2, snapshot_pb2
from tests.host.daemon.support import (
    FakeClock,
    InProcessLocation,
    run_requests,
    sensor,
    sqlite_engine,
    user_error,
    workspace_of,
)
from tests.support import wait_for

T0 = 1_780_000_000.0


def _setup(tmp_path, location: InProcessLocation, clock: FakeClock):  # type: ignore[no-untyped-def]
    engine = sqlite_engine(tmp_path)
    workspace = workspace_of(location)
    return engine, workspace, SensorDaemon(engine, workspace, SensorDaemonConfig(evaluation_timeout_seconds=5), clock)


def _pass(daemon: SensorDaemon) -> int:
    """A pass and the evaluations it queued (the loop does not wait for them; a test does)."""
    queued = daemon.tick()
    assert daemon.wait(10), "the evaluations did not end"
    return queued


def _ticks(engine, name: str):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return list(reversed(tick_store.list_ticks(conn, "sales", name, "SENSOR", limit=1000)))


def _runs(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return run_store.list_runs(conn, limit=1000)[0]


def test_minimum_interval_is_respected(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation(
        "sales",
        sensors=[sensor("s", interval=30)],
        sensor_fns={"s": lambda req: codeserver_pb2.EvaluationReply(skip_reason="idle")},
    )
    engine, _, daemon = _setup(tmp_path, location, clock)
    for _ in range(61):
        _pass(daemon)
        clock.advance(1)
    assert [t.timestamp - T0 for t in _ticks(engine, "s")] == [0, 30, 60]
    assert all((t.status, t.reason) == ("SKIPPED", "idle") for t in _ticks(engine, "s"))


def test_cursor_is_saved_only_when_the_tick_succeeds(tmp_path):
    clock = FakeClock(T0)
    fail = {"now": False}

    def counting(req: codeserver_pb2.EvaluateSensorRequest) -> codeserver_pb2.EvaluationReply:
        if fail["now"]:
            return user_error("source offline")
        n = int(req.cursor or 0) + 1
        reply = run_requests(f"n{n}")
        reply.cursor, reply.has_cursor = str(n), True
        return reply

    location = InProcessLocation("sales", sensors=[sensor("s", interval=10)], sensor_fns={"s": counting})
    engine, _, daemon = _setup(tmp_path, location, clock)
    _pass(daemon)
    fail["now"] = True
    clock.advance(10)
    _pass(daemon)
    fail["now"] = False
    clock.advance(10)
    _pass(daemon)
    assert [c for _, c in location.calls] == ["", "1", "1"]  # the failed tick did not move the cursor
    assert [(t.status, t.cursor) for t in _ticks(engine, "s")] == [
        ("SUCCESS", "1"),
        ("FAILURE", None),
        ("SUCCESS", "2"),
    ]
    assert "source offline" in _ticks(engine, "s")[1].reason
    assert sorted(r.run_key for r in _runs(engine)) == ["n1", "n2"]


def test_a_run_key_launches_once_for_the_life_of_the_sensor(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation(
        "sales", sensors=[sensor("s", interval=10)], sensor_fns={"s": lambda req: run_requests("file-a.csv")}
    )
    engine, _, daemon = _setup(tmp_path, location, clock)
    for _ in range(3):
        _pass(daemon)
        clock.advance(3600)
    assert [r.run_key for r in _runs(engine)] == ["file-a.csv"]
    first, *later = _ticks(engine, "s")
    assert first.status == "SUCCESS"
    assert all(t.status == "SKIPPED" and "already used" in t.reason for t in later)


def test_a_timed_out_sensor_fails_its_tick_and_the_others_still_run(tmp_path):
    clock = FakeClock(T0)
    timed_out = codeserver_pb2.EvaluationReply(
        timed_out=True, error=common_pb2.UserCodeError(type="EvaluationTimeout", message="deadline exceeded")
    )
    location = InProcessLocation(
        "sales",
        sensors=[sensor("a_stuck"), sensor("b_fine")],
        sensor_fns={"a_stuck": lambda req: timed_out, "b_fine": lambda req: run_requests("")},
    )
    engine, _, daemon = _setup(tmp_path, location, clock)
    assert _pass(daemon) == 2
    (stuck,) = _ticks(engine, "a_stuck")
    assert stuck.status == "FAILURE" and "did not finish within 5 s" in stuck.reason
    assert _ticks(engine, "b_fine")[0].status == "SUCCESS"


def test_a_hanging_sensor_delays_only_itself(tmp_path):
    clock = FakeClock(T0)
    release = threading.Event()

    def hanging(req: codeserver_pb2.EvaluateSensorRequest) -> codeserver_pb2.EvaluationReply:
        release.wait(300)  # until the test releases it: it must still hang while the other one ticks
        return codeserver_pb2.EvaluationReply(skip_reason="late")

    location = InProcessLocation(
        "sales",
        sensors=[sensor("a_hangs", interval=1), sensor("b_fine", interval=1)],
        sensor_fns={"a_hangs": hanging, "b_fine": lambda req: codeserver_pb2.EvaluationReply(skip_reason="idle")},
    )
    engine, _, daemon = _setup(tmp_path, location, clock)
    try:
        for n in range(1, 6):
            # ticking again until it shows, as the daemon's loop does: b_fine's previous evaluation may
            # still be finishing (its tick stored, its pool slot not yet free) when this pass looks
            wait_for(lambda n=n: daemon.tick() >= 0 and len(_ticks(engine, "b_fine")) == n, 45, what="b_fine's tick")
            clock.advance(1)
        assert [name for name, _ in location.calls].count("a_hangs") == 1  # never two at once
        assert _ticks(engine, "a_hangs") == []
    finally:
        release.set()
    assert daemon.wait(10)
    assert [(t.status, t.reason) for t in _ticks(engine, "a_hangs")] == [("SKIPPED", "late")]
    daemon.stop()
    clock.advance(1)
    assert daemon.tick() == 0  # a stopped daemon queues nothing


def test_several_jobs_need_a_job_name_on_the_request(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation(
        "sales", sensors=[sensor("s", jobs=("sales_job", "other_job"))], sensor_fns={"s": lambda req: run_requests("x")}
    )
    engine, _, daemon = _setup(tmp_path, location, clock)
    _pass(daemon)
    (tick,) = _ticks(engine, "s")
    assert tick.status == "FAILURE" and "set job_name" in tick.reason
    location.sensor_fns["s"] = lambda req: run_requests("x", job="other_job")
    clock.advance(30)
    _pass(daemon)
    assert [r.job_name for r in _runs(engine)] == ["other_job"]


def _materialize(engine, run_id: str, at: float, partition: str = "") -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        run_store.add_run(
            conn,
            RunRecord(
                run_id=run_id,
                location="sales",
                job_name="sales_job",
                status="SUCCESS",
                asset_selection=("orders",),
                run_config_json="{}",
                tags={},
                snapshot_id="s",
                created_at=at,
            ),
        )
        event = common_pb2.RunEvent(
            run_id=run_id,
            sequence=0,
            type=common_pb2.ASSET_MATERIALIZATION,
            timestamp=at,
            asset_key=common_pb2.AssetKey(path=["orders"]),
            partition_key=partition,
        )
        event_store.add_events(conn, [event_store.event_record(event)])


def test_asset_sensor_gets_new_materializations_and_user_code_is_skipped_when_there_are_none(tmp_path):
    clock = FakeClock(T0)
    seen: list[list[str]] = []

    def on_orders(req: codeserver_pb2.EvaluateSensorRequest) -> codeserver_pb2.EvaluationReply:
        seen.append([e.run_id for e in req.materializations])
        return run_requests(*[f"after-{e.run_id}" for e in req.materializations])

    location = InProcessLocation(
        "sales",
        sensors=[sensor("on_orders", kind=snapshot_pb2.ASSET, assets=("orders",))],
        sensor_fns={"on_orders": on_orders},
    )
    engine, _, daemon = _setup(tmp_path, location, clock)
    _materialize(engine, "old", T0 - 100)
    _pass(daemon)  # no cursor yet: the newest materialization counts, as in Dagster
    clock.advance(30)
    _pass(daemon)  # nothing new: user code is not called
    _materialize(engine, "m1", T0 + 40, "2026-01-01")
    _materialize(engine, "m2", T0 + 41, "2026-01-02")
    clock.advance(30)
    _pass(daemon)
    assert seen == [["old"], ["m1", "m2"]]
    statuses = [(t.status, t.reason) for t in _ticks(engine, "on_orders")]
    assert statuses[1] == ("SKIPPED", "no new materializations of orders")
    assert json.loads(_ticks(engine, "on_orders")[-1].cursor)[1] == "m2"


def test_run_failure_sensor_sees_runs_that_failed_after_it_started(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation(
        "sales",
        sensors=[sensor("on_failure", kind=snapshot_pb2.RUN_STATUS, statuses=("FAILURE",))],
        sensor_fns={"on_failure": lambda req: run_requests(*[f"alert-{r.run_id}" for r in req.runs])},
    )
    engine, _, daemon = _setup(tmp_path, location, clock)
    _materialize(engine, "before", T0 - 10)
    with engine.begin() as conn:
        run_store.add_run(
            conn,
            RunRecord(
                run_id="bad",
                location="sales",
                job_name="sales_job",
                status="STARTED",
                asset_selection=(),
                run_config_json="{}",
                tags={},
                snapshot_id="s",
                created_at=T0 - 5,
            ),
        )
    _pass(daemon)  # starts watching now
    with engine.begin() as conn:
        run_store.set_run_status(conn, "bad", "FAILURE", at=T0 + 10, failure_reason="boom")
    clock.advance(30)
    _pass(daemon)
    clock.advance(30)
    _pass(daemon)
    assert [r.run_key for r in _runs(engine) if r.sensor_name] == ["alert-bad"]
    assert location.calls == [("on_failure", json.dumps([T0, ""]))]  # called once, with the failed run
    ticks = _ticks(engine, "on_failure")
    assert [t.status for t in ticks] == ["SKIPPED", "SUCCESS", "SKIPPED"]
    assert ticks[-1].cursor == json.dumps([T0 + 10, "bad"])


def test_start_stop_and_a_cursor_set_by_a_person(tmp_path):
    clock = FakeClock(T0)
    location = InProcessLocation(
        "sales",
        sensors=[sensor("s", interval=10, running=False)],
        sensor_fns={"s": lambda req: codeserver_pb2.EvaluationReply(skip_reason="idle")},
    )
    engine, workspace, daemon = _setup(tmp_path, location, clock)
    assert _pass(daemon) == 0
    instigators.set_status(engine, workspace, kind="SENSOR", name="s", location=None, status="RUNNING", now=clock())
    instigators.set_sensor_cursor(engine, workspace, name="s", location=None, cursor="42", now=clock())
    clock.advance(10)
    assert _pass(daemon) == 1
    assert location.calls == [("s", "42")]
    (view,) = instigators.list_instigators(engine, workspace, now=clock(), kind="SENSOR")
    assert (view.status, view.cursor, view.status_from_code) == ("RUNNING", "42", False)


def test_dynamic_partition_requests_are_stored_when_the_tick_succeeds(tmp_path):
    clock = FakeClock(T0)
    reply = codeserver_pb2.EvaluationReply(
        dynamic_partitions_requests=[
            codeserver_pb2.DynamicPartitionsRequest(partitions_def_name="files", add_keys=["a.csv", "b.csv"])
        ]
    )
    location = InProcessLocation("sales", sensors=[sensor("s")], sensor_fns={"s": lambda req: reply})
    engine, _, daemon = _setup(tmp_path, location, clock)
    _pass(daemon)
    with engine.connect() as conn:
        assert partition_store.list_dynamic_partitions(conn, "files") == ["a.csv", "b.csv"]
