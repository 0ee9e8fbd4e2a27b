"""Definitions that cannot do what they say are load errors naming the definitions and the fix: a job whose
body calls assets, a job with no step, one asset (or check) key defined twice in a code location."""

from __future__ import annotations

import pytest

import sdk as dg


@dg.asset
def orders() -> int:
    return 1


def test_a_job_whose_body_calls_assets_is_a_definition_error_pointing_to_define_asset_job() -> None:
    called: list[str] = []

    @dg.asset
    def audited() -> int:
        called.append("ran at import")
        return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError) as err:

        @dg.job
        def nightly() -> None:
            audited()

    assert 'The body of @job/@graph "nightly" calls asset "audited"' in str(err.value)
    assert 'define_asset_job("nightly", selection=[...])' in str(err.value)
    assert called == []  # the asset's function did not run while the job was being defined


def test_a_job_with_no_step_is_a_definition_error() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='Job "empty" calls no op in its body'):

        @dg.job
        def empty() -> None:
            pass


def test_an_asset_job_selecting_nothing_fails_to_load() -> None:
    defs = dg.Definitions(assets=[orders], jobs=[dg.define_asset_job("none", selection=dg.AssetSelection.groups("x"))])
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='Asset job "none" selects no asset'):
        defs.validate_loadable()


def _load(*assets: object, checks: tuple = ()) -> None:
    dg.Definitions(assets=list(assets), asset_checks=list(checks)).validate_loadable()


def test_one_asset_key_from_two_functions_names_both() -> None:
    @dg.asset(name="orders")
    def orders_v2() -> int:
        return 2

    with pytest.raises(dg.DagsterInvalidDefinitionError) as err:
        _load(orders, orders_v2)
    message = str(err.value)
    assert 'Asset "orders" is defined twice in this code location' in message
    assert "function orders (" in message and "function test_one_asset_key_from_two_functions_names_both" in message
    assert "test_sdk_definition_errors.py:" in message


def test_an_asset_spec_for_an_asset_computed_here_is_an_error_in_either_order() -> None:
    for assets in ([orders, dg.AssetSpec("orders")], [dg.AssetSpec("orders"), orders]):
        with pytest.raises(dg.DagsterInvalidDefinitionError, match=r'Asset "orders" is defined twice.*an AssetSpec'):
            _load(*assets)


def test_two_different_asset_specs_of_one_key_are_an_error_equal_ones_are_not() -> None:
    _load(dg.AssetSpec("raw"), dg.AssetSpec("raw"), orders, orders)
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="by two different AssetSpecs"):
        _load(dg.AssetSpec("raw", description="a"), dg.AssetSpec("raw", description="b"))


def test_a_multi_asset_naming_one_key_twice_is_an_error() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='multi_asset "both" names the asset a more than once'):

        @dg.multi_asset(outs={"x": dg.AssetOut(key="a"), "y": dg.AssetOut(key="a")})
        def both() -> tuple:
            return 1, 2


def test_two_keys_that_become_one_step_name_are_an_error() -> None:
    @dg.asset(key=["sales", "orders"])
    def nested() -> int:
        return 1

    @dg.asset(key="sales__orders")
    def flat() -> int:
        return 2

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="sales/orders and sales__orders both run as the step"):
        _load(nested, flat)


def test_one_check_key_from_two_functions_is_an_error() -> None:
    @dg.asset_check(asset=orders, name="non_empty")
    def first() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    @dg.asset_check(asset=orders, name="non_empty")
    def second() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False)

    with pytest.raises(dg.DagsterInvalidDefinitionError, match='Asset check "orders:non_empty" is defined twice'):
        _load(orders, checks=(first, second))
