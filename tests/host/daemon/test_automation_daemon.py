"""The automation loop against real storage (SQLite) and in-process locations built from real
Definitions, with a driven clock: cross-location eager, the sensor's state, exactly-once launches."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

import sdk as dg
from codeserver.snapshot import build_snapshot
from host.config import AutomationConfig, HostConfig
from host.daemon.automation import AutomationDaemon
from host.daemon.preview import preview as instigator_preview
from host.domain import instigators
from host.storage import automation as automation_store
from host.storage import events as event_store
from host.storage import instigators as tick_store
from host.storage import runs as run_store
from host.storage.records import RunRecord, RunStatus
from protos.weir.v1 import common_pb2, host_pb2, snapshot_pb2
from tests.host.daemon.support import FakeClock, InProcessLocation, sqlite_engine, workspace_of

T0 = 1_780_000_000.0
AC = dg.AutomationCondition
SENSOR = "default_automation_condition_sensor"


@dg.asset
def a() -> int:
    return 1


@dg.asset(deps=[dg.AssetKey("a")], automation_condition=AC.eager())
def b() -> None:
    return None


@dataclass
class DefinitionsLocation(InProcessLocation):
    """An in-process location whose snapshot is built from real Definitions."""

    defs: dg.Definitions | None = None

    def snapshot(self) -> snapshot_pb2.Snapshot:
        assert self.defs is not None
        return snapshot_pb2.Snapshot.FromString(build_snapshot(self.defs, self.name).data)


@pytest.fixture
def setup(tmp_path):  # type: ignore[no-untyped-def]
    clock = FakeClock(T0)
    upstream = DefinitionsLocation("upstream", defs=dg.Definitions(assets=[a]))
    downstream = DefinitionsLocation("downstream", defs=dg.Definitions(assets=[b, dg.AssetSpec("a")]))
    engine = sqlite_engine(tmp_path)
    workspace = workspace_of(upstream, downstream)
    daemon = AutomationDaemon(engine, workspace, AutomationConfig(interval_seconds=30), clock)
    return engine, workspace, daemon, clock


def materialize(engine: Engine, key: str, at: float, run_id: str) -> None:
    with engine.begin() as conn:
        run_store.add_run(
            conn,
            RunRecord(run_id, "upstream", "__ASSET_JOB", RunStatus.SUCCESS, (key,), "{}", {}, "s", created_at=at),
        )
        event = common_pb2.RunEvent(
            run_id=run_id,
            sequence=1,
            type=common_pb2.ASSET_MATERIALIZATION,
            timestamp=at,
            step_key=key,
            asset_key=common_pb2.AssetKey(path=[key]),
        )
        event_store.add_events(conn, [event_store.event_record(event)])


def runs(engine: Engine) -> list[RunRecord]:
    with engine.connect() as conn:
        return run_store.list_runs(conn, limit=100)[0]


def ticks(engine: Engine) -> list:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return list(reversed(tick_store.list_ticks(conn, "downstream", SENSOR, "SENSOR", limit=100)))


def test_eager_asset_in_another_location_runs_once_after_its_dep_updates(setup) -> None:  # type: ignore[no-untyped-def]
    engine, _, daemon, clock = setup
    assert daemon.tick() == 1  # the first tick: nothing happened since it
    assert daemon.tick() == 0  # not due for 30 s
    materialize(engine, "a", clock.advance(5), "run-a")
    clock.advance(30)
    assert daemon.tick() == 1
    (run,) = runs(engine)[:1]
    assert run.asset_selection == ("b",) and run.location == "downstream" and run.sensor_name == SENSOR
    assert run.tags["dagster/from_automation_condition"] == "true"
    clock.advance(30)
    daemon.tick()  # b is queued: in progress, and already handled
    clock.advance(30)
    daemon.tick()
    assert [r.run_id for r in runs(engine) if r.sensor_name == SENSOR] == [run.run_id]
    statuses = [t.status for t in ticks(engine)]
    assert statuses == ["SKIPPED", "SUCCESS", "SKIPPED", "SKIPPED"]
    assert ticks(engine)[1].run_ids == (run.run_id,)


def test_the_automation_sensor_is_listed_and_can_be_stopped(setup) -> None:  # type: ignore[no-untyped-def]
    engine, workspace, daemon, clock = setup
    (view,) = instigators.list_instigators(engine, workspace, now=clock.now, kind="SENSOR")
    assert (view.location, view.name, view.status) == ("downstream", SENSOR, "RUNNING")
    instigators.set_status(
        engine, workspace, kind="SENSOR", name=SENSOR, location=None, status="STOPPED", now=clock.now
    )
    assert daemon.tick() == 0 and ticks(engine) == []


def test_unchanged_evaluations_are_stored_once(setup) -> None:  # type: ignore[no-untyped-def]
    engine, _, daemon, clock = setup
    for _ in range(4):
        daemon.tick()
        clock.advance(30)
    with engine.connect() as conn:
        stored = automation_store.list_evaluations(conn, asset_key="b")
        first, second = (t.tick_id for t in ticks(engine)[:2])
        assert [e.tick_id for e in stored] == [second, first]  # the first differs: initial_evaluation
        newest = automation_store.get_evaluation(conn, "b", tick_id=ticks(engine)[-1].tick_id)
    assert newest is not None and newest.result["label"] == "eager"


def test_a_host_killed_between_evaluation_and_launch_launches_each_request_once(setup) -> None:  # type: ignore[no-untyped-def]
    engine, workspace, daemon, clock = setup
    daemon.tick()
    materialize(engine, "a", clock.advance(5), "run-a")
    clock.advance(30)
    (sensor,) = daemon.graph().sensors
    with engine.connect() as conn:
        _, previous = automation_store.latest_ticks(conn, "downstream", SENSOR)
    planned = daemon.plan(sensor, daemon.graph(), clock.now, previous)  # evaluated and stored; then the crash
    assert runs(engine)[0].run_id == "run-a"
    restarted = AutomationDaemon(engine, workspace, AutomationConfig(interval_seconds=30), clock)
    assert restarted.tick() == 1  # finishes the STARTED tick rather than evaluating again
    launched = [r for r in runs(engine) if r.sensor_name == SENSOR]
    assert len(launched) == 1
    again = AutomationDaemon(engine, workspace, AutomationConfig(interval_seconds=30), clock)
    assert again.finish(planned, sensor).run_ids == (launched[0].run_id,)  # the same run, found by its key
    assert [r.run_id for r in runs(engine) if r.sensor_name == SENSOR] == [launched[0].run_id]
    assert ticks(engine)[-1].status == "SUCCESS"


def test_preview_shows_the_runs_a_tick_would_request_without_storing_any(setup) -> None:  # type: ignore[no-untyped-def]
    engine, workspace, daemon, clock = setup
    daemon.tick()
    materialize(engine, "a", clock.advance(5), "run-a")
    request = host_pb2.PreviewInstigatorRequest(kind=host_pb2.SENSOR, name=SENSOR)
    preview = instigator_preview(engine, workspace, HostConfig(), request, now=clock.advance(30))
    assert [["/".join(k.path) for k in r.asset_selection] for r in preview.run_requests] == [["b"]]
    assert len(ticks(engine)) == 1 and [r.run_id for r in runs(engine)] == ["run-a"]


def test_a_cursor_set_by_hand_does_not_break_the_next_tick(setup) -> None:  # type: ignore[no-untyped-def]
    engine, workspace, daemon, clock = setup
    daemon.tick()
    instigators.set_sensor_cursor(engine, workspace, name=SENSOR, location=None, cursor="not ours", now=clock.now)
    clock.advance(30)
    assert daemon.tick() == 1 and ticks(engine)[-1].status == "SKIPPED"
