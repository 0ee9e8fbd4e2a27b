"""Events as Dagster's API shows them: result.all_events, the materialization / observation / failure
accessors, and the EventLogEntry / EventLogRecord an instance returns."""

from __future__ import annotations

from pathlib import Path

import pytest

import sdk as dg
from codeserver.convert import event_to_proto
from protos.weir.v1 import common_pb2
from sdk.events import Event
from sdk.execution import execute_run


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["2024", "2025"]))
def sales(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    yield dg.AssetObservation(asset_key="sales_source", metadata={"files": 3})
    yield dg.MaterializeResult(metadata={"rows": 10})


@dg.asset_check(asset=sales)
def has_rows() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"checked": 1})


def test_all_events_are_dagster_events_from_run_start_to_run_success() -> None:
    @dg.asset
    def chatty(context: dg.AssetExecutionContext) -> int:
        context.log.info("a log line, not a DagsterEvent")
        return 1

    result = dg.materialize([chatty])
    types = [e.event_type for e in result.all_events]
    assert types[0] == dg.DagsterEventType.RUN_START and types[-1] == dg.DagsterEventType.RUN_SUCCESS
    assert result.all_events[-1].event_type_value == "PIPELINE_SUCCESS" and result.all_events[-1].is_job_success
    assert dg.DagsterEventType.STEP_SUCCESS in types and all(isinstance(e, dg.DagsterEvent) for e in result.all_events)
    assert all("log line" not in e.message for e in result.all_events)
    assert [e.step_key for e in result.all_node_events] == [e.step_key for e in result.events_for_node("chatty")]
    success = result.get_step_success_events()[0]
    assert success.step_success_data.duration_ms >= 0 and success.job_name == result.job_name
    assert result.get_job_success_event().is_job_success and result.is_node_success("chatty")


def test_materialization_events_carry_asset_keys_partitions_and_metadata() -> None:
    result = dg.materialize([sales, has_rows], partition_key="2025")
    (event,) = result.get_asset_materialization_events()
    assert event.asset_key.to_user_string() == "sales" and event.partition == "2025"
    assert event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION and event.is_step_materialization
    materialization = event.step_materialization_data.materialization
    assert materialization.asset_key == dg.AssetKey("sales") and materialization.metadata["rows"].value == 10
    assert event.event_specific_data == event.step_materialization_data
    (node_mat,) = result.asset_materializations_for_node("sales")
    assert node_mat.partition == "2025" and node_mat.metadata["rows"].value == 10
    (check,) = result.get_asset_check_evaluations()
    assert check.passed and check.asset_key == dg.AssetKey("sales") and check.check_name == "has_rows"


def test_observation_events_are_reported_for_the_node_that_yielded_them() -> None:
    result = dg.materialize([sales], partition_key="2024")
    (event,) = result.get_asset_observation_events()
    assert event.asset_key == dg.AssetKey("sales_source") and event.is_asset_observation
    assert event.asset_observation_data.asset_observation.metadata["files"].value == 3
    (observation,) = result.asset_observations_for_node("sales")
    assert observation.asset_key.to_user_string() == "sales_source" and observation.partition == "2024"
    assert result.asset_observations_for_node("other") == []


def test_op_materializations_and_outputs_are_found_by_node() -> None:
    @dg.op(out={"low": dg.Out(int), "high": dg.Out(int)})
    def split() -> tuple[int, int]:
        return 1, 9

    @dg.op
    def report(low: int) -> int:
        yield dg.AssetMaterialization(asset_key=["reports", "low"], description="written", metadata={"low": low})
        yield dg.Output(low * 2)

    @dg.job
    def reporting() -> None:
        low, _high = split()
        report(low)

    result = reporting.execute_in_process()
    assert result.output_for_node("split", "high") == 9 and result.output_for_node("report") == 2
    (materialization,) = result.asset_materializations_for_node("report")
    assert materialization.asset_key.to_user_string() == "reports/low" and materialization.description == "written"
    outputs = [e.step_output_data.output_name for e in result.events_for_node("split") if e.is_successful_output]
    assert sorted(outputs) == ["high", "low"]
    with pytest.raises(dg.DagsterInvariantViolationError, match='No output "nope" of node "split"'):
        result.output_for_node("split", "nope")


def test_failures_are_reported_with_their_error() -> None:
    @dg.asset
    def broken() -> int:
        raise KeyError("missing column")

    @dg.asset
    def after(broken: int) -> int:
        return broken

    result = dg.materialize([broken, after], raise_on_error=False)
    assert not result.success and result.get_failed_step_keys() == {"broken"}
    (failure,) = result.get_step_failure_events()
    assert failure.is_step_failure and failure.is_failure and failure.event_type == dg.DagsterEventType.STEP_FAILURE
    error = failure.step_failure_data.error
    assert (
        error.cls_name == "KeyError" and "missing column" in error.message and "raise KeyError" in "".join(error.stack)
    )
    assert result.is_node_failed("broken") and result.is_node_skipped("after") and not result.is_node_untouched("after")
    job_failure = result.get_job_failure_event()
    assert job_failure.is_run_failure and job_failure.job_failure_data.error is not None
    assert result.dagster_run.status == dg.DagsterRunStatus.FAILURE


def test_instance_entries_and_records_wrap_the_same_events() -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([sales], partition_key="2024", instance=instance)
    entries = instance.all_logs(result.run_id)
    assert [e.dagster_event_type for e in entries if e.is_dagster_event] == [e.event_type for e in result.all_events]
    entry = instance.get_latest_materialization_event(sales.key)
    assert entry is not None and entry.is_dagster_event and entry.dagster_event_type.value == "ASSET_MATERIALIZATION"
    assert entry.get_dagster_event().asset_key == sales.key and entry.step_key == "sales"
    materializations = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    assert materializations == [entry]
    (record,) = instance.fetch_observations(dg.AssetKey("sales_source"), limit=5).records
    assert isinstance(record, dg.EventLogRecord) and record.event_type == dg.DagsterEventType.ASSET_OBSERVATION
    assert record.asset_observation.metadata["files"].value == 3 and record.asset_event == record.asset_observation
    assert record.asset_key == dg.AssetKey("sales_source") and record.partition_key == "2024"


def test_event_records_filter_says_what_it_needs() -> None:
    with pytest.raises(TypeError, match=r"DagsterEventType\.ASSET_MATERIALIZATION"):
        dg.EventRecordsFilter("ASSET_MATERIALIZATION")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="asset_key"):
        dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION, asset_partitions=["a"])
    assert dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION, asset_key="a/b").asset_key == dg.AssetKey(
        ["a", "b"]
    )


def test_runs_under_the_host_emit_observations_the_wire_carries(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEIR_STORAGE_DIR", str(tmp_path))
    events: list[Event] = []
    ok = execute_run(
        dg.Definitions(assets=[sales]),
        run_id="r1",
        job_name=None,
        asset_selection=None,
        run_config={},
        tags={},
        partition_key="2024",
        on_event=events.append,
    )
    types = [e.type for e in events]
    assert ok and "ASSET_MATERIALIZATION" in types
    (observed,) = [event_to_proto(e, "r1", n) for n, e in enumerate(events) if e.type == "ASSET_OBSERVATION"]
    assert observed.type == common_pb2.ASSET_OBSERVATION and list(observed.asset_key.path) == ["sales_source"]
    assert observed.partition_key == "2024" and [(m.key, m.value.int_value) for m in observed.metadata] == [
        ("files", 3)
    ]
