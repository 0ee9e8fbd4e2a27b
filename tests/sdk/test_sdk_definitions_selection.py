"""Definitions (merge, resolve_job_def), AssetSelection algebra, schedules and sensors as definitions."""

from __future__ import annotations

import pytest

import sdk as dg


@dg.asset(group_name="a")
def r1() -> int:
    return 1


@dg.asset(group_name="a")
def r2(r1: int) -> int:
    return r1


@dg.asset(group_name="b")
def r3(r2: int) -> int:
    return r2


@dg.asset(group_name="b")
def side() -> int:
    return 0


defs = dg.Definitions(assets=[r1, r2, r3, side])
graph = defs.asset_graph


def _keys(selection: dg.AssetSelection) -> set[str]:
    return {k.to_user_string() for k in selection.resolve(graph)}


def test_selection_algebra() -> None:
    assert _keys(dg.AssetSelection.all()) == {"r1", "r2", "r3", "side"}
    assert _keys(dg.AssetSelection.groups("b")) == {"r3", "side"}
    assert _keys(dg.AssetSelection.assets(r2).upstream()) == {"r1", "r2"}
    assert _keys(dg.AssetSelection.keys("r1").downstream(depth=1)) == {"r1", "r2"}
    assert _keys(dg.AssetSelection.keys("r2").downstream(include_self=False)) == {"r3"}
    assert _keys(dg.AssetSelection.groups("a") | dg.AssetSelection.keys("side")) == {"r1", "r2", "side"}
    assert _keys(dg.AssetSelection.groups("b") & dg.AssetSelection.keys("r3", "r1")) == {"r3"}
    assert _keys(dg.AssetSelection.all() - dg.AssetSelection.groups("a")) == {"r3", "side"}
    assert _keys(dg.AssetSelection.all().roots()) == {"r1", "side"}


def test_selection_of_unknown_key_says_so() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="nope"):
        dg.AssetSelection.keys("nope").resolve(graph)


def test_define_asset_job_and_resolve_job_def() -> None:
    job = dg.define_asset_job("grp", selection=dg.AssetSelection.groups("b"), tags={"x": "1"})
    d = dg.Definitions(assets=[r1, r2, r3, side], jobs=[job])
    resolved = d.resolve_job_def("grp")
    assert {k.to_user_string() for k in resolved.asset_keys} == {"r3", "side"}
    with pytest.raises(dg.DagsterInvariantViolationError, match="grp"):
        d.resolve_job_def("missing")


def test_merge_combines_and_rejects_conflicting_resources() -> None:
    merged = dg.Definitions.merge(
        dg.Definitions(assets=[r1], resources={"a": 1}), dg.Definitions(assets=[r2], resources={"b": 2})
    )
    assert len(merged.assets) == 2 and merged.resources == {"a": 1, "b": 2}
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='resource "a"'):
        dg.Definitions.merge(dg.Definitions(resources={"a": object()}), dg.Definitions(resources={"a": object()}))


def test_duplicate_asset_keys_are_an_error() -> None:
    @dg.asset(name="r1")
    def other() -> int:
        return 2

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="defined twice"):
        _ = dg.Definitions(assets=[r1, other]).asset_graph


def test_schedule_and_sensor_definitions_carry_their_fields() -> None:
    job = dg.define_asset_job("j")
    sched = dg.ScheduleDefinition(
        job=job, cron_schedule="0 3 * * *", execution_timezone="UTC", default_status=dg.DefaultScheduleStatus.RUNNING
    )
    assert sched.name == "j_schedule" and sched.cron_schedule == "0 3 * * *" and not sched.has_function

    @dg.sensor(job=job, minimum_interval_seconds=45, default_status=dg.DefaultSensorStatus.RUNNING)
    def s(context):
        return dg.SensorResult(run_requests=[dg.RunRequest(run_key="k")], cursor="c")

    assert s.minimum_interval_seconds == 45 and s.job_names == ["j"]
    assert s(dg.build_sensor_context()).cursor == "c"

    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[job], request_job=job)
    def on_success(context):
        return dg.SkipReason("x")

    assert on_success.monitored_run_statuses == ["SUCCESS"] and on_success.monitored_jobs == ["j"]
    d = dg.Definitions(assets=[r1], schedules=[sched], sensors=[s])
    assert d.job_names == ["j"]
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="cron"):
        dg.ScheduleDefinition(job=job, cron_schedule="every day")


def test_partitions_definitions_are_data() -> None:
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    assert daily.cron_schedule == "0 0 * * *" and daily.fmt == "%Y-%m-%d"
    static = dg.StaticPartitionsDefinition(["a", "b"])
    assert static.get_partition_keys() == ["a", "b"]
    multi = dg.MultiPartitionsDefinition({"x": static, "y": dg.StaticPartitionsDefinition(["1"])})
    assert multi.get_partition_keys() == ["a|1", "b|1"]
