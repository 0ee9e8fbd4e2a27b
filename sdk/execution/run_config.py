"""Run config, validated against the job before anything executes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sdk.errors import DagsterInvalidConfigError
from sdk.execution.plan import ExecutionPlan

TOP_LEVEL = ("ops", "resources", "execution", "loggers")


@dataclass
class ResolvedRunConfig:
    """Validated config: per step key, per resource key, and the executor's."""

    op_configs: dict[str, Any] = field(default_factory=dict)
    input_configs: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> input -> its config value
    resource_configs: dict[str, Any] = field(default_factory=dict)
    execution: dict[str, Any] = field(default_factory=dict)


def resolve_run_config(
    plan: ExecutionPlan, job_config: Any, run_config: Any, resource_keys: set[str], graph: Any = None
) -> ResolvedRunConfig:
    """Check every entry against the ops and resources of the plan; raise DagsterInvalidConfigError.
    With the job's graph, config mappings of the job and its graphs are applied first."""
    from sdk.config import validate_config
    from sdk.config_mappings import job_run_config

    config = job_run_config(job_config, run_config, graph)
    unknown = sorted(set(config) - set(TOP_LEVEL))
    if unknown:
        raise DagsterInvalidConfigError(
            f"Invalid run config: unexpected top-level entries {unknown}; allowed: {list(TOP_LEVEL)}."
        )
    resolved = ResolvedRunConfig(execution=_execution(config.get("execution")))
    ops_cfg = config.get("ops") or {}
    _check_op_names(plan, ops_cfg)
    for step in plan.steps.values():
        entry: Any = config
        for part in step.config_path:
            entry = entry.get(part) if isinstance(entry, Mapping) else None
        path = ".".join(step.config_path)
        raw = entry.get("config") if isinstance(entry, Mapping) else None
        if isinstance(entry, Mapping) and set(entry) - {"config", "inputs", "outputs"}:
            bad = sorted(set(entry) - {"config", "inputs", "outputs"})
            raise DagsterInvalidConfigError(f"Invalid run config at {path}: unexpected entries {bad}; expected config.")
        inputs = entry.get("inputs") if isinstance(entry, Mapping) else None
        if inputs:
            resolved.input_configs[step.key] = _input_configs(step, inputs, path)
        if step.op.config_type is not None:
            resolved.op_configs[step.key] = validate_config(step.op.config_type, raw, f"{path}.config")
        elif raw is not None:
            if not step.op.has_config_param:
                raise DagsterInvalidConfigError(
                    f'Invalid run config at {path}.config: "{step.op.name}" takes no config. Remove the entry, '
                    "or add a config parameter annotated with a Config class."
                )
            resolved.op_configs[step.key] = raw
    for key, entry in (config.get("resources") or {}).items():
        if key not in resource_keys:
            raise DagsterInvalidConfigError(
                f'Invalid run config at resources.{key}: no resource "{key}"; '
                f"the resources are {sorted(resource_keys)}."
            )
        if not isinstance(entry, Mapping) or set(entry) - {"config"}:
            raise DagsterInvalidConfigError(f"Invalid run config at resources.{key}: expected {{'config': {{...}}}}.")
        resolved.resource_configs[key] = entry.get("config")  # a dict, or a scalar for config_schema=str
    return resolved


def _input_configs(step: Any, inputs: Any, path: str) -> dict[str, Any]:
    """Inputs given in run config: each must be an input of the op that no upstream output feeds."""
    if not isinstance(inputs, Mapping):
        raise DagsterInvalidConfigError(f"Invalid run config at {path}.inputs: expected a dict of input names.")
    fed = {i.name for i in step.inputs if i.sources}
    for name in inputs:
        if name not in step.op.input_defs:
            raise DagsterInvalidConfigError(
                f'Invalid run config at {path}.inputs.{name}: "{step.op.name}" has no input "{name}"; its inputs '
                f"are {sorted(step.op.input_defs)}."
            )
        if name in fed:
            raise DagsterInvalidConfigError(
                f'Invalid run config at {path}.inputs.{name}: input "{name}" is fed by an upstream output; only '
                "unconnected inputs take config."
            )
    from sdk.type_loaders import checked_input_config

    return {
        name: checked_input_config(step.op.input_defs[name].dagster_type, value, f"{path}.inputs.{name}")
        for name, value in inputs.items()
    }


def _check_op_names(plan: ExecutionPlan, ops_cfg: Any, prefix: str = "ops") -> None:
    if not isinstance(ops_cfg, Mapping):
        raise DagsterInvalidConfigError(f"Invalid run config at {prefix}: expected a dict of op names.")
    known = {s.config_path[1] for s in plan.steps.values() if len(s.config_path) > 1}
    extra = sorted(set(ops_cfg) - known)
    if extra:
        raise DagsterInvalidConfigError(
            f"Invalid run config at ops: no op named {extra[0]!r} in this job; the ops are {sorted(known)[:20]}."
        )


def _execution(entry: Any) -> dict[str, Any]:
    if not entry:
        return {}
    cfg = entry.get("config", entry) if isinstance(entry, Mapping) else {}
    for name in ("multiprocess", "in_process"):
        if isinstance(cfg, Mapping) and name in cfg:
            return {"executor": name, **dict((cfg[name] or {}).get("config", cfg[name]) or {})}
    return dict(cfg) if isinstance(cfg, Mapping) else {}
