"""Partitions inside a run: which keys the run covers, which upstream keys an input reads, and how a
value is stored or loaded for several partitions.

A run covers one partition (partition_key) or a range (the range tags a single-run or multi-run
backfill puts on it). For a range, an output is stored once per partition: a dict keyed by every
partition key is split, any other value is stored under each key; one ASSET_MATERIALIZATION is
reported per partition. An input that maps to several upstream partitions is loaded as a dict
{partition key: value}.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sdk.keys import AssetKey
from sdk.partition_mappings import default_mapping
from sdk.partitions import RANGE_END_TAG, RANGE_START_TAG, PartitionKeyRange


def key_range_from_tags(tags: Mapping[str, str], partition_key: str | None) -> PartitionKeyRange | None:
    """The run's partition range: from the range tags, else the single partition key, else None."""
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start and end:
        return PartitionKeyRange(start, end)
    if partition_key is not None:
        return PartitionKeyRange(partition_key, partition_key)
    return None


def partitions_def_of(owner: Any, job: Any) -> Any:
    """The partitions of a step: its asset's, else the job's."""
    pdef = getattr(owner, "partitions_def", None) if owner is not None else None
    return pdef if pdef is not None else getattr(job, "partitions_def", None)


def run_keys(key_range: PartitionKeyRange | None, pdef: Any) -> list[str] | None:
    """Every key the run covers (None for an unpartitioned run)."""
    if key_range is None:
        return None
    if key_range.start == key_range.end:
        return [key_range.start]
    if pdef is None:
        raise ValueError(
            f"This run covers partitions {key_range.start}...{key_range.end} but its step has no "
            "partitions_def; give the asset or job one."
        )
    return pdef.get_partition_keys_in_range(key_range)


def upstream_keys(state: Any, owner: Any, upstream: AssetKey | None) -> list[str] | None:
    """The upstream partitions an input of `owner` reads (None: the upstream is unpartitioned)."""
    graph = state.asset_graph
    if upstream is None:
        return None
    if graph is None or upstream not in graph.assets_def_by_key:  # no graph to ask: the run's own partitions
        return run_keys(state.partition_key_range, partitions_def_of(owner, state.job))
    upstream_def = graph.assets_def_by_key[upstream].partitions_def
    if upstream_def is None:
        return None
    downstream_def = partitions_def_of(owner, state.job)
    keys = run_keys(state.partition_key_range, downstream_def)
    mapping = _declared_mapping(owner, upstream)
    if mapping is None and keys is not None and downstream_def is None:
        return keys  # a partitioned run of an unpartitioned asset reads the run's partitions
    if keys is None:
        downstream_def = None
    mapping = mapping or default_mapping(downstream_def, upstream_def)
    return mapping.upstream_partition_keys(keys or [], downstream_def, upstream_def)


def _declared_mapping(owner: Any, upstream: AssetKey) -> Any:
    if owner is None or not hasattr(owner, "partition_mapping_for"):
        return None
    return next((m for k in owner.keys if (m := owner.partition_mapping_for(k, upstream)) is not None), None)


def load_partitions(keys: list[str] | None, load: Callable[[str | None], Any]) -> Any:
    """One value for zero or one key, a dict by key for several."""
    if keys is None:
        return load(None)
    if len(keys) == 1:
        return load(keys[0])
    return {key: load(key) for key in keys}


def values_by_key(keys: list[str] | None, value: Any) -> list[tuple[str | None, Any]]:
    """(partition key, value) pairs to store: a dict keyed by every partition key is split."""
    if not keys:
        return [(None, value)]
    if len(keys) > 1 and isinstance(value, Mapping) and set(value) == set(keys):
        return [(key, value[key]) for key in keys]
    return [(key, value) for key in keys]


def output_keys(state: Any, step: Any) -> list[str] | None:
    """The partitions a step's outputs are stored under: none for an unpartitioned asset."""
    pdef = partitions_def_of(step.owner, state.job)
    if step.owner is not None and not step.is_check and pdef is None:
        return None
    return run_keys(state.partition_key_range, pdef)
