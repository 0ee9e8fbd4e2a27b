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


def selection_config_schema(
    snapshot: snapshot_pb2.Snapshot, nodes: list[snapshot_pb2.AssetNode]
) -> dict[str, Any] | None:
    """The run config schema of an implicit job over these assets (None when none takes config):
    `ops.<op>.config` per asset op with config, `resources.<key>.config` per resource they need."""
    defs: dict[str, Any] = {}
    ops: dict[str, Any] = {}
    for node in nodes:
        if node.config_schema and node.op_name not in ops:
            config = _hoist(node.config_schema, defs)
            ops[node.op_name] = _object({"config": config}, ["config"] if config.get("required") else [])
    needed = {key for node in nodes for key in node.required_resource_keys}
    resources = {
        r.key: _object({"config": _hoist(r.config_schema, defs)}, [])
        for r in snapshot.resources
        if r.config_schema and r.key in needed
    }
    if not ops and not resources:
        return None
    required_ops = sorted(name for name, schema in ops.items() if schema.get("required"))
    schema = _object(
        {
            "ops": _object(ops, required_ops),
            "resources": _object(resources, []),
            "execution": {"type": "object"},
            "loggers": {"type": "object"},
        },
        ["ops"] if required_ops else [],
    )
    if defs:
        schema["$defs"] = defs
    return schema


def _asset_partitions(nodes: list[snapshot_pb2.AssetNode]) -> list[PartitionSource]:
    by_definition: dict[bytes, PartitionSource] = {}
    for node in nodes:
        if node.HasField("partitions"):
            raw = node.partitions.SerializeToString(deterministic=True)
            kind = node.partitions.WhichOneof("kind") or ""
            by_definition.setdefault(raw, PartitionSource(asset_key=asset_key_str(node.key), kind=kind))
    return list(by_definition.values())


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _hoist(raw: str, defs: dict[str, Any]) -> dict[str, Any]:
    """A config class's schema with its $defs moved to the root, where "#/$defs/..." points."""
    schema: dict[str, Any] = json.loads(raw)
    defs.update(schema.pop("$defs", {}))
    return schema
