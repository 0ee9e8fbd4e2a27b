"""Executing one step: load inputs, call the user's function inside the error boundary, store outputs.

Every call into user code (compute function, IO manager, type check) runs inside `_boundary`, which
turns user exceptions into StepFailure carrying ErrorInfo.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sdk.checks import AssetCheckResult, AssetCheckSeverity
from sdk.context import AssetCheckExecutionContext, AssetExecutionContext, OpExecutionContext, RunLogger
from sdk.dynamic import DynamicOutput
from sdk.errors import Failure, RetryRequested, WeirError
from sdk.events import ErrorInfo, Event
from sdk.execution.outputs import normalize_results
from sdk.execution.partitioned import load_partitions, output_keys, partitions_def_of, upstream_keys, values_by_key
from sdk.execution.plan import AssetSource, ExecutionPlan, Step, StepOutputSource, ValueSource
from sdk.io_managers import InputContext, OutputContext
from sdk.keys import AssetKey
from sdk.metadata import normalize_metadata
from sdk.ops import NoValue
from sdk.outputs import AssetMaterialization, AssetObservation, ExpectationResult, MaterializeResult, Output
from sdk.types import DagsterType, check_value


class StepFailure(Exception):
    """A step failed; carries the error as data and whether a retry may help."""

    def __init__(
        self,
        message: str,
        error: ErrorInfo | None = None,
        retryable: bool = True,
        user_exception: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error = error or ErrorInfo("StepFailure", message, "")
        self.retryable = retryable
        self.user_exception = user_exception


@dataclass
class RunState:
    """What every step of a run shares."""

    run_id: str
    job: Any
    plan: ExecutionPlan
    tags: dict[str, str]
    partition_key: str | None
    emit: Callable[[Event], None]
    op_configs: dict[str, Any]
    resources: Any  # ResourceManager
    captured: dict[tuple[str, str], Any] | None = None  # in-process results keep output values
    partition_key_range: Any = None  # PartitionKeyRange | None: what the run covers
    asset_graph: Any = None  # finds upstream assets' partitions
    instance: Any = None  # context.instance: the DagsterInstance in-process, a stand-in under the host
    step_values: dict[str, dict[str, Any]] = field(default_factory=dict)  # outputs hooks read, by step
    dynamic_keys: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # step -> output -> mapping keys
    expansions: dict[str, list[str]] = field(default_factory=dict)  # template step -> its "step[key]" steps
    input_configs: dict[str, dict[str, Any]] = field(default_factory=dict)  # unconnected inputs from run config

    def event(self, type_: str, **fields: Any) -> None:
        self.emit(Event(type_, time.time(), **fields))


@dataclass
class StepOutcome:
    success: bool
    outputs: set[str] = field(default_factory=set)
    error: ErrorInfo | None = None
    user_exception: BaseException | None = None
    mapping_keys: dict[str, list[str]] = field(default_factory=dict)  # dynamic output -> keys, in yield order


def _boundary(what: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except (StepFailure, RetryRequested):
        raise
    except Failure as exc:
        raise StepFailure(
            exc.description or f"{what} failed", ErrorInfo.from_exception(exc), exc.allow_retries, exc
        ) from exc
    except Exception as exc:
        raise StepFailure(f"{what}: {type(exc).__name__}: {exc}", ErrorInfo.from_exception(exc), True, exc) from exc


def execute_step(state: RunState, step: Step) -> StepOutcome:
    """Run a step with its retry policy, then its hooks; emits STEP_START ... STEP_SUCCESS / STEP_FAILURE."""
    outcome = _execute_with_retries(state, step)
    if step.hooks:
        from sdk.execution.hooks import run_hooks

        run_hooks(state, step, outcome)
    return outcome


def _execute_with_retries(state: RunState, step: Step) -> StepOutcome:
    state.event("STEP_START", step_key=step.key, message=f'Started execution of step "{step.key}".')
    started = time.time()
    attempt = 0
    exc: BaseException
    while True:
        state.dynamic_keys.pop(step.key, None)  # a retry yields its dynamic outputs afresh
        try:
            outputs = _attempt(state, step, attempt)
        except RetryRequested as req:
            exc, retries, wait = req, req.max_retries, req.seconds_to_wait
            failure = StepFailure(f"Step {step.key} requested a retry.", ErrorInfo.from_exception(req))
        except StepFailure as fail:
            exc, failure = fail, fail
            policy = step.retry_policy
            retries = policy.max_retries if policy is not None and fail.retryable else 0
            wait = policy.delay_for_attempt(attempt + 1) if policy is not None else 0.0
        else:
            duration = time.time() - started
            state.event(
                "STEP_SUCCESS",
                step_key=step.key,
                duration_seconds=duration,
                message=f'Finished execution of step "{step.key}" in {duration * 1000:.1f}ms.',
            )
            return StepOutcome(True, outputs, mapping_keys=state.dynamic_keys.pop(step.key, {}))
        if attempt < retries:
            attempt += 1
            state.event(
                "STEP_UP_FOR_RETRY",
                step_key=step.key,
                error=failure.error,
                message=f'Step "{step.key}" failed and will retry (attempt {attempt} of {retries}) '
                f"in {wait:.2f}s: {failure.message}",
            )
            if wait > 0:
                time.sleep(wait)
            state.event(
                "STEP_RESTARTED",
                step_key=step.key,
                message=f'Started re-execution (attempt # {attempt + 1}) of step "{step.key}".',
            )
            continue
        duration = time.time() - started
        state.event(
            "STEP_FAILURE",
            step_key=step.key,
            error=failure.error,
            duration_seconds=duration,
            message=f'Execution of step "{step.key}" failed: {failure.message}',
        )
        return StepOutcome(False, error=failure.error, user_exception=getattr(exc, "user_exception", None))


def _context(state: RunState, step: Step, attempt: int) -> OpExecutionContext:
    def log(level: str, msg: str) -> None:
        state.event("LOG", step_key=step.key, level=level, message=msg)

    cls = (
        AssetCheckExecutionContext
        if step.is_check
        else AssetExecutionContext
        if step.owner is not None
        else OpExecutionContext
    )
    config = state.op_configs.get(step.key)
    op_config = config.model_dump() if config is not None and hasattr(config, "model_dump") else config
    try:
        resources = state.resources.namespace(step.op.required_resource_keys)
    except WeirError as exc:
        raise StepFailure(str(exc), ErrorInfo.from_exception(exc), retryable=False) from exc
    selected = None
    if step.owner is not None and not step.is_check:
        selected = step.owner.selected_keys or frozenset(step.owner.keys)
    context = cls(
        run_id=state.run_id,
        job_name=state.job.name,
        step_key=step.key,
        op_name=step.op.name,
        op_config=op_config,
        resources=resources,
        partition_key=state.partition_key,
        tags=state.tags,
        log=RunLogger(log),
        assets_def=None if step.is_check else step.owner,
        selected_asset_keys=selected,
        check_specs=step.owner.check_specs if step.owner is not None else (),
        retry_number=attempt,
        partition_key_range=state.partition_key_range,
        partitions_def=partitions_def_of(step.owner, state.job),
        instance=state.instance,
    )
    context._event_sink = functools.partial(_user_event, state, step)
    context.op_def, context.job_def = step.op, state.job
    return context


def _attempt(state: RunState, step: Step, attempt: int) -> set[str]:
    context = _context(state, step, attempt)
    context.mapping_key = step.mapping_key
    kwargs = _load_inputs(state, step)
    sig = step.op.signature
    if sig.context_param:
        kwargs[sig.context_param] = context
    if sig.config_param:
        kwargs[sig.config_param] = state.op_configs.get(step.key)
    for param in sig.resource_params:
        kwargs[param] = getattr(context.resources, param)
    from sdk.execution.loggers import dagster_logger_to

    with dagster_logger_to(context.log):
        result = _boundary(f'Error in "{step.op.name}"', lambda: _call(step, kwargs))
    return _handle_results(state, step, context, result)


def _call(step: Step, kwargs: dict[str, Any]) -> Any:
    result = step.op.compute_fn(**kwargs)
    return list(result) if step.op.signature.is_generator else result


def _input_from_config(state: RunState, step: Step, inp: Any, checked_value: Any) -> Any:
    from sdk.type_loaders import DagsterTypeLoaderContext, value_from_config

    context = DagsterTypeLoaderContext(run_id=state.run_id)
    value = _boundary(
        f'Error loading input "{inp.name}" of "{step.key}" from config',
        lambda: value_from_config(inp.input_def.dagster_type, checked_value, context),
    )
    message = check_value(inp.input_def.dagster_type, value, f'input "{inp.name}" of step "{step.key}" (from config)')
    if message:
        raise StepFailure(message, ErrorInfo("DagsterTypeCheckDidNotPass", message, ""), retryable=False)
    return value


def _load_inputs(state: RunState, step: Step) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for inp in step.inputs:
        if inp.input_def.is_nothing:
            continue
        if not inp.sources:
            if inp.is_list:  # a collect() over a dynamic output that yielded nothing
                values[inp.name] = []
                continue
            given = state.input_configs.get(step.key, {})
            if inp.name in given:  # run config: ops.<op>.inputs.<name>
                values[inp.name] = _input_from_config(state, step, inp, given[inp.name])
                continue
            if inp.input_def.input_manager_key:  # a root input: its input manager provides it
                values[inp.name] = _load_root(state, step, inp)
                continue
            if inp.input_def.default_value is not NoValue:
                values[inp.name] = inp.input_def.default_value
                continue
            raise StepFailure(
                f'Input "{inp.name}" of "{step.key}" has no upstream output and no default value.', retryable=False
            )
        loaded = [_load_one(state, step, inp, source) for source in inp.sources]
        value = loaded if inp.is_list else loaded[0]
        message = check_value(inp.input_def.dagster_type, value, f'input "{inp.name}" of step "{step.key}"')
        if message:
            raise StepFailure(message, ErrorInfo("DagsterTypeCheckDidNotPass", message, ""), retryable=False)
        values[inp.name] = value
    return values


def _load_root(state: RunState, step: Step, inp: Any) -> Any:
    key = inp.input_def.input_manager_key
    manager = _resource(state, key, f'input manager "{key}"')
    ctx = InputContext(
        inp.name, step.key, None, None, dict(inp.input_def.metadata), state.partition_key, inp.input_def.dagster_type
    )
    return _boundary(
        f'Error loading input "{inp.name}" of "{step.key}" with input manager "{key}"', lambda: manager.load_input(ctx)
    )


def _load_one(state: RunState, step: Step, inp: Any, source: Any) -> Any:
    run_id = state.run_id
    if isinstance(source, ValueSource):
        return source.value
    if isinstance(source, StepOutputSource) and source.mapping_key is not None:
        return _load_mapped(state, step, inp, source)
    if isinstance(source, StepOutputSource):
        run_id = _producing_run(state, step, inp, source)
        up = state.plan.steps[source.step_key]
        out_def = up.op.output_defs[source.output_name]
        asset_key = up.asset_key_for_output(source.output_name)
        io_key = inp.input_def.input_manager_key or (
            up.owner.io_manager_key_for(asset_key) if asset_key is not None else out_def.io_manager_key
        )
        keys = _input_keys(state, step, inp, asset_key, up)
        output: tuple[str, str, dict[str, Any], DagsterType | None] = (
            source.output_name,
            source.step_key,
            dict(out_def.metadata),
            out_def.dagster_type,
        )
    else:
        assert isinstance(source, AssetSource)
        io_key, asset_key = inp.input_def.input_manager_key or source.io_manager_key, source.asset_key
        keys = _input_keys(state, step, inp, asset_key, None)
        output = ("result", "", {}, None)
    manager = _resource(state, io_key, f'IO manager "{io_key}"')

    def load(partition_key: str | None) -> Any:
        upstream = OutputContext(output[0], output[1], run_id, asset_key, output[2], partition_key, output[3])
        ctx = InputContext(
            inp.name,
            step.key,
            upstream,
            asset_key,
            dict(inp.input_def.metadata),
            state.partition_key,
            inp.input_def.dagster_type,
            asset_partition_keys=keys,
        )
        return _boundary(
            f'Error loading input "{inp.name}" of "{step.key}" with IO manager "{io_key}"',
            lambda: manager.load_input(ctx),
        )

    return load_partitions(keys, load)


def _load_mapped(state: RunState, step: Step, inp: Any, source: StepOutputSource) -> Any:
    """One value of a dynamic output, through the IO manager of that output."""
    up = state.plan.steps[source.step_key]
    out_def = up.op.output_defs[source.output_name]
    manager = _resource(state, out_def.io_manager_key, f'IO manager "{out_def.io_manager_key}"')
    upstream = OutputContext(
        source.output_name,
        source.step_key,
        _producing_run(state, step, inp, source),
        None,
        dict(out_def.metadata),
        dagster_type=out_def.dagster_type,
        mapping_key=source.mapping_key,
    )
    ctx = InputContext(inp.name, step.key, upstream, None, dict(inp.input_def.metadata), state.partition_key)
    return _boundary(
        f'Error loading input "{inp.name}" of "{step.key}" with IO manager "{out_def.io_manager_key}"',
        lambda: manager.load_input(ctx),
    )


def _producing_run(state: RunState, step: Step, inp: Any, source: StepOutputSource) -> str:
    """This run, or for a step a re-execution does not execute, the earlier run that produced its output."""
    if source.step_key in state.plan.reused:
        return state.plan.reused[source.step_key]
    if source.step_key in state.plan.order or (source.step_key in state.plan.steps and "[" in source.step_key):
        return state.run_id  # a step of this run (or an expansion "step[key]" of one)
    message = (
        f'Input "{inp.name}" of "{step.key}" comes from step "{source.step_key}", which this re-execution '
        "does not execute and no earlier run produced: select that step too."
    )
    raise StepFailure(message, retryable=False)


def _input_keys(state: RunState, step: Step, inp: Any, asset_key: AssetKey | None, up: Step | None) -> list[str] | None:
    """The upstream partitions an input reads; a mapping that cannot answer fails the step (no retry)."""
    try:
        return upstream_keys(state, step.owner, asset_key) if asset_key is not None else output_keys(state, up)
    except ValueError as exc:
        message = f'Input "{inp.name}" of "{step.key}": {exc}'
        raise StepFailure(message, ErrorInfo.from_exception(exc), retryable=False) from exc


def _resource(state: RunState, key: str, what: str) -> Any:
    try:
        return state.resources.get(key)
    except WeirError as exc:
        raise StepFailure(str(exc), ErrorInfo.from_exception(exc), retryable=False) from exc


def _handle_results(state: RunState, step: Step, context: OpExecutionContext, result: Any) -> set[str]:
    items = normalize_results(step, result)
    produced: set[str] = set()
    evaluated: set[tuple[AssetKey, str]] = set()
    blocking_failures: list[str] = []
    for item in items:
        if isinstance(item, DynamicOutput):
            _dynamic_output(state, step, context, item)
            produced.add(item.output_name)
        elif isinstance(item, Output):
            _store_output(state, step, context, item.output_name, item.value, item.metadata)
            produced.add(item.output_name)
        elif isinstance(item, MaterializeResult):
            name = _output_for_result(step, item.asset_key)
            meta = {**item.metadata, **normalize_metadata(context.added_metadata.get(name, {}))}
            if item.value is not None:
                _store_output(state, step, context, name, item.value, meta)
            else:
                _materialized(state, step, step.owner.specs_by_output[name].key, name, meta)
            produced.add(name)
            items.extend(item.check_results)
        elif isinstance(item, AssetCheckResult):
            spec = _check_spec_for(step, item)
            evaluated.add((spec.asset_key, spec.name))
            state.event(
                "ASSET_CHECK_EVALUATION",
                step_key=step.key,
                asset_key=spec.asset_key.path,
                check_name=spec.name,
                check_passed=item.passed,
                check_severity=item.severity.value,
                metadata=dict(item.metadata),
                partition_key=state.partition_key or "",
                message=item.description or "",
            )
            if spec.blocking and not item.passed and item.severity is AssetCheckSeverity.ERROR:
                blocking_failures.append(f'"{spec.name}" on {spec.asset_key.to_user_string()}')
        elif isinstance(item, (AssetMaterialization, AssetObservation, ExpectationResult)):
            _user_event(state, step, item)
    produced |= {name for name, out in step.op.output_defs.items() if out.is_dynamic}  # zero values is fine
    if getattr(step.owner, "is_observable", False):  # observed, not stored: assets downstream still run
        produced |= set(step.op.output_defs)
    _check_completeness(step, context, produced, evaluated)
    if blocking_failures:
        message = f"Blocking check {', '.join(blocking_failures)} failed; downstream assets will not run."
        raise StepFailure(message, ErrorInfo("DagsterAssetCheckFailedError", message, ""), retryable=False)
    return produced


def _user_event(state: RunState, step: Step, item: Any) -> None:
    """A materialization, observation or expectation result the function yielded or logged with log_event."""
    if isinstance(item, ExpectationResult):
        state.event(
            "STEP_EXPECTATION_RESULT",
            step_key=step.key,
            check_name=item.label or "",
            check_passed=item.success,
            metadata=dict(item.metadata),
            message=item.description or item.default_message(),
        )
        return
    state.event(
        "ASSET_OBSERVATION" if isinstance(item, AssetObservation) else "ASSET_MATERIALIZATION",
        step_key=step.key,
        asset_key=item.asset_key.path,
        metadata=dict(item.metadata),
        partition_key=item.partition or state.partition_key or "",
        message=item.description or "",
    )


def _dynamic_output(state: RunState, step: Step, context: OpExecutionContext, item: DynamicOutput) -> None:
    out_def = step.op.output_defs.get(item.output_name)
    if out_def is None or not out_def.is_dynamic:
        raise StepFailure(
            f'"{step.op.name}" yielded a DynamicOutput for "{item.output_name}", which is not a DynamicOut; '
            f"declare it: out={{'{item.output_name}': DynamicOut()}}.",
            retryable=False,
        )
    keys = state.dynamic_keys.setdefault(step.key, {}).setdefault(item.output_name, [])
    if item.mapping_key in keys:
        raise StepFailure(
            f'"{step.op.name}" yielded mapping key "{item.mapping_key}" twice for output "{item.output_name}"; '
            "each value needs its own key.",
            retryable=False,
        )
    keys.append(item.mapping_key)
    _store_output(state, step, context, item.output_name, item.value, item.metadata, item.mapping_key)


def _output_for_result(step: Step, asset_key: AssetKey | None) -> str:
    owner = step.owner
    if owner is None or step.is_check:
        raise StepFailure(f'Op "{step.op.name}" returned a MaterializeResult; only assets can.', retryable=False)
    if asset_key is None:
        selected = sorted(owner.selected_keys or owner.keys)
        if len(selected) != 1:
            raise StepFailure(
                f'"{step.op.name}" computes several assets; set MaterializeResult(asset_key=...).', retryable=False
            )
        asset_key = selected[0]
    if asset_key not in owner.output_by_key:
        raise StepFailure(
            f'"{step.op.name}" returned a MaterializeResult for {asset_key.to_user_string()}, '
            "which it does not define.",
            retryable=False,
        )
    return owner.output_by_key[asset_key]


def _check_spec_for(step: Step, result: AssetCheckResult) -> Any:
    specs = list(step.owner.check_specs) if step.owner is not None else []
    matches = [
        s
        for s in specs
        if (result.check_name in (None, s.name)) and (result.asset_key is None or result.asset_key == s.asset_key)
    ]
    if len(matches) != 1:
        names = [f"{s.asset_key.to_user_string()}:{s.name}" for s in specs]
        raise StepFailure(
            f'"{step.op.name}" returned an AssetCheckResult (check_name={result.check_name!r}) that '
            f"matches {len(matches)} of its checks {names}; set check_name= and asset_key=.",
            retryable=False,
        )
    return matches[0]


def _check_completeness(
    step: Step, context: OpExecutionContext, produced: set[str], evaluated: set[tuple[AssetKey, str]]
) -> None:
    if step.is_check:
        missing_checks = [s.name for s in step.owner.check_specs if (s.asset_key, s.name) not in evaluated]
    else:
        missing_checks = [
            s.name
            for s in (step.owner.check_specs if step.owner is not None else ())
            if (s.asset_key, s.name) not in evaluated and s.asset_key in context.selected_asset_keys
        ]
        wanted = context.selected_output_names if step.owner is not None else set(step.op.output_defs)
        missing = [o for o in wanted if o not in produced and step.op.output_defs[o].is_required]
        if missing:
            raise StepFailure(
                f'"{step.op.name}" did not produce required output(s) {sorted(missing)}; return or '
                "yield a value (or MaterializeResult) for each.",
                retryable=False,
            )
    if missing_checks:
        raise StepFailure(
            f'"{step.op.name}" did not return a result for check(s) {sorted(missing_checks)}; return '
            "an AssetCheckResult for each declared check.",
            retryable=False,
        )


def _store_output(
    state: RunState,
    step: Step,
    context: OpExecutionContext,
    name: str,
    value: Any,
    metadata: dict[str, Any],
    mapping_key: str | None = None,
) -> None:
    out_def = step.op.output_defs.get(name)
    if out_def is None:
        raise StepFailure(
            f'"{step.op.name}" has no output named "{name}"; its outputs are {list(step.op.output_defs)}.',
            retryable=False,
        )
    if not out_def.dagster_type.is_nothing:
        message = check_value(out_def.dagster_type, value, f'output "{name}" of step "{step.key}"')
        if message:
            raise StepFailure(message, ErrorInfo("DagsterTypeCheckDidNotPass", message, ""), retryable=False)
    asset_key = step.asset_key_for_output(name)
    if not (out_def.dagster_type.is_nothing and value is None):
        io_key = step.owner.io_manager_key_for(asset_key) if asset_key is not None else out_def.io_manager_key
        manager = _resource(state, io_key, f'IO manager "{io_key}"')
        spec_meta = dict(step.owner.spec_for(asset_key).metadata) if asset_key is not None else {}
        for partition_key, part in values_by_key(output_keys(state, step), value):
            ctx = OutputContext(
                name,
                step.key,
                state.run_id,
                asset_key,
                {**spec_meta, **out_def.metadata},
                partition_key,
                out_def.dagster_type,
                context.resources,
                mapping_key=mapping_key,
            )
            _boundary(
                f'Error storing output "{name}" of "{step.key}" with IO manager "{io_key}"',
                functools.partial(manager.handle_output, ctx, part),
            )
            metadata = {**normalize_metadata(ctx._added_metadata), **metadata}
        if mapping_key is not None:  # a dynamic output's values, by mapping key (Dagster's output_for_node)
            if state.captured is not None:
                state.captured.setdefault((step.key, name), {})[mapping_key] = value
            if step.hooks:
                state.step_values.setdefault(step.key, {}).setdefault(name, {})[mapping_key] = value
        else:
            if state.captured is not None:
                state.captured[(step.key, name)] = value
            if step.hooks:
                state.step_values.setdefault(step.key, {})[name] = value
    metadata = {**metadata, **normalize_metadata(context.added_metadata.get(name, {}))}
    metadata.update(normalize_metadata(context.added_metadata.get(None, {})) if len(step.op.output_defs) == 1 else {})
    keyed = f' (mapping key "{mapping_key}")' if mapping_key is not None else ""
    state.event("STEP_OUTPUT", step_key=step.key, output_name=name, message=f'Yielded output "{name}"{keyed}.')
    if asset_key is not None:
        _materialized(state, step, asset_key, name, metadata)


def _materialized(state: RunState, step: Step, key: AssetKey, output_name: str, metadata: dict) -> None:
    """One materialization per partition the step stored (one for an unpartitioned asset)."""
    for partition_key in output_keys(state, step) or [""]:
        state.event(
            "ASSET_MATERIALIZATION",
            step_key=step.key,
            asset_key=key.path,
            output_name=output_name,
            metadata=metadata,
            partition_key=partition_key,
            message=f"Materialized {key.to_user_string()}.",
        )


def skip_reason(step: Step, outcomes: dict[str, Any]) -> str | None:
    """Why a step cannot run: an upstream step failed or was skipped, or an output it needs is missing."""
    for up in sorted(step.upstream):
        outcome = outcomes.get(up)
        if not isinstance(outcome, StepOutcome) or not outcome.success:
            return f'Skipped "{step.key}": upstream step "{up}" did not succeed.'
    for inp in step.inputs:
        for src in inp.sources:
            if not isinstance(src, StepOutputSource):
                continue
            produced = outcomes.get(src.step_key)  # None: a step a re-execution does not execute
            if produced is not None and src.output_name not in produced.outputs:
                return f'Skipped "{step.key}": upstream output "{src.step_key}.{src.output_name}" was not produced.'
    return None
