"""What a launch of a job or an asset selection needs to know before it is launched: the assets it
covers, the JSON Schema of its run config, and how it is partitioned.

A job carries its run config's schema in the snapshot. An asset selection runs as an implicit job
whose schema no snapshot holds, so it is built here from the selected assets' own config schemas, in
the shape the run worker reads (`ops.<op name>.config`), and only for those assets: a launch form
scaffolds what the selection needs, not what the whole location could take.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from host.domain.config_schema import selection_config_schema
from host.domain.runs import check_selection
from host.errors import ConfigError
from protos.keys import asset_key_str
from protos.weir.v1 import snapshot_pb2


@dataclass(frozen=True)
class PartitionSource:
    """Where the partition keys of a launch come from: a partitioned job, or one asset per distinct
    partitions definition among the selected assets (ListPartitionKeys takes either)."""

    job_name: str = ""
    asset_key: str = ""
    kind: str = ""  # static | time_window | dynamic | multi | code


@dataclass(frozen=True)
class LaunchTarget:
    location: str
    job_name: str  # "" for an asset selection
    asset_keys: list[str]
    config_schema: dict[str, Any] | None  # None: the target takes no run config
    partitions: list[PartitionSource] = field(default_factory=list)


def launch_target(snapshot: snapshot_pb2.Snapshot, location: str, job_name: str, selection: list[str]) -> LaunchTarget:
    """The target of a launch as the launch form shows it; errors name what exists instead."""
    job = check_selection(snapshot, location, job_name, selection)
    if job is not None:
        keys = [asset_key_str(k) for k in job.asset_selection]
        schema = json.loads(job.config_schema) if job.config_schema else None
        if job.HasField("partitions"):
            kind = job.partitions.WhichOneof("kind") or ""
            return LaunchTarget(location, job.name, keys, schema, [PartitionSource(job_name=job.name, kind=kind)])
        nodes = [a for a in snapshot.assets if job.name in a.job_names]
        return LaunchTarget(location, job.name, keys, schema, _asset_partitions(nodes))
    if not selection:
        raise ConfigError("choose a job or at least one asset to launch")
    chosen = set(selection)
    nodes = [a for a in snapshot.assets if asset_key_str(a.key) in chosen]
    schema = selection_config_schema(snapshot, nodes)
    return LaunchTarget(location, "", sorted(chosen), schema, _asset_partitions(nodes))


def _asset_partitions(nodes: list[snapshot_pb2.AssetNode]) -> list[PartitionSource]:
    by_definition: dict[bytes, PartitionSource] = {}
    for node in nodes:
        if node.HasField("partitions"):
            raw = node.partitions.SerializeToString(deterministic=True)
            kind = node.partitions.WhichOneof("kind") or ""
            by_definition.setdefault(raw, PartitionSource(asset_key=asset_key_str(node.key), kind=kind))
    return list(by_definition.values())
