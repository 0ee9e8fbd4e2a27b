"""Definitions -> weir.v1.Snapshot: typed messages, deterministic bytes, content-addressed id.

Everything without an inherent order is sorted; no timestamps, addresses or absolute paths go in, so
the same code always gives the same bytes and therefore the same snapshot id.
"""

from __future__ import annotations

import gc
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from codeserver import automation
from codeserver.convert import metadata_to_proto
from protos.weir.v1 import common_pb2, snapshot_pb2
from sdk.checks import AssetChecksDefinition
from sdk.graphs import GraphDefinition
from sdk.jobs import JobDefinition
from sdk.keys import AssetKey


@dataclass(frozen=True)
class SnapshotBlob:
    """A serialized snapshot and its id (the SHA-256 hex of the bytes)."""

    snapshot_id: str
    data: bytes
    asset_count: int


def build_snapshot(defs: Any, location_name: str) -> SnapshotBlob:
    """Resolve every definition (raising the user's mistakes now) and serialize it deterministically."""
    # Building allocates hundreds of thousands of acyclic objects; cyclic GC passes over them are pure cost.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(defs, location_name)
    finally:
        if was_enabled:
            gc.enable()


def _build(defs: Any, location_name: str) -> SnapshotBlob:
    import sdk

    jobs = defs.resolve_all_job_defs()
    graph = defs.asset_graph
    keys_cache: dict[AssetKey, common_pb2.AssetKey] = {}

    def pb_key(key: AssetKey) -> common_pb2.AssetKey:
        msg = keys_cache.get(key)
        if msg is None:
            msg = keys_cache[key] = common_pb2.AssetKey(path=key.path)
        return msg

    job_names: dict[AssetKey, list[str]] = {}
    for job in jobs:
        for key in job.asset_keys:
            job_names.setdefault(key, []).append(job.name)
    checks_by_asset: dict[AssetKey, list[snapshot_pb2.AssetCheck]] = {}
    all_checks = []
    for check_key in sorted(graph.check_specs):
        message = _check(graph.check_specs[check_key][0], pb_key)
        check_condition = graph.check_specs[check_key][0].automation_condition
        if check_condition is not None:
            message.automation_condition.CopyFrom(automation.condition_to_proto(check_condition, graph, pb_key))
        owner = graph.check_specs[check_key][1]
        if isinstance(owner, AssetChecksDefinition):
            message.step_key = owner.node_name
        freshness = automation.last_update_freshness_to_proto(graph.check_specs[check_key][0])
        if freshness is not None:
            message.last_update_freshness.CopyFrom(freshness)
        all_checks.append(message)
        checks_by_asset.setdefault(check_key.asset_key, []).append(message)
    conditions = automation.effective_conditions(defs, graph)
    assets = [
        _asset_node(key, graph, pb_key, sorted(job_names.get(key, [])), checks_by_asset.get(key, []))
        for key in sorted(graph.assets_def_by_key)
    ]
    for node, key in zip(assets, sorted(graph.assets_def_by_key), strict=True):
        if key in conditions:
            node.automation_condition.CopyFrom(automation.condition_to_proto(conditions[key], graph, pb_key))
        policy = graph.assets_def_by_key[key].spec_for(key).freshness_policy
        if policy is not None:
            node.freshness_policy.CopyFrom(automation.freshness_to_proto(policy))
    snapshot = snapshot_pb2.Snapshot(
        location_name=location_name,
        sdk_version=sdk.__version__,
        assets=assets,
        asset_checks=all_checks,
        jobs=[_job(job, pb_key) for job in sorted(jobs, key=lambda j: j.name)],
        schedules=[_schedule(s, graph, pb_key) for s in sorted(defs.schedules, key=lambda s: s.name)],
        sensors=sorted(
            [
                *(_sensor(s, graph, pb_key) for s in defs.sensors if not automation.is_automation_sensor(s)),
                *automation.automation_sensors(
                    defs,
                    graph,
                    [
                        *conditions,
                        *(
                            k.asset_key
                            for k, (spec, _) in graph.check_specs.items()
                            if spec.automation_condition is not None
                        ),
                    ],
                    pb_key,
                ),
            ],
            key=lambda s: s.name,
        ),
        resources=[_resource(k, v) for k, v in sorted(defs.resources.items())],
    )
    data = snapshot.SerializeToString(deterministic=True)
    return SnapshotBlob(hashlib.sha256(data).hexdigest(), data, len(assets))


def _asset_node(key: AssetKey, graph: Any, pb_key: Any, job_names: list[str], checks: list[Any]) -> Any:
    adef = graph.assets_def_by_key[key]
    spec = adef.spec_for(key)
    op = adef.op
    return snapshot_pb2.AssetNode(
        key=pb_key(key),
        deps=[pb_key(d) for d in sorted(graph.parents.get(key, ()))],
        group_name=spec.group_name or "default",
        description=spec.description or "",
        metadata=metadata_to_proto(spec.metadata),
        tags=dict(spec.tags),
        owners=list(spec.owners),
        kinds=sorted(spec.kinds),
        code_version=spec.code_version or "",
        partitions=_partitions(spec.partitions_def),
        check_specs=checks,
        required_resource_keys=sorted(adef.required_resource_keys),
        job_names=job_names,
        io_manager_key=adef.io_manager_key_for(key),
        is_executable=adef.is_executable,
        is_observable=bool(getattr(adef, "is_observable", False)),
        op_name=op.name if op else "",
        config_schema=_config_schema(op.config_type) if op else "",
        backfill_policy=_backfill_policy(getattr(adef, "backfill_policy", None)),
        dep_partition_mappings=_dep_mappings(adef, key, graph.parents.get(key, ()), pb_key),
    )


def _dep_mappings(adef: Any, key: AssetKey, parents: Any, pb_key: Any) -> list[Any]:
    mappings = []
    for upstream in sorted(parents):
        mapping = adef.partition_mapping_for(key, upstream) if hasattr(adef, "partition_mapping_for") else None
        if mapping is None or type(mapping).__name__ == "IdentityPartitionMapping":
            continue
        mappings.append(
            snapshot_pb2.DepPartitionMapping(
                upstream=pb_key(upstream),
                kind=type(mapping).__name__,
                start_offset=getattr(mapping, "start_offset", 0),
                end_offset=getattr(mapping, "end_offset", 0),
            )
        )
    return mappings


def _backfill_policy(policy: Any) -> Any:
    if policy is None:
        return None
    per_run = policy.max_partitions_per_run
    return snapshot_pb2.BackfillPolicy(single_run=per_run is None, max_partitions_per_run=per_run or 0)


def _check(spec: Any, pb_key: Any) -> Any:
    return snapshot_pb2.AssetCheck(
        name=spec.name,
        asset_key=pb_key(spec.asset_key),
        description=spec.description or "",
        blocking=spec.blocking,
        additional_deps=[pb_key(k) for k in sorted(spec.additional_deps)],
    )


def _config_schema(cls: Any) -> str:
    if cls is None:
        return ""
    from sdk.config import json_schema

    return json_schema(cls)


def _job(job: JobDefinition, pb_key: Any) -> Any:
    return snapshot_pb2.Job(
        name=job.name,
        description=job.description or "",
        tags=dict(job.tags),
        config_schema=json.dumps(run_config_schema(job), sort_keys=True, separators=(",", ":")),
        asset_selection=[pb_key(k) for k in sorted(job.asset_keys)],
        nodes=_nodes(job.graph),
        is_asset_job=job.is_asset_job,
        partitions=_partitions(job.partitions_def),
        executor=job.executor_name,
        run_tags=dict(job.run_tags),
    )


def _nodes(graph: GraphDefinition) -> list[Any]:
    out = []
    for name in sorted(graph.nodes):
        node = graph.nodes[name]
        definition = node.definition
        inputs = []
        for input_name in definition.input_names:
            source = node.inputs.get(input_name)
            first = source[0] if isinstance(source, list) and source else source
            input_defs = definition.input_dict if isinstance(definition, GraphDefinition) else definition.input_defs
            dtype = input_defs[input_name].dagster_type.name
            inputs.append(
                snapshot_pb2.OpInput(
                    name=input_name,
                    upstream_node=getattr(first, "node_name", ""),
                    upstream_output=getattr(first, "output_name", ""),
                    dagster_type=dtype,
                )
            )
        if isinstance(definition, GraphDefinition):
            outputs = [snapshot_pb2.OpOutput(name=o, is_required=True) for o in definition.output_names]
            out.append(
                snapshot_pb2.OpNode(
                    name=name,
                    op_name=definition.name,
                    inputs=inputs,
                    outputs=outputs,
                    tags=dict(node.tags),
                    description=definition.description or "",
                    children=_nodes(definition),
                )
            )
            continue
        outputs = [
            snapshot_pb2.OpOutput(name=o.name, dagster_type=o.dagster_type.name, is_required=o.is_required)
            for o in definition.output_defs.values()
        ]
        out.append(
            snapshot_pb2.OpNode(
                name=name,
                op_name=definition.name,
                inputs=inputs,
                outputs=outputs,
                tags={**definition.tags, **node.tags},
                description=definition.description or "",
                config_schema=_config_schema(definition.config_type),
                required_resource_keys=sorted(definition.required_resource_keys),
            )
        )
    return out


def run_config_schema(job: JobDefinition) -> dict[str, Any]:
    """The JSON Schema of a job's run config: ops.<node>.config and resources.<key>.config, or the schema of
    the job's config mapping (which then receives the whole run config)."""
    defs: dict[str, Any] = {}
    mapping = _config_mapping(job.config)
    if mapping is not None:
        mapped: dict[str, Any] = {"type": "object"}
        if mapping.config_type is not None:
            mapped = _hoist(mapping.config_type, defs)
        if defs:
            mapped["$defs"] = defs
        return mapped
    ops = _ops_schema(job.graph, defs)
    top = _config_mapping(getattr(job.graph, "config_mapping", None))
    if top is not None:  # a job made from a graph with a mapping: ops.config is the graph's config
        ops = {"config": _hoist(top.config_type, defs) if top.config_type is not None else {}}
    resources: dict[str, Any] = {}
    for key in sorted(job.resource_defs):
        cls = _resource_config_type(job.resource_defs[key])
        if cls is not None:
            resources[key] = _object({"config": _hoist(cls, defs)}, [])
    required_ops = sorted(k for k, v in ops.items() if v.get("required"))
    schema: dict[str, Any] = _object(
        {
            "ops": _object(ops, required_ops),
            "resources": _object(resources, []),
            "execution": {"type": "object"},
            "loggers": {"type": "object"},
        },
        ["ops"] if required_ops and job.config is None else [],
    )
    # with default config on the job, what a launch leaves out comes from there: only shapes are checked
    if defs:
        schema["$defs"] = defs
    return schema


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _ops_schema(graph: GraphDefinition, defs: dict[str, Any]) -> dict[str, Any]:
    ops: dict[str, Any] = {}
    for name in sorted(graph.nodes):
        definition = graph.nodes[name].definition
        mapping = _config_mapping(getattr(definition, "config_mapping", None))
        if mapping is not None:  # the graph takes config, mapped to its ops' config
            config_type = mapping.config_type
            config = _hoist(config_type, defs) if config_type is not None else {}
            needed = config_type is not None and _config_required(config_type)
            ops[name] = _object({"config": config}, ["config"] if needed else [])
        elif isinstance(definition, GraphDefinition):
            inner = _ops_schema(definition, defs)
            if inner:
                required = sorted(k for k, v in inner.items() if v.get("required"))
                ops[name] = _object({"ops": _object(inner, required)}, ["ops"] if required else [])
        else:
            entry: dict[str, Any] = {}
            needs: list[str] = []
            if definition.config_type is not None:
                entry["config"] = _hoist(definition.config_type, defs)
                needs += ["config"] if _config_required(definition.config_type) else []
            # inputs no upstream output feeds take a value from run config (ops.<op>.inputs.<name>); the
            # run worker checks each value against the input's type
            free = [n for n in getattr(definition, "input_defs", {}) if n not in graph.nodes[name].inputs]
            if free:
                entry["inputs"] = _object({n: {} for n in free}, [])
            if entry:
                ops[name] = _object(entry, needs)
    return ops


def _config_required(config_type: Any) -> bool:
    from sdk.config import config_is_required

    return config_is_required(config_type)


def _config_mapping(value: Any) -> Any:
    import sys

    mod = sys.modules.get("sdk.config_mappings")
    return value if mod is not None and isinstance(value, mod.ConfigMapping) else None


def _hoist(cls: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """A class's schema with its $defs moved to the root, so "#/$defs/..." references stay valid."""
    from sdk.config import json_schema

    schema: dict[str, Any] = json.loads(json_schema(cls))
    defs.update(schema.pop("$defs", {}))
    return schema


def _resource_class(value: Any) -> Any:
    import sys

    mod = sys.modules.get("sdk.resources")
    if mod is None:
        return None
    if isinstance(value, mod._PartialResource):
        return value.cls
    if isinstance(value, mod.ConfigurableResource):
        return type(value)
    return None


def _resource_config_type(value: Any) -> Any:
    """A ConfigurableResource class, or the config schema (a Field) of a @resource / @io_manager definition."""
    cls = _resource_class(value)
    if cls is not None:
        return cls
    from sdk.legacy_resources import FunctionResourceDefinition

    return value.config_field if isinstance(value, FunctionResourceDefinition) else None


def _resource(key: str, value: Any) -> Any:
    from sdk.io_managers import IOManager, IOManagerDefinition

    cls = _resource_class(value)
    type_name = (cls or type(value)).__name__
    description = (getattr(value, "description", None) or (cls.__doc__ if cls else "") or "").strip()
    config_type = _resource_config_type(value)
    return snapshot_pb2.Resource(
        key=key,
        type_name=type_name,
        description=description,
        config_schema=_config_schema(config_type) if config_type is not None else "",
        is_io_manager=isinstance(value, (IOManager, IOManagerDefinition)) or key == "io_manager",
    )


def _status(value: Any) -> snapshot_pb2.DefaultStatus.ValueType:
    if value is None:
        return snapshot_pb2.DEFAULT_STATUS_UNSPECIFIED
    return snapshot_pb2.RUNNING if value.value == "RUNNING" else snapshot_pb2.STOPPED


def _selection_keys(selection: Any, graph: Any, pb_key: Any) -> list[Any]:
    if selection is None:
        return []
    return [pb_key(k) for k in sorted(selection.resolve(graph))]


def _schedule(schedule: Any, graph: Any, pb_key: Any) -> Any:
    from sdk.config import to_run_config_dict

    static = (
        ""
        if schedule.has_function
        else json.dumps(to_run_config_dict(schedule.run_config), sort_keys=True, default=str)
    )
    return snapshot_pb2.Schedule(
        name=schedule.name,
        cron_schedules=list(schedule.cron_schedules),
        execution_timezone=schedule.execution_timezone or "",
        job_name=schedule.job_name or "",
        asset_selection=_selection_keys(schedule.asset_selection, graph, pb_key),
        default_status=_status(schedule.default_status),
        description=(schedule.description or "").strip(),
        tags=dict(schedule.tags),
        has_function=schedule.has_function,
        run_config_json=static,
    )


def _sensor(sensor: Any, graph: Any, pb_key: Any) -> Any:
    return snapshot_pb2.Sensor(
        name=sensor.name,
        minimum_interval_seconds=sensor.minimum_interval_seconds,
        job_names=sorted(sensor.job_names),
        asset_selection=_selection_keys(sensor.asset_selection, graph, pb_key),
        default_status=_status(sensor.default_status),
        description=(sensor.description or "").strip(),
        kind=snapshot_pb2.SensorKind.Value(sensor.kind),
        monitored_assets=[pb_key(k) for k in sorted(sensor.monitored_assets)],
        monitored_run_statuses=list(sensor.monitored_run_statuses),
        monitored_jobs=list(sensor.monitored_jobs),
    )


def _partitions(pdef: Any) -> Any:
    if pdef is None:
        return None
    from sdk import partitions as p

    if isinstance(pdef, p.StaticPartitionsDefinition):
        return snapshot_pb2.PartitionsDefinition(static=snapshot_pb2.StaticPartitions(keys=list(pdef.partition_keys)))
    if isinstance(pdef, p.TimeWindowPartitionsDefinition):
        return snapshot_pb2.PartitionsDefinition(
            time_window=snapshot_pb2.TimeWindowPartitions(
                start=pdef.start_str,
                end=pdef.end_str,
                timezone=pdef.timezone,
                fmt=pdef.fmt,
                cron_schedule=pdef.cron_schedule,
                end_offset=pdef.end_offset,
            )
        )
    if isinstance(pdef, p.DynamicPartitionsDefinition) and pdef.name is not None:  # else keys come from code
        return snapshot_pb2.PartitionsDefinition(dynamic=snapshot_pb2.DynamicPartitions(name=pdef.name))
    if isinstance(pdef, p.MultiPartitionsDefinition):
        dims = [
            snapshot_pb2.PartitionDimension(name=n, partitions=_partitions(pdef.partitions_defs[n]))
            for n in sorted(pdef.partitions_defs)
        ]
        if any(d.partitions.WhichOneof("kind") == "code" for d in dims):
            return _code_partitions(pdef)
        return snapshot_pb2.PartitionsDefinition(multi=snapshot_pb2.MultiPartitions(dimensions=dims))
    return _code_partitions(pdef)  # any other kind: only its code knows the keys


def _code_partitions(pdef: Any) -> Any:
    return snapshot_pb2.PartitionsDefinition(code=snapshot_pb2.CodePartitions(type_name=type(pdef).__name__))
