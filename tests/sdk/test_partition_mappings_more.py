"""Dagster's partition mappings between multi-partitioned and single-dimension assets
(MultiToSingleDimensionPartitionMapping, also inferred as Dagster does), between two multi-partitioned
assets (MultiPartitionMapping with DimensionPartitionMapping) and SpecificPartitionsPartitionMapping:
each asset reads the upstream partitions the mapping names."""

from __future__ import annotations

import pytest

import sdk as dg

regions = dg.StaticPartitionsDefinition(["eu", "us"])
days = dg.StaticPartitionsDefinition(["mon", "tue"])
region_day = dg.MultiPartitionsDefinition({"region": regions, "day": days})


@dg.asset(partitions_def=days)
def daily_rates(context: dg.AssetExecutionContext) -> str:
    return f"rate-{context.partition_key}"


@dg.asset(partitions_def=region_day)
def sales(context: dg.AssetExecutionContext) -> str:
    return f"sales-{context.partition_key}"


def _stored(assets: list, selection: list, partition_key: str) -> dict:
    """Materialize `selection` for a partition with the upstream partitions all materialized first."""
    instance = dg.DagsterInstance.ephemeral()
    io = dg.InMemoryIOManager()
    for asset in assets:
        if asset in selection:
            continue
        for key in asset.specs[0].partitions_def.get_partition_keys():
            dg.materialize([asset], partition_key=key, resources={"io_manager": io}, instance=instance)
    return dg.materialize(
        assets, selection=selection, partition_key=partition_key, resources={"io_manager": io}, instance=instance
    )


def test_a_multi_partition_reads_the_single_partition_of_its_dimension_inferred_or_named() -> None:
    @dg.asset(partitions_def=region_day)
    def inferred(daily_rates: str) -> str:
        return daily_rates

    @dg.asset(
        partitions_def=region_day,
        ins={"daily_rates": dg.AssetIn(partition_mapping=dg.MultiToSingleDimensionPartitionMapping("day"))},
    )
    def named(daily_rates: str) -> str:
        return daily_rates

    key = dg.MultiPartitionKey({"region": "eu", "day": "tue"})
    result = _stored([daily_rates, inferred, named], [inferred, named], key)
    assert result.asset_value("inferred") == "rate-tue" and result.asset_value("named") == "rate-tue"


def test_a_single_partition_reads_every_multi_partition_with_its_value() -> None:
    @dg.asset(
        partitions_def=regions,
        ins={"sales": dg.AssetIn(partition_mapping=dg.MultiToSingleDimensionPartitionMapping("region"))},
    )
    def regional(sales: dict) -> list:
        return sorted(sales.values())

    result = _stored([sales, regional], [regional], "us")
    assert result.asset_value("regional") == ["sales-mon|us", "sales-tue|us"]


def test_multi_partition_mapping_maps_dimension_by_dimension_and_reads_unnamed_ones_whole() -> None:
    codes = dg.StaticPartitionsDefinition(["1", "2"])
    code_day = dg.MultiPartitionsDefinition({"code": codes, "day": days})
    mapping = dg.MultiPartitionMapping(
        {
            "region": dg.DimensionPartitionMapping(
                dimension_name="code", partition_mapping=dg.StaticPartitionMapping({"eu": "1", "us": "2"})
            ),
            "day": dg.DimensionPartitionMapping(dimension_name="day", partition_mapping=dg.IdentityPartitionMapping()),
        }
    )
    assert mapping.upstream_partition_keys(["2|mon"], code_day, region_day) == ["mon|us"]
    only_region = dg.MultiPartitionMapping(
        {"region": dg.DimensionPartitionMapping("code", dg.StaticPartitionMapping({"eu": "1", "us": "2"}))}
    )
    assert only_region.upstream_partition_keys(["1|mon"], code_day, region_day) == ["mon|eu", "tue|eu"]

    @dg.asset(partitions_def=code_day, ins={"sales": dg.AssetIn(partition_mapping=mapping)})
    def coded(sales: str) -> str:
        return sales

    assert _stored([sales, coded], [coded], "1|tue").asset_value("coded") == "sales-tue|eu"


def test_specific_partitions_and_mistakes_named() -> None:
    mapping = dg.SpecificPartitionsPartitionMapping(["mon"])
    assert mapping.upstream_partition_keys(["x"], None, days) == ["mon"]
    two_like_days = dg.MultiPartitionsDefinition({"a": days, "b": days})
    with pytest.raises(ValueError, match="pass partition_dimension_name"):
        dg.MultiToSingleDimensionPartitionMapping().upstream_partition_keys(["mon|tue"], two_like_days, days)
    with pytest.raises(ValueError, match='names dimension "week"'):
        dg.MultiToSingleDimensionPartitionMapping("week").upstream_partition_keys(["mon|eu"], region_day, days)
