"""A run from start to end: plan, validate config, set up resources, hand steps to an executor, report."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sdk.errors import (
    DagsterExecutionStepNotFoundError,
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    WeirError,
)
from sdk.events import ErrorInfo, Event
from sdk.execution.dynamic import expand, resolve_collects, settle, skip_template
from sdk.execution.partitioned import key_range_from_tags
from sdk.execution.plan import ExecutionPlan, build_plan, select_steps
from sdk.execution.resources import ResourceManager
from sdk.execution.run_config import resolve_run_config
from sdk.execution.step import RunState, StepOutcome, execute_step, skip_reason


@dataclass
class RunOutcome:
    success: bool
    canceled: bool = False
    exception: BaseException | None = None
    plan: ExecutionPlan | None = None


def io_manager_keys(plan: ExecutionPlan) -> set[str]:
    keys: set[str] = set()
    for step in plan.steps.values():
        for name, out in step.op.output_defs.items():
            key = step.asset_key_for_output(name)
            keys.add(step.owner.io_manager_key_for(key) if key is not None else out.io_manager_key)
        for inp in step.inputs:
            for src in inp.sources:
                keys.add(getattr(src, "io_manager_key", None) or "io_manager")
    return keys


def run_job(
    job: Any,
    *,
    resource_defs: Mapping[str, Any],
    run_id: str,
    run_config: Any,
    tags: Mapping[str, str],
    partition_key: str | None,
    on_event: Callable[[Event], None],
    should_cancel: Callable[[], bool] = lambda: False,
    force_in_process: bool = False,
    asset_graph: Any = None,
    captured: dict | None = None,
    output_capture: Any = None,
    step_selection: Sequence[str] = (),
    output_runs: Mapping[str, str] | None = None,
    instance: Any = None,
) -> RunOutcome:
    """Emit RUN_START first and exactly one of RUN_SUCCESS / RUN_FAILURE / RUN_CANCELED last.

    With an output_capture (sdk.execution.capture.OutputCapture, whose emit is on_event), what each
    step writes to fd 1 and 2 becomes its COMPUTE_LOG events. `instance` is what steps see as
    context.instance."""
    emit = on_event
    logger_error = None
    if getattr(job, "logger_defs", None):
        from sdk.execution.loggers import with_run_loggers

        try:
            emit = with_run_loggers(on_event, job, run_config, run_id)
        except WeirError as exc:
            logger_error = exc
    emit(Event("RUN_START", time.time(), message=f'Started run of job "{job.name}".'))
    if logger_error is not None:
        emit(Event("RUN_FAILURE", time.time(), message=str(logger_error), error=ErrorInfo.from_exception(logger_error)))
        return RunOutcome(False, exception=logger_error)
    try:
        plan = build_plan(job, asset_graph)
        if getattr(job, "op_selection", None) is not None:
            from sdk.execution.op_selection import restrict_plan

            plan = restrict_plan(plan, job.op_selection)
        if step_selection or output_runs:
            plan = select_steps(plan, step_selection, output_runs or {})
        from sdk.partitioned_config import job_config_for_run

        job_config = job_config_for_run(job.config, partition_key, job.name)
        resolved = resolve_run_config(plan, job_config, run_config, set(resource_defs), job.graph)
    except (DagsterInvalidConfigError, DagsterInvalidDefinitionError, DagsterExecutionStepNotFoundError) as exc:
        emit(Event("RUN_FAILURE", time.time(), message=str(exc), error=ErrorInfo.from_exception(exc)))
        return RunOutcome(False, exception=exc)
    executor = "in_process" if force_in_process else resolved.execution.get("executor") or job.executor_name
    if executor not in ("in_process", "multiprocess") and any(s.mapped_root for s in plan.steps.values()):
        error = WeirError(
            f'Job "{job.name}" maps over dynamic outputs, which the in_process and multiprocess executors run; '
            f"the {executor} executor does not yet. Use one of those for this job."
        )
        emit(Event("RUN_FAILURE", time.time(), message=str(error), error=ErrorInfo.from_exception(error)))
        return RunOutcome(False, exception=error, plan=plan)
    resources = ResourceManager(resource_defs, resolved.resource_configs, run_id)
    from sdk.partitioned_config import partition_tags

    tags = {**partition_tags(job.config, partition_key), **tags}
    state = RunState(run_id, job, plan, dict(tags), partition_key, emit, resolved.op_configs, resources, captured)
    state.partition_key_range, state.asset_graph = key_range_from_tags(tags, partition_key), asset_graph
    state.instance = instance
    state.input_configs = resolved.input_configs
    try:
        if executor == "celery":
            from sdk.execution.celery import CeleryRunError, executor_config, run_celery

            try:
                problem = _multiprocess_problem(plan, resource_defs)
                if problem:
                    raise CeleryRunError(problem.replace("The multiprocess executor", "celery_executor"))
                outcomes, canceled = run_celery(state, executor_config(job, resolved.execution), should_cancel)
            except CeleryRunError as exc:
                emit(Event("RUN_FAILURE", time.time(), message=str(exc), error=ErrorInfo.from_exception(exc)))
                return RunOutcome(False, exception=exc, plan=plan)
        elif executor == "multiprocess" and len(plan.steps) > 1:
            from sdk.execution.multiprocess import run_multiprocess

            problem = _multiprocess_problem(plan, resource_defs)
            if problem:
                error = WeirError(problem)
                emit(Event("RUN_FAILURE", time.time(), message=problem, error=ErrorInfo.from_exception(error)))
                return RunOutcome(False, exception=error, plan=plan)
            max_conc = int(resolved.execution.get("max_concurrent") or 0) or _max_concurrent(job)
            outcomes, canceled = run_multiprocess(state, max_conc, should_cancel, output_capture is not None)
        else:
            setup_error = _setup_all(state)
            if setup_error is not None:
                emit(
                    Event(
                        "RUN_FAILURE",
                        time.time(),
                        message=str(setup_error),
                        error=ErrorInfo.from_exception(setup_error),
                    )
                )
                return RunOutcome(False, exception=setup_error, plan=plan)
            outcomes, canceled = run_in_process(state, should_cancel, output_capture)
    finally:
        for key, err in resources.teardown():
            emit(
                Event(
                    "ENGINE_EVENT",
                    time.time(),
                    message=f'Teardown of resource "{key}" failed: {err}',
                    error=ErrorInfo.from_exception(err),
                )
            )
    return _finish(emit, job, outcomes, canceled, plan)


def _finish(
    emit: Callable[[Event], None], job: Any, outcomes: dict[str, Any], canceled: bool, plan: ExecutionPlan
) -> RunOutcome:
    failed = [k for k, o in outcomes.items() if isinstance(o, StepOutcome) and not o.success]
    if canceled:
        emit(Event("RUN_CANCELED", time.time(), message=f'Run of job "{job.name}" was canceled.'))
        return RunOutcome(False, canceled=True, plan=plan)
    if failed:
        first = outcomes[failed[0]]
        emit(
            Event(
                "RUN_FAILURE",
                time.time(),
                error=first.error,
                message=f'Execution of run for "{job.name}" failed. Steps failed: {failed}.',
            )
        )
        return RunOutcome(False, exception=first.user_exception or WeirError(first.error.message), plan=plan)
    emit(Event("RUN_SUCCESS", time.time(), message=f'Finished run of job "{job.name}".'))
    return RunOutcome(True, plan=plan)


def _max_concurrent(job: Any) -> int:
    from sdk.executors import multiprocess_executor

    return (job.executor_def or multiprocess_executor).max_concurrent


def _multiprocess_problem(plan: ExecutionPlan, resource_defs: Mapping[str, Any]) -> str | None:
    for key in sorted(io_manager_keys(plan)):
        definition = resource_defs.get(key)
        if definition is not None and not getattr(definition, "persists_across_processes", True):
            return (
                f'The multiprocess executor runs each step in its own process, but IO manager "{key}" '
                f"({type(definition).__name__}) keeps values in memory. Use FilesystemIOManager or the "
                "in_process_executor."
            )
    return None


def _setup_all(state: RunState) -> BaseException | None:
    keys = set(io_manager_keys(state.plan))
    for key in state.plan.order:  # the steps this run executes
        step = state.plan.steps[key]
        keys |= step.op.required_resource_keys.union(*(h.required_resource_keys for h in step.hooks))
    for key in sorted(keys):
        if key not in state.resources.defs:
            return DagsterInvalidDefinitionError(
                f'A step needs resource "{key}", which is not provided; the resources are '
                f'{sorted(state.resources.defs)}. Add it: Definitions(resources={{"{key}": ...}}).'
            )
        try:
            state.resources.get(key)
        except WeirError as exc:
            return exc
    return None


def run_in_process(
    state: RunState, should_cancel: Callable[[], bool], output_capture: Any = None
) -> tuple[dict[str, Any], bool]:
    outcomes: dict[str, Any] = {}

    def run_step(key: str) -> None:
        step = state.plan.steps[key]
        reason = skip_reason(step, outcomes)
        if reason:
            state.event("STEP_SKIPPED", step_key=key, message=reason)
            outcomes[key] = "skipped"
            return
        step = resolve_collects(state, step, outcomes)
        with output_capture.step(key) if output_capture is not None else contextlib.nullcontext():
            outcomes[key] = execute_step(state, step)

    for key in state.plan.order:
        if should_cancel():
            return outcomes, True
        if state.plan.steps[key].mapped_root is None:
            run_step(key)
            continue
        reason = skip_template(state, key, outcomes)  # a template: one step per dynamic value
        if reason:
            state.event("STEP_SKIPPED", step_key=key, message=reason)
            outcomes[key] = "skipped"
        for expanded in expand(state, key, outcomes):
            if should_cancel():
                return outcomes, True
            run_step(expanded)
        settle(state, outcomes)
    return outcomes, False
