"""Unit-test contexts and definition-time errors as Dagster's docs describe them: build_op_context with
config and resources (set up, torn down), config and resources passed to direct calls, partition keys
per output and MultiPartitionKey; DagsterInvalidDefinitionError for what Dagster refuses at load."""

from __future__ import annotations

import re

import pytest

import sdk as dg


class Warehouse(dg.ConfigurableResource):
    url: str

    def query(self) -> str:
        return f"rows from {self.url}"


class Limits(dg.Config):
    rows: int = 10


def test_build_op_context_takes_config_and_resource_definitions() -> None:
    events: list[str] = []

    @dg.resource(config_schema={"size": int})
    def pool(init_context: dg.InitResourceContext):  # type: ignore[no-untyped-def]
        events.append("open")
        yield f"pool of {init_context.resource_config['size']}"
        events.append("closed")

    @dg.op(required_resource_keys={"pool"})
    def uses_pool(context: dg.OpExecutionContext) -> str:
        return f"{context.resources.pool} with {context.op_config['label']}"

    with dg.build_op_context(
        resources={"pool": pool}, resources_config={"pool": {"config": {"size": 3}}}, config={"label": "x"}
    ) as context:
        assert uses_pool(context) == "pool of 3 with x"
        assert events == ["open"]
    assert events == ["open", "closed"]


def test_direct_calls_get_config_and_resource_parameters_from_the_context() -> None:
    @dg.asset
    def counted(context: dg.AssetExecutionContext, config: Limits, warehouse: Warehouse) -> str:
        return f"{warehouse.query()} (at most {config.rows})"

    context = dg.build_asset_context(resources={"warehouse": Warehouse(url="db")}, asset_config={"rows": 5})
    assert counted(context) == "rows from db (at most 5)"
    assert counted(dg.build_op_context(resources={"warehouse": Warehouse(url="x")})) == "rows from x (at most 10)"
    assert counted(context, Limits(rows=1), Warehouse(url="given")) == "rows from given (at most 1)"


def test_partition_keys_per_output_and_multi_partition_keys() -> None:
    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    regions = dg.StaticPartitionsDefinition(["eu", "us"])
    both = dg.MultiPartitionsDefinition({"date": daily, "region": regions})

    @dg.asset(partitions_def=daily)
    def day(context: dg.AssetExecutionContext) -> str:
        return context.asset_partition_key_for_output()

    @dg.asset(partitions_def=both)
    def sales(context: dg.AssetExecutionContext) -> dict:
        return context.partition_key.keys_by_dimension

    assert dg.materialize([day], partition_key="2024-01-02").asset_value("day") == "2024-01-02"
    result = dg.materialize([sales], partition_key="2024-01-02|us")
    assert result.asset_value("sales") == {"date": "2024-01-02", "region": "us"}
    key = dg.MultiPartitionKey({"region": "eu", "date": "2024-01-01"})
    assert key == "2024-01-01|eu" and key.keys_by_dimension == {"date": "2024-01-01", "region": "eu"}
    assert both.get_partition_keys(current_time=None)[0].keys_by_dimension["region"] in ("eu", "us")


@dg.asset(required_resource_keys={"warehouse"})
def needs_warehouse(context: dg.AssetExecutionContext) -> int:
    return 1


@dg.op
def one() -> int:
    return 1


@dg.job
def plain() -> None:
    one()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: dg.op(name="my-op")(lambda: 1), 'Op name "my-op" is not a valid name'),
        (lambda: dg.asset(name="class")(lambda: 1), 'Asset name "class" is not a valid name'),
        (lambda: dg.op(out={"a b": dg.Out()})(lambda: 1), 'the name "a b" is not a valid name'),
        (lambda: dg.define_asset_job("nightly job"), 'Job name "nightly job" is not a valid name'),
        (lambda: dg.job(name="a.b")(lambda: one()), 'Job name "a.b" is not a valid name'),
        (lambda: dg.Definitions(jobs=[needs_warehouse]), "Definitions(jobs= takes @job"),
        (
            lambda: dg.Definitions(
                schedules=[
                    dg.ScheduleDefinition(name="s", job=plain, cron_schedule="0 * * * *"),
                    dg.ScheduleDefinition(name="s", job=plain, cron_schedule="0 1 * * *"),
                ]
            ),
            'Duplicate definition found for schedule "s"',
        ),
    ],
)
def test_declaring_what_dagster_refuses_raises_at_once(make, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=re.escape(message)):
        make()


@pytest.mark.parametrize(
    ("defs", "message"),
    [
        (lambda: dg.Definitions(assets=[needs_warehouse]), 'Asset "needs_warehouse" needs resource "warehouse"'),
        (
            lambda: dg.Definitions(jobs=[dg.define_asset_job("j", dg.AssetSelection.keys("nope"))], assets=[]),
            "AssetSelection names assets that Definitions does not have: ['nope']",
        ),
        (
            lambda: dg.Definitions(schedules=[dg.ScheduleDefinition(job_name="nope", cron_schedule="0 * * * *")]),
            '"nope_schedule" targets job "nope", which this code location does not define',
        ),
        (
            lambda: dg.Definitions(
                jobs=[
                    dg.job(name="hooked", hooks={dg.success_hook(required_resource_keys={"slack"})(print)})(
                        lambda: one()
                    )
                ]
            ),
            'A hook of job "hooked" ("print") needs resource "slack"',
        ),
    ],
)
def test_loading_definitions_dagster_refuses_raises_naming_the_fix(defs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=re.escape(message)):
        defs().validate_loadable()
