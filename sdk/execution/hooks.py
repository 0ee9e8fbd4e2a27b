"""Running a step's hooks after its outcome is known, in the step's own process (Dagster's order: after
STEP_SUCCESS or STEP_FAILURE), each reported as HOOK_COMPLETED, HOOK_ERRORED (it raised; the step's outcome
is unchanged) or HOOK_SKIPPED (its trigger did not happen)."""

from __future__ import annotations

from typing import Any

from sdk.context import RunLogger
from sdk.errors import DagsterExecutionStepExecutionError
from sdk.events import ErrorInfo
from sdk.hooks import HookContext, HookedNode


def run_hooks(state: Any, step: Any, outcome: Any) -> None:
    trigger = "success" if outcome.success else "failure"
    exception = None
    if not outcome.success:
        exception = outcome.user_exception or DagsterExecutionStepExecutionError(
            outcome.error.message if outcome.error is not None else f'Step "{step.key}" failed.'
        )
    node = HookedNode(step.key.rsplit(".", 1)[-1], step.op, step.tags)
    for hook in step.hooks:
        if hook.triggers_on != trigger:
            state.event(
                "HOOK_SKIPPED",
                step_key=step.key,
                message=f'Skipped the execution of hook "{hook.name}". It did not meet its triggering '
                f'condition during the execution of "{node.name}".',
            )
            continue
        try:
            context = HookContext(
                hook_def=hook,
                op=node,
                step_key=step.key,
                run_id=state.run_id,
                job_name=state.job.name,
                resources=state.resources.namespace(hook.required_resource_keys),
                op_config=state.op_configs.get(step.key),
                log=RunLogger(lambda level, msg: state.event("LOG", step_key=step.key, level=level, message=msg)),
                op_exception=exception,
                op_output_values=state.step_values.get(step.key, {}),
                instance=state.instance,
            )
            hook.hook_fn(context)
        except Exception as exc:
            state.event(
                "HOOK_ERRORED",
                step_key=step.key,
                error=ErrorInfo.from_exception(exc),
                message=f'Hook "{hook.name}" after step "{step.key}" failed: {type(exc).__name__}: {exc}',
            )
        else:
            state.event(
                "HOOK_COMPLETED",
                step_key=step.key,
                message=f'Finished the execution of hook "{hook.name}" triggered for "{node.name}".',
            )
