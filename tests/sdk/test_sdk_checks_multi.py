"""Asset checks (blocking ones stop downstream) and multi-assets."""

from __future__ import annotations

import sdk as dg


@dg.asset
def orders() -> list[int]:
    return []


@dg.asset
def report(orders: list[int]) -> int:
    return len(orders)


@dg.asset_check(asset=orders, blocking=True)
def orders_not_empty(orders: list[int]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=bool(orders), metadata={"count": len(orders)})


@dg.asset_check(asset=orders)
def orders_warn(orders: list[int]) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


def test_failing_blocking_check_stops_downstream() -> None:
    result = dg.materialize([orders, report, orders_not_empty, orders_warn], raise_on_error=False)
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["orders_not_empty"].passed and evaluations["orders_not_empty"].metadata["count"].value == 0
    assert evaluations["orders_warn"].severity == dg.AssetCheckSeverity.WARN
    assert [e.step_key for e in result.all_events if e.type == "STEP_SKIPPED"] == ["report"]
    assert not result.success


def test_non_blocking_failed_check_does_not_stop_downstream() -> None:
    result = dg.materialize([orders, report, orders_warn])
    assert result.success and result.output_for_node("report") == 0


def test_check_specs_on_the_asset_itself() -> None:
    @dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="amount", blocking=True)])
    def amount():
        yield dg.Output(-1)
        yield dg.AssetCheckResult(passed=False)

    @dg.asset
    def after(amount: int) -> int:
        return amount

    result = dg.materialize([amount, after], raise_on_error=False)
    assert [(e.check_name, e.passed) for e in result.get_asset_check_evaluations()] == [("positive", False)]
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("amount")]
    failure = next(e for e in result.all_events if e.type == "STEP_FAILURE")
    assert "Blocking check" in failure.message and "positive" in failure.message


def test_multi_asset_with_specs_and_subsetting() -> None:
    @dg.multi_asset(specs=[dg.AssetSpec("x"), dg.AssetSpec("y")], can_subset=True)
    def xy(context: dg.AssetExecutionContext):
        for key in sorted(context.selected_asset_keys):
            yield dg.MaterializeResult(asset_key=key, metadata={"k": key.to_user_string()})

    all_keys = [e.asset_key for e in dg.materialize([xy]).get_asset_materialization_events()]
    subset = [e.asset_key for e in dg.materialize([xy], selection=["y"]).get_asset_materialization_events()]
    assert all_keys == [dg.AssetKey("x"), dg.AssetKey("y")] and subset == [dg.AssetKey("y")]


def test_multi_asset_with_outs_returns_a_tuple() -> None:
    @dg.multi_asset(outs={"left": dg.AssetOut(), "right": dg.AssetOut(key_prefix="p")})
    def split() -> tuple[int, int]:
        return 1, 2

    @dg.asset(ins={"r": dg.AssetIn(key=dg.AssetKey(["p", "right"]))})
    def uses_right(r: int) -> int:
        return r * 100

    result = dg.materialize([split, uses_right])
    assert result.output_for_node("split", "left") == 1 and result.output_for_node("uses_right") == 200


def test_external_asset_spec_feeds_an_input(tmp_path) -> None:
    import pickle

    (tmp_path / "raw").write_bytes(pickle.dumps(41))

    @dg.asset(deps=[dg.AssetDep("raw")])
    def ordered_only() -> int:
        return 0

    @dg.asset
    def loads(raw: int) -> int:
        return raw + 1

    result = dg.materialize(
        [dg.AssetSpec("raw"), loads, ordered_only],
        resources={"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path))},
    )
    assert result.output_for_node("loads") == 42
