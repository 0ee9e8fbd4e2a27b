"""`context.log_event(...)` and the hook events, as Dagster documents them: a logged materialization,
observation or expectation result is an event of the step at once (a logged materialization counts as
the asset's), and each hook of a step reports HOOK_COMPLETED, HOOK_ERRORED or HOOK_SKIPPED."""

from __future__ import annotations

from pathlib import Path

import pytest

import sdk as dg
from codeserver.convert import event_to_proto
from protos.weir.v1 import common_pb2
from sdk.events import Event
from sdk.execution import execute_run


@dg.op
def report(context: dg.OpExecutionContext) -> int:
    context.log_event(dg.AssetMaterialization(asset_key="daily_report", metadata={"rows": 3}))
    context.log_event(dg.AssetObservation(asset_key="source_table", metadata={"files": 2}))
    context.log_event(dg.ExpectationResult(success=True, label="non_empty", metadata={"rows": 3}))
    return 3


@dg.op
def validate(rows: int):
    yield dg.ExpectationResult(success=rows > 5, label="enough_rows", description=f"{rows} rows, want > 5")
    yield dg.Output(rows)


@dg.job
def reporting() -> None:
    validate(report())


def test_logged_and_yielded_user_events_are_events_of_their_step() -> None:
    result = reporting.execute_in_process()
    assert result.success
    (materialization,) = result.asset_materializations_for_node("report")
    assert materialization.asset_key == dg.AssetKey("daily_report") and materialization.metadata["rows"].value == 3
    (observation,) = result.asset_observations_for_node("report")
    assert observation.asset_key == dg.AssetKey("source_table")
    expectations = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_EXPECTATION_RESULT]
    assert [(e.step_key, e.message) for e in expectations] == [
        ("report", "Expectation non_empty passed"),
        ("validate", "3 rows, want > 5"),
    ]
    first = expectations[0].event_specific_data.expectation_result
    assert (first.success, first.label, first.description, first.metadata["rows"].value) == (
        True,
        "non_empty",
        None,
        3,
    )
    second = expectations[1].step_expectation_result_data.expectation_result
    assert (second.success, second.label, second.description) == (False, "enough_rows", "3 rows, want > 5")


def test_a_logged_event_is_reported_at_once_even_when_the_function_then_fails() -> None:
    @dg.asset
    def flaky(context: dg.AssetExecutionContext) -> int:
        context.log_event(dg.AssetObservation(asset_key="flaky", metadata={"stage": "read"}))
        raise ValueError("source gone")

    result = dg.materialize([flaky], raise_on_error=False)
    steps = [e.event_type for e in result.all_events if e.step_key == "flaky"]
    assert steps == [
        dg.DagsterEventType.STEP_START,
        dg.DagsterEventType.ASSET_OBSERVATION,
        dg.DagsterEventType.STEP_FAILURE,
    ]
    assert result.asset_observations_for_node("flaky")[0].metadata["stage"].value == "read"


def test_log_event_refuses_what_is_not_a_user_event_and_a_test_context_keeps_them() -> None:
    context = dg.build_op_context()
    with pytest.raises(dg.DagsterInvariantViolationError, match="AssetMaterialization, AssetObservation or Expec"):
        context.log_event(dg.Output(1))
    assert report(context) == 3
    assert [type(e).__name__ for e in context.get_events()] == [
        "AssetMaterialization",
        "AssetObservation",
        "ExpectationResult",
    ]
    with pytest.raises(TypeError, match="takes a bool"):
        dg.ExpectationResult(success="yes")  # type: ignore[arg-type]


def test_each_hook_of_a_step_reports_completed_errored_or_skipped() -> None:
    @dg.success_hook
    def on_ok(context: dg.HookContext) -> None:
        pass

    @dg.failure_hook
    def on_failure(context: dg.HookContext) -> None:
        raise RuntimeError("pager down")

    @dg.op
    def fails(x: int) -> int:
        raise ValueError(f"cannot take {x}")

    @dg.job(hooks={on_ok, on_failure})
    def pipeline() -> None:
        fails(report())

    result = pipeline.execute_in_process(raise_on_error=False)
    hooks = [(e.step_key, e.event_type.value, e.message) for e in result.all_events if e.is_hook_event]
    assert sorted(hooks) == [
        ("fails", "HOOK_ERRORED", 'Hook "on_failure" after step "fails" failed: RuntimeError: pager down'),
        (
            "fails",
            "HOOK_SKIPPED",
            'Skipped the execution of hook "on_ok". It did not meet its triggering condition during the '
            'execution of "fails".',
        ),
        ("report", "HOOK_COMPLETED", 'Finished the execution of hook "on_ok" triggered for "report".'),
        (
            "report",
            "HOOK_SKIPPED",
            'Skipped the execution of hook "on_failure". It did not meet its triggering condition during the '
            'execution of "report".',
        ),
    ]
    (errored,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.HOOK_ERRORED]
    error = errored.event_specific_data.error
    assert (error.cls_name, error.message) == ("RuntimeError", "pager down") and "pager down" in error.stack[-1]
    assert not result.is_node_success("fails") and result.is_node_success("report")


def test_user_and_hook_events_travel_to_the_host_with_their_wire_types(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    @dg.success_hook
    def noted(context: dg.HookContext) -> None:
        pass

    monkeypatch.setenv("WEIR_STORAGE_DIR", str(tmp_path))
    events: list[Event] = []
    ok = execute_run(
        dg.Definitions(jobs=[reporting.with_hooks({noted})]),
        run_id="r1",
        job_name="reporting",
        asset_selection=None,
        run_config={},
        tags={},
        partition_key=None,
        on_event=events.append,
    )
    assert ok
    wire = [event_to_proto(e, "r1", n) for n, e in enumerate(events)]
    (expectation, _) = [m for m in wire if m.type == common_pb2.STEP_EXPECTATION_RESULT]
    assert (expectation.check_name, expectation.check_passed) == ("non_empty", True)
    assert [m.step_key for m in wire if m.type == common_pb2.HOOK_COMPLETED] == ["report", "validate"]
    (materialized,) = [m for m in wire if m.type == common_pb2.ASSET_MATERIALIZATION]
    assert list(materialized.asset_key.path) == ["daily_report"]
