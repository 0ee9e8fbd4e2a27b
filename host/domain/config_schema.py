"""The JSON Schema of an implicit asset job's run config: no snapshot holds one (a job carries its
own), so it is built from the selected assets' config schemas in the shape the run worker reads
(`ops.<op name>.config`, `resources.<key>.config`), and only for those assets."""

from __future__ import annotations

import json
from typing import Any

from protos.weir.v1 import snapshot_pb2


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
