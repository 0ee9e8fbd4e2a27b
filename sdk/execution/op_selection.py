"""The plan of a subset job: only the steps of the selected top-level ops (sdk/_op_selection.py)."""

from __future__ import annotations

from dataclasses import replace

from sdk.execution.plan import ExecutionPlan, StepOutputSource


def restrict_plan(plan: ExecutionPlan, nodes: frozenset[str]) -> ExecutionPlan:
    """Only the steps of the selected top-level nodes; inputs from the others are dropped."""
    kept = {key for key in plan.steps if key.split(".", 1)[0] in nodes}
    steps = {}
    for key in kept:
        step = plan.steps[key]
        inputs = [
            replace(i, sources=[s for s in i.sources if not isinstance(s, StepOutputSource) or s.step_key in kept])
            for i in step.inputs
        ]
        steps[key] = replace(step, inputs=inputs, upstream=step.upstream & kept)
    return ExecutionPlan(steps, [k for k in plan.order if k in kept], dict(plan.reused))
