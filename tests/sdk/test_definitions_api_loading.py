"""Gathering definitions as Dagster's docs show: load_assets_from_* (group_name, key_prefix), SourceAsset,
@repository, multi_asset_check, resource_defs= on assets and checks, and the object views tests read."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

import sdk as dg


@pytest.fixture
def shop_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A package `shop_pkg` with assets in two modules and a check, importable for this test only."""
    root = tmp_path / "shop_pkg"
    (root / "marts").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "raw.py").write_text(
        textwrap.dedent(
            """
            import sdk as dg

            events = dg.SourceAsset("events", io_manager_key="lake", description="landed by a vendor")


            @dg.asset
            def orders(events: list) -> list:
                return [*events, 1]
            """
        )
    )
    (root / "marts" / "__init__.py").write_text("")
    (root / "marts" / "revenue.py").write_text(
        textwrap.dedent(
            """
            import sdk as dg


            @dg.asset
            def revenue(orders: list) -> int:
                return sum(orders)


            @dg.asset_check(asset=revenue)
            def positive(revenue: int) -> dg.AssetCheckResult:
                return dg.AssetCheckResult(passed=revenue > 0)
            """
        )
    )
    (tmp_path / "shop_current.py").write_text(
        textwrap.dedent(
            """
            import sdk as dg


            @dg.asset(group_name="current")
            def margin() -> int:
                return 1


            by_current_module = dg.load_assets_from_current_module(key_prefix="cur")
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("shop_pkg")
    for name in [n for n in list(sys.modules) if n.startswith(("shop_pkg", "shop_current"))]:
        del sys.modules[name]


class Lake(dg.IOManager):
    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        raise AssertionError("a source asset is never stored")

    def load_input(self, context: dg.InputContext) -> list:
        assert context.asset_key == dg.AssetKey("events")
        return [41]


def test_load_assets_from_package_module_with_group_and_prefix_materializes(shop_package) -> None:  # type: ignore[no-untyped-def]
    raw = importlib.import_module("shop_pkg.raw")
    loaded = dg.load_assets_from_package_module(shop_package, group_name="shop", key_prefix="s")
    executable = [a for a in loaded if isinstance(a, dg.AssetsDefinition)]
    assert sorted(k.to_user_string() for a in executable for k in a.keys) == ["s/orders", "s/revenue"]
    assert {a.group_names_by_key[a.key] for a in executable} == {"shop"}
    revenue = next(a for a in executable if a.key == dg.AssetKey(["s", "revenue"]))
    assert revenue.keys_by_input_name == {"orders": dg.AssetKey(["s", "orders"])}  # deps inside the set move too
    orders = next(a for a in executable if a.key == dg.AssetKey(["s", "orders"]))
    assert orders.keys_by_input_name == {"events": dg.AssetKey("events")}  # a source keeps its key
    assert [s.key for s in loaded if isinstance(s, dg.SourceAsset)] == [raw.events.key]

    checks = dg.load_asset_checks_from_package_module(shop_package, asset_key_prefix="s")
    defs = dg.Definitions(assets=loaded, asset_checks=checks, resources={"lake": Lake()})
    result = defs.get_implicit_global_asset_job_def().execute_in_process()
    assert result.asset_value(["s", "revenue"]) == 42
    assert [(e.asset_key.to_user_string(), e.passed) for e in result.get_asset_check_evaluations()] == [
        ("s/revenue", True)
    ]


def test_load_from_modules_and_current_module(shop_package) -> None:  # type: ignore[no-untyped-def]
    current_module = importlib.import_module("shop_current")
    [current] = current_module.by_current_module
    assert current.key == dg.AssetKey(["cur", "margin"]) and current.group_names_by_key[current.key] == "current"
    assert current.op.name == "margin"  # the op keeps its name, and so its run config (ops.margin)
    source, plain = dg.load_assets_from_modules([importlib.import_module("shop_pkg.raw")], source_key_prefix="v")
    assert (source.key, plain.key) == (dg.AssetKey(["v", "events"]), dg.AssetKey("orders"))
    assert plain.keys_by_input_name == {"events": dg.AssetKey(["v", "events"])}
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="already name their group"):
        dg.load_assets_from_modules([current_module], group_name="other")  # margin names "current"


def test_source_asset_with_its_own_io_manager_feeds_a_downstream_asset() -> None:
    class Prices(dg.IOManager):
        def handle_output(self, context: dg.OutputContext, obj: object) -> None: ...

        def load_input(self, context: dg.InputContext) -> list:
            return [1, 2, 3]

    source = dg.SourceAsset(["vendor", "prices"], io_manager_def=Prices(), metadata={"owner": "vendor"})

    @dg.asset(ins={"prices": dg.AssetIn(key=source.key)})
    def priced(prices: list) -> int:
        return len(prices)

    result = dg.materialize([source, priced])
    assert result.asset_value("priced") == 3
    defs = dg.Definitions(assets=[source, priced])
    assert not defs.get_assets_def(["vendor", "prices"]).is_executable
    assert "vendor__prices__io_manager" in defs.resources


def test_repository_list_and_dict_forms_and_a_module_holding_only_a_repository(tmp_path: Path) -> None:
    @dg.asset
    def a() -> int:
        return 1

    @dg.op
    def hello() -> str:
        return "hi"

    @dg.job
    def greet() -> None:
        hello()

    nightly = dg.ScheduleDefinition(job=greet, cron_schedule="0 3 * * *")

    @dg.repository
    def listed():  # type: ignore[no-untyped-def]
        return [a, greet, nightly, [dg.define_asset_job("all_assets")]]

    assert isinstance(listed, dg.RepositoryDefinition) and listed.name == "listed"
    assert listed.job_names == ["all_assets", "greet"]
    assert listed.get_job("greet").execute_in_process().output_for_node("hello") == "hi"
    assert [s.name for s in listed.schedule_defs] == ["greet_schedule"]
    assert listed.has_schedule_def("greet_schedule") and not listed.has_sensor_def("x")

    @dg.repository(name="by_dict")
    def keyed():  # type: ignore[no-untyped-def]
        return {"jobs": {"greet": lambda: greet}, "schedules": {"nightly": nightly}}

    assert keyed.name == "by_dict" and keyed.has_job("greet")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="returned 3; return assets"):

        @dg.repository
        def wrong():  # type: ignore[no-untyped-def]
            return [3]

    from codeserver.loader import load_definitions
    from codeserver.target import LoadTarget

    (tmp_path / "old_style.py").write_text(
        "import sdk as dg\n\n@dg.asset\ndef a() -> int:\n    return 1\n\n@dg.repository\ndef repo():\n    return [a]\n"
    )
    defs = load_definitions(LoadTarget(python_file="old_style.py", working_directory=str(tmp_path)))
    assert [k.to_user_string() for k in defs.asset_graph.all_keys] == ["a"]


def test_multi_asset_check_evaluates_several_checks_in_one_function() -> None:
    @dg.asset
    def orders() -> list:
        return [1, 2, 2]

    @dg.asset
    def customers() -> list:
        return ["x"]

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec("no_dupes", asset=orders),
            dg.AssetCheckSpec("not_empty", asset=orders),
            dg.AssetCheckSpec("not_empty", asset=customers),
        ]
    )
    def checks(orders: list, customers: list):  # type: ignore[no-untyped-def]
        yield dg.AssetCheckResult(asset_key="orders", check_name="no_dupes", passed=len(set(orders)) == len(orders))
        yield dg.AssetCheckResult(asset_key="orders", check_name="not_empty", passed=bool(orders))
        yield dg.AssetCheckResult(asset_key="customers", check_name="not_empty", passed=bool(customers))

    result = dg.materialize([orders, customers, checks])
    assert sorted(
        (e.asset_key.to_user_string(), e.check_name, e.passed) for e in result.get_asset_check_evaluations()
    ) == [
        ("customers", "not_empty", True),
        ("orders", "no_dupes", False),
        ("orders", "not_empty", True),
    ]
    key = dg.AssetCheckKey(dg.AssetKey("orders"), "no_dupes")
    assert checks.get_spec_for_check_key(key).name == "no_dupes"
    assert len(checks.check_specs) == 3


def test_resource_defs_on_assets_and_checks_join_the_definitions() -> None:
    @dg.asset(resource_defs={"numbers": dg.ResourceDefinition.hardcoded_resource([1, 2])})
    def total(context: dg.AssetExecutionContext) -> int:
        return sum(context.resources.numbers)

    @dg.asset_check(asset=total, resource_defs={"limit": dg.ResourceDefinition.hardcoded_resource(10)})
    def small(context: dg.AssetCheckExecutionContext, total: int) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=total < context.resources.limit)

    result = dg.materialize([total, small])
    assert result.asset_value("total") == 3 and result.get_asset_check_evaluations()[0].passed
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='Resource "numbers" is given twice'):
        dg.Definitions(assets=[total], resources={"numbers": dg.ResourceDefinition.hardcoded_resource([9])})


def test_assets_definition_views() -> None:
    @dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="amount")], deps=["raw"])
    def amount(upstream: int) -> dg.MaterializeResult:
        return dg.MaterializeResult(check_results=[dg.AssetCheckResult(passed=upstream > 0)])

    assert amount.input_names == ["upstream", "raw"]
    assert amount.keys_by_input_name == {"upstream": dg.AssetKey("upstream"), "raw": dg.AssetKey("raw")}
    assert list(amount.specs_by_key) == [dg.AssetKey("amount")]
    assert [s.name for s in amount.check_specs] == ["positive"]
    key = dg.AssetCheckKey(dg.AssetKey("amount"), "positive")
    assert amount.get_spec_for_check_key(key).asset_key == dg.AssetKey("amount")
