"""validate_run_config: a job's run config checked as a run would check it, without running anything."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError


def validate_run_config(job_def: Any, run_config: Any = None) -> dict[str, Any]:
    """The run config with defaults filled in (`{"ops": ..., "resources": ..., "execution": ...}`), or
    DagsterInvalidConfigError naming each wrong entry's path. Op config and the config of @resource /
    @io_manager definitions are checked; a ConfigurableResource's fields are checked when it is set up.

    Args:
        job_def: a JobDefinition (for an asset job, `defs.resolve_job_def("name")`).
        run_config: a dict or RunConfig, as given to a launch.
    """
    from sdk.config import to_run_config_dict
    from sdk.execution.plan import build_plan
    from sdk.execution.run_config import resolve_run_config
    from sdk.legacy_resources import FunctionResourceDefinition

    if not hasattr(job_def, "graph"):
        raise DagsterInvalidDefinitionError(
            f"validate_run_config takes a JobDefinition, got {type(job_def).__name__}; for an asset job "
            'defined with define_asset_job, pass defs.resolve_job_def("its name").'
        )
    config = to_run_config_dict(run_config)
    plan = build_plan(job_def, getattr(job_def, "asset_graph", None))
    if getattr(job_def, "op_selection", None) is not None:
        from sdk.execution.op_selection import restrict_plan

        plan = restrict_plan(plan, job_def.op_selection)
    resource_defs = {"io_manager": None, **job_def.resource_defs}
    resolved = resolve_run_config(plan, job_def.config, config, set(resource_defs), job_def.graph)
    ops: dict[str, Any] = {}
    for key, value in resolved.op_configs.items():
        entry = ops
        for part in plan.steps[key].config_path[1:]:  # ("ops", "graph", "ops", "op") nests as the run config
            entry = entry.setdefault(part, {})
        entry["config"] = value.model_dump() if hasattr(value, "model_dump") else value
    resources = {}
    for key, definition in job_def.resource_defs.items():
        given = resolved.resource_configs.get(key)
        if isinstance(definition, FunctionResourceDefinition):
            resources[key] = {"config": definition.process_config(given, f"resources.{key}.config")}
        elif given is not None:
            resources[key] = {"config": given}
    out: dict[str, Any] = {"ops": ops, "resources": resources}
    if resolved.execution:
        out["execution"] = {"config": dict(resolved.execution)} if isinstance(resolved.execution, Mapping) else {}
    return out
