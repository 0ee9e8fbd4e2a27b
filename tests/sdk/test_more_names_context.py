"""More of Dagster's execution context API: tags, the run, op and job definitions, inputs, subsets."""

from __future__ import annotations

import pytest

import sdk as dg

SEEN: dict[str, object] = {}


@dg.asset
def upstream() -> int:
    return 1


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="downstream")])
def downstream(context: dg.AssetExecutionContext, upstream: int) -> dg.MaterializeResult:
    SEEN.update(
        tag=context.get_tag("team"),
        has_tag=context.has_tag("team"),
        missing=context.get_tag("nope"),
        run_id=context.dagster_run.run_id,
        run_tags=dict(context.dagster_run.tags),
        op=context.op_def.name,
        op_alias=context.op.name,
        job=context.job_def.name,
        input_key=context.asset_key_for_input("upstream"),
        has_assets_def=context.has_assets_def,
        is_subset=context.is_subset,
        checks=context.selected_asset_check_keys,
        describe=context.describe_op(),
        has_partitions=context.has_partitions,
        run_config=context.run_config,
    )
    context.add_output_metadata({"rows": 2})
    SEEN["metadata"] = context.get_output_metadata("result")
    with pytest.raises(dg.DagsterInvariantViolationError, match='no asset input "other"'):
        context.asset_key_for_input("other")
    return dg.MaterializeResult(check_results=[dg.AssetCheckResult(passed=upstream > 0)])


def test_the_context_reports_its_run_definitions_and_inputs() -> None:
    with dg.instance_for_test() as instance:
        result = dg.materialize([upstream, downstream], instance=instance, tags={"team": "data"})
        assert result.success
    assert SEEN["tag"] == "data" and SEEN["has_tag"] is True and SEEN["missing"] is None
    assert SEEN["run_id"] == result.run_id and SEEN["run_tags"]["team"] == "data"
    assert SEEN["op"] == "downstream" == SEEN["op_alias"]
    assert SEEN["job"] == "__ASSET_JOB"
    assert SEEN["input_key"] == dg.AssetKey("upstream")
    assert SEEN["has_assets_def"] is True and SEEN["is_subset"] is False
    assert SEEN["checks"] == frozenset({dg.AssetCheckKey(dg.AssetKey("downstream"), "positive")})
    assert SEEN["describe"] == 'op "downstream"' and SEEN["has_partitions"] is False
    assert SEEN["run_config"] == {}
    assert SEEN["metadata"] == {"rows": 2}


def test_a_test_context_answers_without_a_run() -> None:
    context = dg.build_op_context(op_config={"a": 1})
    assert context.get_tag("x") is None and not context.has_tag("x")
    assert context.dagster_run.run_id == context.run_id
    assert not context.has_assets_def and not context.is_subset and not context.has_partitions
    assert dg.build_asset_context(partition_key="2024-01-01").has_partitions
