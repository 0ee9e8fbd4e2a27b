"""`graph_asset(check_specs=...)` / `graph_multi_asset(check_specs=...)` as Dagster documents them (the graph
returns {"result": ..., "<asset>_<check>": ...}, the op giving a check's output returns its
AssetCheckResult), and a job subset by op selection whose snapshot and run config show only the selected ops."""

from __future__ import annotations

import json

import pytest

import sdk as dg
from codeserver.snapshot import build_snapshot
from protos.weir.v1 import snapshot_pb2


@dg.op
def load() -> list:
    return [3, 1, 2]


@dg.op
def sort(xs: list) -> list:
    return sorted(xs)


@dg.op
def non_empty(xs: list) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=len(xs) > 0, metadata={"n": len(xs)})


@dg.op
def too_many(xs: list) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=len(xs) < 2, description=f"{len(xs)} values")


@dg.graph_asset(check_specs=[dg.AssetCheckSpec("non_empty", asset="sorted_numbers")])
def sorted_numbers():
    xs = sort(load())
    return {"result": xs, "sorted_numbers_non_empty": non_empty(xs)}


def _snapshot(defs: dg.Definitions) -> snapshot_pb2.Snapshot:
    return snapshot_pb2.Snapshot.FromString(build_snapshot(defs, "test").data)


def test_a_graph_asset_runs_its_checks_from_the_ops_that_return_them() -> None:
    assert sorted_numbers.check_keys == [dg.AssetCheckKey(dg.AssetKey("sorted_numbers"), "non_empty")]
    assert list(sorted_numbers.check_specs_by_output_name) == ["sorted_numbers_non_empty"]
    result = dg.materialize([sorted_numbers])
    assert result.success and result.asset_value("sorted_numbers") == [1, 2, 3]
    (evaluation,) = result.get_asset_check_evaluations()
    assert (evaluation.asset_key, evaluation.check_name, evaluation.passed) == (
        dg.AssetKey("sorted_numbers"),
        "non_empty",
        True,
    )
    assert evaluation.metadata["n"].value == 3
    (node,) = _snapshot(dg.Definitions(assets=[sorted_numbers])).assets
    assert [c.name for c in node.check_specs] == ["non_empty"]


def test_a_failing_blocking_check_of_a_graph_asset_stops_what_is_downstream() -> None:
    @dg.graph_asset(check_specs=[dg.AssetCheckSpec("too_many", asset="numbers", blocking=True)])
    def numbers():
        xs = load()
        return {"result": xs, "numbers_too_many": too_many(xs)}

    @dg.asset
    def total(numbers: list) -> int:
        return sum(numbers)

    result = dg.materialize([numbers, total], raise_on_error=False)
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.description == "3 values"
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("numbers")]
    assert [e.step_key for e in result.all_events if e.is_step_skipped] == ["total"]


def test_graph_multi_asset_checks_each_of_its_assets() -> None:
    @dg.op(out={"low": dg.Out(), "high": dg.Out()})
    def split(xs: list):
        return xs[:1], xs[1:]

    @dg.graph_multi_asset(
        outs={"low": dg.AssetOut(), "high": dg.AssetOut()},
        check_specs=[dg.AssetCheckSpec("non_empty", asset="high")],
    )
    def halves():
        low, high = split(sort(load()))
        return {"low": low, "high": high, "high_non_empty": non_empty(high)}

    result = dg.materialize([halves])
    assert result.success and result.asset_value("high") == [2, 3]
    assert [(e.asset_key.to_user_string(), e.passed) for e in result.get_asset_check_evaluations()] == [("high", True)]


def test_graph_asset_check_specs_that_do_not_fit_are_definition_errors() -> None:
    with pytest.raises(
        dg.DagsterInvalidDefinitionError, match=r"does not return graph outputs \[.numbers_non_empty.\]"
    ):

        @dg.graph_asset(check_specs=[dg.AssetCheckSpec("non_empty", asset="numbers")])
        def numbers():
            return load()

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="for asset other, which it does not compute"):

        @dg.graph_asset(check_specs=[dg.AssetCheckSpec("non_empty", asset="other")])
        def checked():
            xs = load()
            return {"result": xs, "other_non_empty": non_empty(xs)}


@dg.op(config_schema={"factor": int})
def scale(context: dg.OpExecutionContext, xs: list) -> list:
    return [x * context.op_config["factor"] for x in xs]


@dg.op
def report(xs: list) -> int:
    return len(xs)


@dg.graph
def pipeline() -> None:
    report(scale(sort(load())))


def test_a_job_subset_by_op_selection_shows_only_the_selected_ops() -> None:
    subset = pipeline.to_job(name="sorting", op_selection=["*sort"])
    assert sorted(subset.graph.nodes) == ["load", "sort"]
    full = pipeline.to_job(name="everything")
    snapshot = _snapshot(dg.Definitions(jobs=[subset, full]))
    jobs = {job.name: job for job in snapshot.jobs}
    assert [n.name for n in jobs["sorting"].nodes] == ["load", "sort"]
    assert [n.name for n in jobs["everything"].nodes] == ["load", "report", "scale", "sort"]
    ops_config = json.loads(jobs["sorting"].config_schema)["properties"].get("ops", {}).get("properties", {})
    assert "scale" not in ops_config  # the left-out op's config is not asked for
    assert subset.execute_in_process().output_for_node("sort") == [1, 2, 3]


def test_a_subset_of_a_subset_and_an_input_left_without_its_op() -> None:
    job = pipeline.to_job(name="scaling")
    assert sorted(job.get_subset(op_selection=["load+"]).get_subset(op_selection=["load"]).graph.nodes) == ["load"]
    with pytest.raises(dg.DagsterInvalidSubsetError, match='input "xs" of "report" comes from "scale"'):
        job.get_subset(op_selection=["report"])
