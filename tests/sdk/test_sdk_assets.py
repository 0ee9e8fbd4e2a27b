"""Assets: values flow by parameter name, deps order steps, keys and groups, results report them."""

from __future__ import annotations

import pytest

import sdk as dg


@dg.asset(group_name="raw", description="numbers")
def numbers() -> list[int]:
    return [1, 2, 3]


@dg.asset
def total(numbers: list[int]) -> int:
    return sum(numbers)


def test_upstream_values_arrive_by_parameter_name() -> None:
    result = dg.materialize([numbers, total])
    assert result.success
    assert result.output_for_node("total") == 6
    keys = [e.asset_key for e in result.get_asset_materialization_events()]
    assert keys == [dg.AssetKey("numbers"), dg.AssetKey("total")]


def test_events_start_with_run_start_and_end_with_run_success() -> None:
    types = [e.type for e in dg.materialize([numbers, total]).all_events]
    assert types[0] == "RUN_START" and types[-1] == "RUN_SUCCESS"
    assert types.count("STEP_SUCCESS") == 2


def test_step_success_carries_duration() -> None:
    events = dg.materialize([numbers]).all_events
    success = next(e for e in events if e.type == "STEP_SUCCESS")
    assert success.duration_seconds >= 0 and success.step_key == "numbers"


def test_deps_orders_without_passing_values() -> None:
    order: list[str] = []

    @dg.asset
    def first() -> None:
        order.append("first")

    @dg.asset(deps=[first])
    def second() -> None:
        order.append("second")

    assert dg.materialize([second, first]).success
    assert order == ["first", "second"]


def test_key_prefix_and_name_make_the_key_and_inputs_resolve_within_the_prefix() -> None:
    @dg.asset(key_prefix=["sales"], name="orders")
    def orders_fn() -> int:
        return 2

    @dg.asset(key_prefix="sales")
    def revenue(orders: int) -> int:
        return orders * 10

    result = dg.materialize([orders_fn, revenue])
    assert orders_fn.key == dg.AssetKey(["sales", "orders"])
    assert result.asset_value(dg.AssetKey(["sales", "revenue"])) == 20


def test_asset_key_forms() -> None:
    assert dg.AssetKey("a") == dg.AssetKey(["a"])
    assert dg.AssetKey(["a", "b"]).to_user_string() == "a/b"
    assert dg.AssetKey.from_user_string("a/b").path == ("a", "b")
    with pytest.raises(ValueError):
        dg.AssetKey([])


def test_user_exception_fails_step_and_run_with_traceback() -> None:
    @dg.asset
    def broken() -> int:
        raise ValueError("bad input file")

    result = dg.materialize([broken], raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.type == "STEP_FAILURE")
    assert failure.error.type == "ValueError" and "bad input file" in failure.error.message
    assert "Traceback" in failure.error.traceback
    assert result.all_events[-1].type == "RUN_FAILURE"
    with pytest.raises(ValueError, match="bad input file"):
        dg.materialize([broken])


def test_downstream_of_failure_is_skipped() -> None:
    @dg.asset
    def up() -> int:
        raise RuntimeError("nope")

    @dg.asset
    def down(up: int) -> int:
        return up

    result = dg.materialize([up, down], raise_on_error=False)
    skipped = [e for e in result.all_events if e.type == "STEP_SKIPPED"]
    assert [e.step_key for e in skipped] == ["down"]


def test_context_log_emits_log_events() -> None:
    @dg.asset
    def chatty(context: dg.AssetExecutionContext) -> int:
        context.log.info("hello %s", "world")
        assert context.asset_key == dg.AssetKey("chatty")
        assert context.run_id
        return 1

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([chatty], instance=instance)
    logs = [e for e in instance.all_logs(result.run_id) if not e.is_dagster_event]
    assert [(e.level, e.message) for e in logs] == [("INFO", "hello world")]


def test_selection_materializes_only_selected_and_loads_nothing_missing() -> None:
    result = dg.materialize([numbers, total], selection=[numbers])
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("numbers")]


def test_direct_invocation_calls_the_function() -> None:
    assert total([4, 5]) == 9


def test_materialize_result_and_output_metadata_reach_the_event() -> None:
    @dg.asset
    def reported() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"rows": 3, "url": dg.MetadataValue.url("http://x")})

    @dg.asset
    def with_output() -> dg.Output:
        return dg.Output(5, metadata={"note": "fine"})

    result = dg.materialize([reported, with_output])
    mats = {e.asset_key.to_user_string(): e.metadata for e in result.get_asset_materialization_events()}
    assert mats["reported"]["rows"] == dg.MetadataValue.int(3)
    assert mats["reported"]["url"].kind == "url"
    assert mats["with_output"]["note"] == dg.MetadataValue.text("fine")
    assert result.asset_materializations_for_node("reported")[0].metadata["rows"].value == 3


def test_asset_decorator_records_definition_fields() -> None:
    @dg.asset(
        metadata={"m": 1},
        tags={"t": "v"},
        owners=["team:data"],
        kinds={"python"},
        code_version="3",
        io_manager_key="io_manager",
        group_name="g",
    )
    def described() -> int:
        """The docstring is the description."""
        return 1

    spec = described.specs[0]
    assert spec.description == "The docstring is the description."
    assert spec.tags == {"t": "v"} and spec.owners == ("team:data",) and spec.kinds == ("python",)
    assert spec.code_version == "3" and spec.group_name == "g"
