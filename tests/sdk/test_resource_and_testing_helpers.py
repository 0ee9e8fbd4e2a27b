"""Dagster's resource and testing helpers as documented: make_values_resource, with_resources,
build_resources, validate_run_config, build_input_context / build_output_context and
build_asset_check_context."""

from __future__ import annotations

import pytest

import sdk as dg


def test_make_values_resource_shares_checked_config_values_between_ops() -> None:
    @dg.op(required_resource_keys={"values"})
    def first(context: dg.OpExecutionContext) -> str:
        return context.resources.values["file_dir"]

    @dg.op(required_resource_keys={"values"})
    def second(context: dg.OpExecutionContext, seen: str) -> tuple:
        return seen, context.resources.values["count"]

    @dg.job(resource_defs={"values": dg.make_values_resource(file_dir=str, count=dg.Field(int, default_value=2))})
    def job() -> None:
        second(first())

    result = job.execute_in_process(run_config={"resources": {"values": {"config": {"file_dir": "/data"}}}})
    assert result.output_for_node("second") == ("/data", 2)
    with pytest.raises(dg.DagsterInvalidConfigError, match="file_dir"):
        job.execute_in_process(run_config={"resources": {"values": {"config": {"count": 1}}}})

    @dg.job(resource_defs={"values": dg.make_values_resource()})
    def anything() -> None:
        first()

    config = {"resources": {"values": {"config": {"file_dir": "/x", "extra": [1]}}}}
    assert anything.execute_in_process(run_config=config).output_for_node("first") == "/x"


def test_with_resources_binds_resources_to_assets_and_configures_legacy_ones() -> None:
    @dg.resource(config_schema={"prefix": str})
    def namer(init_context: dg.InitResourceContext) -> str:
        return init_context.resource_config["prefix"]

    @dg.asset(required_resource_keys={"namer"})
    def named(context: dg.AssetExecutionContext) -> str:
        return context.resources.namer + "orders"

    (bound,) = dg.with_resources([named], {"namer": namer}, {"namer": {"config": {"prefix": "shop_"}}})
    assert named.resource_defs == {} and set(bound.resource_defs) == {"namer"}
    assert dg.materialize([bound]).asset_value("named") == "shop_orders"
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='config for resource "db"'):
        dg.with_resources([named], {"namer": namer}, {"db": {"config": {}}})


def test_build_resources_sets_up_and_tears_down() -> None:
    log: list[str] = []

    @dg.resource(config_schema={"url": str})
    def connection(init_context: dg.InitResourceContext):
        log.append("open " + init_context.resource_config["url"])
        yield init_context.resource_config["url"]
        log.append("close")

    with dg.build_resources(
        {"conn": connection, "plain": 3}, resource_config={"conn": {"config": {"url": "db://x"}}}
    ) as resources:
        assert (resources.conn, resources.plain) == ("db://x", 3)
        assert log == ["open db://x"]
    assert log == ["open db://x", "close"]


@dg.op(config_schema={"n": dg.Field(int, default_value=1)})
def take(context: dg.OpExecutionContext) -> int:
    return context.op_config["n"]


@dg.graph
def inner() -> None:
    take()


@dg.job(resource_defs={"values": dg.make_values_resource(limit=dg.Field(int, default_value=5))})
def nested() -> None:
    take()
    inner()


def test_validate_run_config_fills_defaults_and_names_the_wrong_path() -> None:
    validated = dg.validate_run_config(nested, {"ops": {"take": {"config": {"n": 3}}}})
    assert validated["ops"] == {"take": {"config": {"n": 3}}, "inner": {"ops": {"take": {"config": {"n": 1}}}}}
    assert validated["resources"]["values"] == {"config": {"limit": 5}}
    with pytest.raises(dg.DagsterInvalidConfigError, match=r"ops\.take\.config\.n"):
        dg.validate_run_config(nested, {"ops": {"take": {"config": {"n": "three"}}}})
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="resolve_job_def"):
        dg.validate_run_config(dg.define_asset_job("assets_job"), {})


def test_io_manager_contexts_for_unit_tests() -> None:
    manager = dg.InMemoryIOManager()
    out = dg.build_output_context(step_key="orders", name="result", asset_key="orders", partition_key="2024")
    manager.handle_output(out, [1, 2])
    ctx = dg.build_input_context(name="orders", upstream_output=out)
    assert ctx.asset_key == dg.AssetKey("orders") and manager.load_input(ctx) == [1, 2]
    assert dg.build_output_context(resources={"bucket": "b"}).resources.bucket == "b"


def test_build_asset_check_context_calls_a_check_directly() -> None:
    @dg.asset
    def orders() -> int:
        return 3

    @dg.asset_check(asset=orders, required_resource_keys={"limit"})
    def below_limit(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=context.resources.limit > 2)

    context = dg.build_asset_check_context(resources={"limit": 5})
    assert isinstance(context, dg.AssetCheckExecutionContext)
    assert below_limit(context).passed
