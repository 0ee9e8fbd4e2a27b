"""Partition mappings: which partitions of an upstream asset a partition of a downstream asset reads.

A mapping is given per dependency (`AssetIn(partition_mapping=...)` or `AssetDep(..., partition_mapping=...)`);
without one, two time-window assets use TimeWindowPartitionMapping(), an unpartitioned downstream
reads every upstream partition, and anything else reads the same key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sdk.partitions import PartitionsDefinition, TimeWindowPartitionsDefinition


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


def default_mapping(downstream_def: PartitionsDefinition | None, upstream_def: PartitionsDefinition) -> Any:
    """The mapping of a dependency that names none (Dagster's defaults)."""
    if downstream_def is None:
        return AllPartitionMapping()
    if isinstance(downstream_def, TimeWindowPartitionsDefinition) and isinstance(
        upstream_def, TimeWindowPartitionsDefinition
    ):
        return TimeWindowPartitionMapping()
    return IdentityPartitionMapping()
