"""DagsterInstance for tests: what in-process runs record and the query methods Dagster documents."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sdk as dg
from sdk.events import Event
from sdk.execution import execute_run

ROOT = Path(__file__).resolve().parents[2]


@dg.asset
def rows() -> dg.Output:
    return dg.Output(5, metadata={"num_rows": 5})


def test_materialize_records_into_the_instance_and_the_next_call_sees_it() -> None:
    with dg.instance_for_test() as instance:
        assert instance.get_latest_materialization_event(rows.key) is None
        first = dg.materialize([rows], instance=instance)
        second = dg.materialize([rows], instance=instance)
        latest = instance.get_latest_materialization_event(dg.AssetKey("rows"))
        assert latest is not None and latest.run_id == second.run_id != first.run_id
        assert latest.asset_materialization.metadata["num_rows"].value == 5
        assert instance.get_run_by_id(first.run_id).status == dg.DagsterRunStatus.SUCCESS


def test_an_asset_reads_another_assets_latest_metadata_through_context_instance() -> None:
    @dg.asset
    def rows_count(context: dg.AssetExecutionContext) -> int:
        event = context.instance.get_latest_materialization_event(dg.AssetKey(["rows"]))
        return event.asset_materialization.metadata["num_rows"].value

    instance = dg.DagsterInstance.ephemeral()
    dg.materialize([rows], instance=instance)
    result = dg.materialize([rows_count], instance=instance)
    assert result.output_for_node("rows_count") == 5


def test_partition_materializations_are_filtered_by_event_records_filter() -> None:
    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["a", "b"]))
    def parted(context: dg.AssetExecutionContext) -> dg.Output:
        return dg.Output(context.partition_key, metadata={"part": context.partition_key})

    def is_partition_materialized(key: dg.AssetKey, partition: str, instance: dg.DagsterInstance) -> bool:
        records = instance.get_event_records(
            dg.EventRecordsFilter(
                asset_key=key, event_type=dg.DagsterEventType.ASSET_MATERIALIZATION, asset_partitions=[partition]
            ),
            limit=1,
        )
        return bool(records)

    instance = dg.DagsterInstance.ephemeral()
    dg.materialize([parted], instance=instance, partition_key="b")
    assert is_partition_materialized(parted.key, "b", instance)
    assert not is_partition_materialized(parted.key, "a", instance)
    record = instance.get_event_records(
        dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION, asset_key=parted.key), limit=1
    )[0]
    assert record.partition_key == "b" and record.asset_key == parted.key
    assert record.asset_materialization.metadata["part"].value == "b"
    run = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": "b"}))
    assert [r.partition_key for r in run] == ["b"]


def test_fetch_materializations_pages_newest_first_with_a_cursor() -> None:
    instance = dg.DagsterInstance.ephemeral()
    run_ids = [dg.materialize([rows], instance=instance).run_id for _ in range(3)]
    page = instance.fetch_materializations(rows.key, limit=2)
    assert [r.run_id for r in page.records] == run_ids[:0:-1] and page.has_more
    rest = instance.fetch_materializations(rows.key, limit=2, cursor=page.cursor)
    assert [r.run_id for r in rest.records] == run_ids[:1] and not rest.has_more
    oldest_first = instance.fetch_materializations(rows.key, limit=5, ascending=True)
    assert [r.run_id for r in oldest_first.records] == run_ids
    first_id = oldest_first.records[0].storage_id
    later = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=rows.key, after_storage_id=first_id), 5)
    assert [r.run_id for r in later.records] == run_ids[:0:-1]
    assert instance.fetch_observations(rows.key, limit=5).records == []


def test_runs_are_queried_by_job_status_and_tags() -> None:
    @dg.op
    def boom() -> None:
        raise ValueError("no")

    @dg.job(run_tags={"team": "data"})
    def failing() -> None:
        boom()

    @dg.op
    def fine() -> int:
        return 1

    @dg.job
    def passing() -> None:
        fine()

    instance = dg.DagsterInstance.ephemeral()
    ok = passing.execute_in_process(instance=instance, tags={"team": "web"})
    bad = failing.execute_in_process(instance=instance, raise_on_error=False)
    assert [r.run_id for r in instance.get_runs()] == [bad.run_id, ok.run_id]
    assert instance.get_runs_count() == 2 and instance.get_run_ids(limit=1) == [bad.run_id]
    failed = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
    assert [(r.job_name, r.is_failure, r.tags["team"]) for r in failed] == [("failing", True, "data")]
    assert [r.run_id for r in instance.get_runs(filters=dg.RunsFilter(tags={"team": ["web", "x"]}))] == [ok.run_id]
    assert instance.get_runs(filters=dg.RunsFilter(job_name="passing", statuses=[dg.DagsterRunStatus.FAILURE])) == []
    record = instance.get_run_record_by_id(ok.run_id)
    assert record is not None and record.dagster_run == ok.dagster_run and ok.dagster_run.is_success
    assert record.start_time is not None and record.end_time is not None and record.end_time >= record.start_time
    assert [r.dagster_run.run_id for r in instance.get_run_records(ascending=True)] == [ok.run_id, bad.run_id]
    assert instance.get_run_by_id("nope") is None
    instance.delete_run(bad.run_id)
    assert instance.get_run_ids() == [ok.run_id] and instance.all_logs(bad.run_id) == []


def test_asset_keys_records_runless_events_and_wipe() -> None:
    instance = dg.DagsterInstance.ephemeral()
    dg.materialize([rows], instance=instance)
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=["ext", "table"], metadata={"n": 2}))
    instance.report_runless_asset_event(dg.AssetObservation(asset_key="seen"))
    assert instance.get_asset_keys() == [dg.AssetKey(["ext", "table"]), dg.AssetKey("rows"), dg.AssetKey("seen")]
    assert instance.get_asset_keys(prefix=["ext"]) == [dg.AssetKey(["ext", "table"])]
    assert instance.has_asset_key(["ext", "table"]) and not instance.has_asset_key("other")
    (record,) = instance.get_asset_records([dg.AssetKey(["ext", "table"])])
    assert record.asset_entry.last_materialization.asset_materialization.metadata["n"].value == 2
    assert record.asset_entry.last_run_id == ""
    instance.wipe_assets([dg.AssetKey("rows")])
    assert not instance.has_asset_key("rows") and instance.get_latest_materialization_event(rows.key) is None


def test_dynamic_partitions_are_added_idempotently_and_deleted() -> None:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("files", ["a.csv", "b.csv"])
    instance.add_dynamic_partitions("files", ["b.csv", "c.csv"])
    assert instance.get_dynamic_partitions("files") == ["a.csv", "b.csv", "c.csv"]
    assert instance.has_dynamic_partition("files", "b.csv") and not instance.has_dynamic_partition("other", "b.csv")
    instance.delete_dynamic_partition("files", "b.csv")
    instance.delete_dynamic_partition("files", "never-added")
    assert instance.get_dynamic_partitions("files") == ["a.csv", "c.csv"]
    files = dg.DynamicPartitionsDefinition(name="files")
    assert files.get_partition_keys(dynamic_partitions_store=instance) == ["a.csv", "c.csv"]


def test_a_sensor_reads_dynamic_partitions_from_the_instance_it_is_built_with() -> None:
    files = dg.DynamicPartitionsDefinition(name="files")

    @dg.sensor()
    def new_files(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        fresh = [f for f in ["a.csv", "b.csv"] if not context.instance.has_dynamic_partition("files", f)]
        return dg.SensorResult(dynamic_partitions_requests=[files.build_add_request(fresh)])

    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("files", ["a.csv"])
    result = new_files(dg.build_sensor_context(instance=instance))
    assert list(result.dynamic_partitions_requests[0].partition_keys) == ["b.csv"]
    with pytest.raises(dg.DagsterInvariantViolationError, match=r"build_sensor_context\(instance="):
        new_files(dg.build_sensor_context())
    with pytest.raises(dg.DagsterInvariantViolationError, match=r"build_schedule_context\(instance="):
        _ = dg.build_schedule_context().instance


def test_get_returns_the_running_instance_and_otherwise_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    @dg.asset
    def who(context: dg.AssetExecutionContext) -> None:
        seen.append((dg.DagsterInstance.get(), context.instance))

    instance = dg.DagsterInstance.ephemeral()
    dg.materialize([who], instance=instance)
    assert seen == [(instance, instance)]
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with pytest.raises(dg.DagsterInvariantViolationError, match="instance_for_test"):
        dg.DagsterInstance.get()
    assert dg.build_op_context(instance=instance).instance is instance
    assert isinstance(dg.build_asset_context().instance, dg.DagsterInstance)
    with pytest.raises(dg.DagsterInvariantViolationError, match="takes a DagsterInstance"):
        dg.materialize([who], instance=object())


def test_instance_for_test_points_dagster_home_at_its_directory_and_restores_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.instance_for_test() as instance:
        home = os.environ["DAGSTER_HOME"]
        assert home != str(tmp_path) and dg.DagsterInstance.get() is instance
        dg.materialize([rows], instance=dg.DagsterInstance.get())
        assert instance.has_asset_key("rows")
    assert os.environ["DAGSTER_HOME"] == str(tmp_path) and not os.path.exists(home)


def test_a_dagster_home_instance_is_shared_with_another_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    mine = dg.DagsterInstance.get()
    mine.add_dynamic_partitions("files", ["a"])
    script = textwrap.dedent(
        """
        import sdk as dg

        @dg.asset
        def remote() -> int:
            return 1

        instance = dg.DagsterInstance.get()
        assert instance.get_dynamic_partitions("files") == ["a"]
        instance.add_dynamic_partitions("files", ["b"])
        print(dg.materialize([remote], instance=instance).run_id)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert mine.get_run_ids() == [out.stdout.strip()]
    assert mine.get_dynamic_partitions("files") == ["a", "b"] and mine.has_asset_key("remote")
    monkeypatch.setenv("DAGSTER_HOME", "relative/dir")
    with pytest.raises(dg.DagsterInvariantViolationError, match="absolute path"):
        dg.DagsterInstance.get()


def test_a_run_under_the_host_gets_an_error_naming_the_limitation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEIR_STORAGE_DIR", str(tmp_path))

    @dg.asset
    def reads_history(context: dg.AssetExecutionContext) -> None:
        context.instance.get_latest_materialization_event(dg.AssetKey("rows"))

    @dg.asset
    def gets_instance() -> None:
        dg.DagsterInstance.get().get_runs()

    events: list[Event] = []
    defs = dg.Definitions(assets=[reads_history, gets_instance])
    ok = execute_run(
        defs,
        run_id="r1",
        job_name=None,
        asset_selection=None,
        run_config={},
        tags={},
        partition_key=None,
        on_event=events.append,
    )
    failures = {e.step_key: e.message for e in events if e.type == "STEP_FAILURE"}
    assert not ok and set(failures) == {"reads_history", "gets_instance"}
    assert (
        "get_latest_materialization_event is not available in a run launched by the Weir host"
        in failures["reads_history"]
    )
    assert "DagsterInstance.get_runs is not available" in failures["gets_instance"]
