"""Partition mappings: which partitions of an upstream asset a partition of a downstream asset reads.

A mapping is given per dependency (`AssetIn(partition_mapping=...)` or `AssetDep(..., partition_mapping=...)`);
without one, two time-window assets use TimeWindowPartitionMapping(), an unpartitioned downstream
reads every upstream partition, and anything else reads the same key.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sdk.partitions import (
    MultiPartitionKey,
    MultiPartitionsDefinition,
    PartitionsDefinition,
    TimeWindowPartitionsDefinition,
)


class PartitionMapping:
    """Base of the mappings: downstream partition keys -> the upstream keys they read."""

    def upstream_partition_keys(
        self,
        downstream_keys: Sequence[str],
        downstream_def: PartitionsDefinition | None,
        upstream_def: PartitionsDefinition,
        dynamic_partitions_store: Any = None,
    ) -> list[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class IdentityPartitionMapping(PartitionMapping):
    """Partition k reads partition k upstream."""

    def upstream_partition_keys(
        self,
        downstream_keys: Sequence[str],
        downstream_def: PartitionsDefinition | None,
        upstream_def: PartitionsDefinition,
        dynamic_partitions_store: Any = None,
    ) -> list[str]:
        return list(downstream_keys)


@dataclass(frozen=True)
class AllPartitionMapping(PartitionMapping):
    """Every partition reads all upstream partitions."""

    def upstream_partition_keys(
        self,
        downstream_keys: Sequence[str],
        downstream_def: PartitionsDefinition | None,
        upstream_def: PartitionsDefinition,
        dynamic_partitions_store: Any = None,
    ) -> list[str]:
        return upstream_def.get_partition_keys(None, dynamic_partitions_store)


@dataclass(frozen=True)
class LastPartitionMapping(PartitionMapping):
    """Every partition reads the newest upstream partition."""

    def upstream_partition_keys(
        self,
        downstream_keys: Sequence[str],
        downstream_def: PartitionsDefinition | None,
        upstream_def: PartitionsDefinition,
        dynamic_partitions_store: Any = None,
    ) -> list[str]:
        last = upstream_def.get_last_partition_key(None, dynamic_partitions_store)
        return [last] if last is not None else []


@dataclass(frozen=True)
class StaticPartitionMapping(PartitionMapping):
    """An explicit table: upstream key -> the downstream key(s) that read it."""

    downstream_partition_keys_by_upstream_partition_key: Mapping[str, str | Collection[str]] = field(
        default_factory=dict
    )

    def upstream_partition_keys(
        self,
        downstream_keys: Sequence[str],
        downstream_def: PartitionsDefinition | None,
        upstream_def: PartitionsDefinition,
        dynamic_partitions_store: Any = None,
    ) -> list[str]:
        wanted = set(downstream_keys)
        out = []
        for upstream, downstream in self.downstream_partition_keys_by_upstream_partition_key.items():
            targets = {downstream} if isinstance(downstream, str) else set(downstream)
            if targets & wanted:
                out.append(upstream)
        return out


@dataclass(frozen=True)
class TimeWindowPartitionMapping(PartitionMapping):
    """The upstream windows that overlap the downstream window, widened by offsets counted in upstream
    windows: start_offset=-1, end_offset=-1 reads the previous window (yesterday for daily assets)."""

    start_offset: int = 0
    end_offset: int = 0
    allow_nonexistent_upstream_partitions: bool = False

    def upstream_partition_keys(
        self,
        downstream_keys: Sequence[str],
        downstream_def: PartitionsDefinition | None,
        upstream_def: PartitionsDefinition,
        dynamic_partitions_store: Any = None,
    ) -> list[str]:
        if not isinstance(downstream_def, TimeWindowPartitionsDefinition) or not isinstance(
            upstream_def, TimeWindowPartitionsDefinition
        ):
            raise ValueError(
                "TimeWindowPartitionMapping needs time-window partitions on both assets; use "
                "StaticPartitionMapping or IdentityPartitionMapping for the others."
            )
        if not downstream_keys:
            return []
        start = downstream_def.time_window_for_partition_key(downstream_keys[0]).start
        end = downstream_def.time_window_for_partition_key(downstream_keys[-1]).end
        windows = upstream_def.time_windows(end.replace(year=end.year + 1))
        overlapping = [i for i, w in enumerate(windows) if w.end > start and w.start < end]
        if not overlapping:
            return self._nonexistent(downstream_keys, "no upstream window overlaps")
        first, last = overlapping[0] + self.start_offset, overlapping[-1] + self.end_offset
        if first < 0 or last >= len(windows):
            if not self.allow_nonexistent_upstream_partitions:
                return self._nonexistent(downstream_keys, "the offsets reach outside the upstream partitions")
            first, last = max(first, 0), min(last, len(windows) - 1)
        return [w.start.strftime(upstream_def.fmt) for w in windows[first : last + 1]]

    def _nonexistent(self, keys: Sequence[str], why: str) -> list[str]:
        if self.allow_nonexistent_upstream_partitions:
            return []
        raise ValueError(
            f"Partitions {keys[0]}...{keys[-1]} map to upstream partitions that do not exist ({why}); "
            "pass allow_nonexistent_upstream_partitions=True to read what exists."
        )


@dataclass(frozen=True)
class SpecificPartitionsPartitionMapping(PartitionMapping):
    """Every downstream partition (or an unpartitioned downstream asset) reads these upstream partitions."""

    partition_keys: Sequence[str] = ()

    def upstream_partition_keys(
        self,
        downstream_keys: Sequence[str],
        downstream_def: PartitionsDefinition | None,
        upstream_def: PartitionsDefinition,
        dynamic_partitions_store: Any = None,
    ) -> list[str]:
        return list(self.partition_keys)


def _dimension(multi: MultiPartitionsDefinition, single: PartitionsDefinition, name: str | None) -> str:
    """The dimension of `multi` that a single-dimension asset corresponds to: `name`, else the one whose
    partitions are the same as `single`'s."""
    if name is not None:
        if name not in multi.partitions_defs:
            raise ValueError(
                f'MultiToSingleDimensionPartitionMapping names dimension "{name}", which the multi-partitioned '
                f"asset does not have; its dimensions are {multi.partition_dimension_names}."
            )
        return name
    matching = [n for n, d in multi.partitions_defs.items() if d == single]
    if len(matching) != 1:
        raise ValueError(
            "MultiToSingleDimensionPartitionMapping cannot tell which dimension of "
            f"{multi.partition_dimension_names} the single-dimension asset's partitions are; pass "
            "partition_dimension_name=."
        )
    return matching[0]


@dataclass(frozen=True)
class MultiToSingleDimensionPartitionMapping(PartitionMapping):
    """Between a multi-partitioned asset and one partitioned like one of its dimensions: a multi key reads
    (or is read by) the single key equal to its value in that dimension."""

    partition_dimension_name: str | None = None

    def upstream_partition_keys(
        self,
        downstream_keys: Sequence[str],
        downstream_def: PartitionsDefinition | None,
        upstream_def: PartitionsDefinition,
        dynamic_partitions_store: Any = None,
    ) -> list[str]:
        if isinstance(downstream_def, MultiPartitionsDefinition) and not isinstance(
            upstream_def, MultiPartitionsDefinition
        ):
            name = _dimension(downstream_def, upstream_def, self.partition_dimension_name)
            return list(dict.fromkeys(downstream_def.keys_by_dimension(k)[name] for k in downstream_keys))
        if isinstance(upstream_def, MultiPartitionsDefinition) and downstream_def is not None:
            name = _dimension(upstream_def, downstream_def, self.partition_dimension_name)
            wanted = set(downstream_keys)
            return [
                key
                for key in upstream_def.get_partition_keys(None, dynamic_partitions_store)
                if upstream_def.keys_by_dimension(key)[name] in wanted
            ]
        raise ValueError(
            "MultiToSingleDimensionPartitionMapping maps between a MultiPartitionsDefinition and a "
            "single-dimension one; this dependency has neither on one side."
        )


@dataclass(frozen=True)
class DimensionPartitionMapping:
    """For MultiPartitionMapping: the downstream dimension an upstream dimension maps to, and how."""

    dimension_name: str
    partition_mapping: PartitionMapping


@dataclass(frozen=True)
class MultiPartitionMapping(PartitionMapping):
    """Between two multi-partitioned assets: each upstream dimension named here (the keys) corresponds to a
    downstream dimension through its own mapping; an upstream dimension not named is read whole (as in
    Dagster); a downstream key reads every combination of the results."""

    downstream_mappings_by_upstream_dimension: Mapping[str, DimensionPartitionMapping] = field(default_factory=dict)

    def upstream_partition_keys(
        self,
        downstream_keys: Sequence[str],
        downstream_def: PartitionsDefinition | None,
        upstream_def: PartitionsDefinition,
        dynamic_partitions_store: Any = None,
    ) -> list[str]:
        if not isinstance(downstream_def, MultiPartitionsDefinition) or not isinstance(
            upstream_def, MultiPartitionsDefinition
        ):
            raise ValueError("MultiPartitionMapping needs MultiPartitionsDefinitions on both assets.")
        unknown = sorted(set(self.downstream_mappings_by_upstream_dimension) - set(upstream_def.partitions_defs))
        if unknown:
            raise ValueError(
                f"MultiPartitionMapping names upstream dimension(s) {unknown}; the upstream asset's dimensions "
                f"are {upstream_def.partition_dimension_names}."
            )
        names = upstream_def.partition_dimension_names
        out: dict[str, None] = {}
        for key in downstream_keys:
            parts = downstream_def.keys_by_dimension(key)
            choices = [
                self._dimension_keys(n, parts, downstream_def, upstream_def, dynamic_partitions_store) for n in names
            ]
            for combination in itertools.product(*choices):
                out[str(MultiPartitionKey(dict(zip(names, combination, strict=True))))] = None
        return list(out)

    def _dimension_keys(
        self,
        upstream_dimension: str,
        parts: Mapping[str, str],
        downstream_def: MultiPartitionsDefinition,
        upstream_def: MultiPartitionsDefinition,
        store: Any,
    ) -> list[str]:
        upstream_dim_def = upstream_def.partitions_defs[upstream_dimension]
        spec = self.downstream_mappings_by_upstream_dimension.get(upstream_dimension)
        if spec is None:
            return upstream_dim_def.get_partition_keys(None, store)
        down = spec.dimension_name
        if down not in downstream_def.partitions_defs:
            raise ValueError(
                f'MultiPartitionMapping maps upstream dimension "{upstream_dimension}" to downstream dimension '
                f'"{down}", which the downstream asset does not have ({downstream_def.partition_dimension_names}).'
            )
        return spec.partition_mapping.upstream_partition_keys(
            [parts[down]], downstream_def.partitions_defs[down], upstream_dim_def, store
        )


def default_mapping(downstream_def: PartitionsDefinition | None, upstream_def: PartitionsDefinition) -> Any:
    """The mapping of a dependency that names none (Dagster's defaults)."""
    if downstream_def is None:
        return AllPartitionMapping()
    if isinstance(downstream_def, TimeWindowPartitionsDefinition) and isinstance(
        upstream_def, TimeWindowPartitionsDefinition
    ):
        return TimeWindowPartitionMapping()
    multi = [d for d in (downstream_def, upstream_def) if isinstance(d, MultiPartitionsDefinition)]
    if len(multi) == 1:
        other = upstream_def if multi[0] is downstream_def else downstream_def
        if other in multi[0].partitions_defs.values():  # one of its dimensions: Dagster infers the mapping
            return MultiToSingleDimensionPartitionMapping()
    return IdentityPartitionMapping()
