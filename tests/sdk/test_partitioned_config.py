"""Partitioned config for op jobs, as Dagster documents it: the job is partitioned by the config's
partitions and each run's op config (and tags) comes from its partition key."""

from __future__ import annotations

from datetime import datetime

import pytest

import sdk as dg


@dg.op(config_schema={"date": str})
def process(context: dg.OpExecutionContext) -> tuple:
    return context.op_config["date"], context.run.tags.get("day_tag")


@dg.daily_partitioned_config(
    start_date="2024-01-01", tags_for_partition_fn=lambda start, _end: {"day_tag": start.strftime("%a")}
)
def daily_config(start: datetime, _end: datetime) -> dict:
    return {"ops": {"process": {"config": {"date": start.strftime("%Y-%m-%d")}}}}


@dg.job(config=daily_config)
def daily_job() -> None:
    process()


def test_a_daily_partitioned_config_gives_each_partition_its_config_and_tags() -> None:
    assert daily_job.partitions_def == dg.DailyPartitionsDefinition(start_date="2024-01-01")
    result = daily_job.execute_in_process(partition_key="2024-01-03")
    assert result.output_for_node("process") == ("2024-01-03", "Wed")
    assert daily_config(datetime(2024, 1, 5), datetime(2024, 1, 6)) == {
        "ops": {"process": {"config": {"date": "2024-01-05"}}}
    }
    assert daily_config.get_run_config_for_partition_key("2024-01-02")["ops"]["process"]["config"]["date"] == (
        "2024-01-02"
    )
    with pytest.raises(dg.DagsterInvalidConfigError, match="launch it with a partition key"):
        daily_job.execute_in_process()


def test_static_and_generic_partitioned_configs() -> None:
    @dg.static_partitioned_config(partition_keys=["eu", "us"])
    def by_region(partition_key: str) -> dict:
        return {"ops": {"process": {"config": {"date": f"region {partition_key}"}}}}

    @dg.job(config=by_region)
    def regional() -> None:
        process()

    assert regional.partitions_def.get_partition_keys() == ["eu", "us"]
    assert regional.execute_in_process(partition_key="us").output_for_node("process") == ("region us", None)

    hours = dg.HourlyPartitionsDefinition(start_date="2024-01-01-00:00")

    @dg.partitioned_config(partitions_def=hours, tags_for_partition_key_fn=lambda key: {"day_tag": key[:10]})
    def by_hour(partition_key: str) -> dict:
        return {"ops": {"process": {"config": {"date": partition_key}}}}

    hourly = process_graph.to_job(name="hourly", config=by_hour)
    assert hourly.partitions_def is hours
    assert hourly.execute_in_process(partition_key="2024-01-01-05:00").output_for_node("process") == (
        "2024-01-01-05:00",
        "2024-01-01",
    )


@dg.graph
def process_graph() -> None:
    process()


def test_weekly_hourly_and_monthly_configs_give_the_window() -> None:
    seen: list[tuple] = []

    def remember(start: datetime, end: datetime) -> dict:
        seen.append((start.date().isoformat(), end.date().isoformat()))
        return {}

    dg.weekly_partitioned_config(start_date="2024-01-07")(remember).get_run_config_for_partition_key("2024-01-14")
    dg.monthly_partitioned_config(start_date="2024-01-01")(remember).get_run_config_for_partition_key("2024-02-01")
    dg.hourly_partitioned_config(start_date="2024-01-01-00:00")(remember).get_run_config_for_partition_key(
        "2024-01-01-23:00"
    )
    assert seen == [("2024-01-14", "2024-01-21"), ("2024-02-01", "2024-03-01"), ("2024-01-01", "2024-01-02")]
