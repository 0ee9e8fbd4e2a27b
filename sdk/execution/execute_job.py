"""execute_job(): a run with the job's own executor against a DagsterInstance, outputs stored through IO
managers (the filesystem one under the instance's storage directory by default), and re-execution of
an earlier run of the instance (from failure, or a step selection) that loads what it does not execute
from the runs that produced it."""

from __future__ import annotations

import inspect
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sdk.errors import DagsterInvariantViolationError
from sdk.events import Event

PARENT_RUN_TAG = "dagster/parent_run_id"  # Dagster's tags of a re-execution
ROOT_RUN_TAG = "dagster/root_run_id"


class ReconstructableJob:
    """A job that can be found again by module and name (what `reconstructable()` returns)."""

    def __init__(
        self,
        module: str,
        attribute: str,
        target: Any,
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self.module = module
        self.attribute = attribute
        self._target = target
        self._args = tuple(args)
        self._kwargs = dict(kwargs or {})

    def get_definition(self) -> Any:
        """The JobDefinition: the target itself, or what the target function returns."""
        from sdk.jobs import JobDefinition

        target = self._target
        value = target if isinstance(target, JobDefinition) else target(*self._args, **self._kwargs)
        if not isinstance(value, JobDefinition):
            raise DagsterInvariantViolationError(
                f"reconstructable({self.module}.{self.attribute}) must give a JobDefinition, got "
                f"{type(value).__name__}: return a job (for example `graph.to_job()`) from the function."
            )
        return value

    def __repr__(self) -> str:
        return f"<ReconstructableJob {self.module}.{self.attribute}>"


def reconstructable(target: Any) -> ReconstructableJob:
    """Point at a job defined at module scope, or a module-scope function that returns a job, so that
    execute_job() can find it again."""
    from sdk.jobs import JobDefinition

    if isinstance(target, ReconstructableJob):
        return target
    if not isinstance(target, JobDefinition) and not callable(target):
        raise DagsterInvariantViolationError(
            f"reconstructable() takes a job or a function returning one, got {type(target).__name__}."
        )
    if isinstance(target, JobDefinition):
        for name, module in list(sys.modules.items()):
            if module is not None and any(v is target for v in list(vars(module).values())):
                attr = next(k for k, v in vars(module).items() if v is target)
                return ReconstructableJob(name, attr, target)
        raise DagsterInvariantViolationError(
            f'Reconstructable target job "{target.name}" was not found at module scope: define it at the top '
            "level of a module (a job built inside a function: pass that module-scope function instead)."
        )
    qualname = getattr(target, "__qualname__", "")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise DagsterInvariantViolationError(
            f"Reconstructable target {qualname} must be defined at module scope, not a lambda or a nested "
            "function: move it to the top level of its module."
        )
    found = inspect.getmodule(target)
    return ReconstructableJob(found.__name__ if found else "__main__", qualname, target)


def build_reconstructable_job(
    reconstructor_module_name: str,
    reconstructor_function_name: str,
    reconstructable_args: Sequence[Any] | None = None,
    reconstructable_kwargs: Mapping[str, Any] | None = None,
    reconstructor_working_directory: str | None = None,
) -> ReconstructableJob:
    """A reconstructable job from a function, by module and name, called with these arguments (a job
    built from parameters, e.g. a factory)."""
    import importlib

    if reconstructor_working_directory and reconstructor_working_directory not in sys.path:
        sys.path.insert(0, reconstructor_working_directory)
    try:
        module = importlib.import_module(reconstructor_module_name)
    except ImportError as exc:
        raise DagsterInvariantViolationError(
            f'build_reconstructable_job: cannot import module "{reconstructor_module_name}" ({exc}); pass '
            "reconstructor_working_directory= the directory it is found from."
        ) from exc
    function = getattr(module, reconstructor_function_name, None)
    if not callable(function):
        raise DagsterInvariantViolationError(
            f'build_reconstructable_job: module "{reconstructor_module_name}" has no function '
            f'"{reconstructor_function_name}".'
        )
    return ReconstructableJob(
        reconstructor_module_name,
        reconstructor_function_name,
        function,
        reconstructable_args or (),
        reconstructable_kwargs,
    )


class ReexecutionOptions(NamedTuple):
    """Which run to re-execute and which of its steps (empty: every step again)."""

    parent_run_id: str
    step_selection: Sequence[str] = ()

    @staticmethod
    def from_failure(run_id: str, instance: Any) -> ReexecutionOptions:
        """Re-execute the steps of a failed run that failed or did not run; the others' outputs load
        from the runs that produced them."""
        return _FromFailure(run_id)


class _FromFailure(ReexecutionOptions):
    """ReexecutionOptions.from_failure(): the steps are worked out from the parent's events."""


def execute_job(
    job: Any,
    instance: Any,
    run_config: Any = None,
    tags: Mapping[str, Any] | None = None,
    raise_on_error: bool = False,
    op_selection: Sequence[str] | None = None,
    reexecution_options: ReexecutionOptions | None = None,
    asset_selection: Sequence[Any] | None = None,
) -> JobExecutionResult:
    """Execute a job with its executor, recording the run and its events in `instance`. Open the
    result as a context manager to read outputs: `with execute_job(...) as result:`."""
    from sdk.execution.in_process import run_recorded
    from sdk.execution.run_instance import instance_for_run
    from sdk.instance import DagsterInstance
    from sdk.jobs import JobDefinition

    if isinstance(job, JobDefinition):
        raise DagsterInvariantViolationError(
            f"execute_job() takes a reconstructable job: pass reconstructable({job.name}) (a job defined at module "
            "scope), or use job.execute_in_process() to run it in this process."
        )
    if not isinstance(job, ReconstructableJob):
        raise DagsterInvariantViolationError(f"execute_job() takes reconstructable(job), got {type(job).__name__}.")
    if not isinstance(instance, DagsterInstance):
        raise DagsterInvariantViolationError(
            f"execute_job() takes instance=DagsterInstance (DagsterInstance.get(), or instance_for_test() in "
            f"tests), got {type(instance).__name__}."
        )
    if reexecution_options is not None and op_selection is not None:
        raise DagsterInvariantViolationError("re-execution and op selection cannot be used together at this time.")
    job_def = job.get_definition()
    if op_selection is not None:
        job_def = job_def.get_subset(op_selection=op_selection)
    if asset_selection is not None:
        job_def = _asset_subset(job_def, asset_selection)
    run_tags = {**job_def.run_tags, **{str(k): str(v) for k, v in (tags or {}).items()}}
    step_selection: list[str] = []
    output_runs: dict[str, str] = {}
    parent = root = None
    if reexecution_options is not None:
        parent_run = instance.get_run_by_id(reexecution_options.parent_run_id)
        if parent_run is None:
            raise DagsterInvariantViolationError(
                f"Run {reexecution_options.parent_run_id} is not in this instance: re-execute a run of the same "
                "DagsterInstance."
            )
        parent = parent_run.run_id
        root = parent_run.root_run_id or parent
        run_config = parent_run.run_config if run_config is None else run_config
        run_tags = {**{k: v for k, v in parent_run.tags.items() if k not in (PARENT_RUN_TAG, ROOT_RUN_TAG)}, **run_tags}
        run_tags.update({PARENT_RUN_TAG: parent, ROOT_RUN_TAG: root})
        step_selection, output_runs = _reexecution_plan(instance, parent_run, job_def, reexecution_options)
    run_id = str(uuid.uuid4())
    resource_defs = {"io_manager": _default_io_manager(instance), **job_def.resource_defs}
    instance = instance_for_run(instance, job_def.name, run_id, run_tags, run_config, None, parent, root)
    outcome, events = run_recorded(
        job_def,
        instance,
        run_id,
        resource_defs=resource_defs,
        run_config=run_config,
        tags=run_tags,
        partition_key=run_tags.get("dagster/partition"),
        asset_graph=job_def.asset_graph,
        step_selection=step_selection,
        output_runs=output_runs,
    )
    if raise_on_error and not outcome.success and outcome.exception is not None:
        raise outcome.exception
    return JobExecutionResult(job_def, instance, run_id, events, outcome.plan, resource_defs, run_config)


def _default_io_manager(instance: Any) -> Any:
    from sdk.resources import FilesystemIOManager

    return FilesystemIOManager(base_dir=instance.storage_directory())


def _asset_subset(job_def: Any, asset_selection: Sequence[Any]) -> Any:
    from sdk.jobs import build_asset_job
    from sdk.keys import to_asset_key

    keys = {to_asset_key(k) for k in asset_selection}
    if not job_def.is_asset_job or job_def.asset_graph is None:
        raise DagsterInvariantViolationError(
            f'Job "{job_def.name}" has no assets: asset_selection= subsets an asset job; use op_selection= for ops.'
        )
    unknown = sorted(k.to_user_string() for k in keys - set(job_def.asset_keys))
    if unknown:
        known = sorted(k.to_user_string() for k in job_def.asset_keys)
        raise DagsterInvariantViolationError(
            f'Job "{job_def.name}" has no asset {", ".join(unknown)}; its assets are {", ".join(known[:30])}.'
        )
    subset = build_asset_job(
        job_def.name,
        job_def.asset_graph,
        keys,
        resource_defs=job_def.resource_defs,
        executor_def=job_def.executor_def,
        config=job_def.config,
        tags=job_def.tags,
        partitions_def=job_def.partitions_def,
    )
    subset.asset_graph = job_def.asset_graph
    return subset


def _reexecution_plan(
    instance: Any, parent: Any, job_def: Any, options: ReexecutionOptions
) -> tuple[list[str], dict[str, str]]:
    """(steps to execute, step -> run whose outputs stand in) for a re-execution of `parent`."""
    chain = [parent]
    while chain[-1].parent_run_id and len(chain) < 1000:
        earlier = instance.get_run_by_id(chain[-1].parent_run_id)
        if earlier is None:
            break
        chain.append(earlier)
    outputs: dict[str, str] = {}  # step -> the latest run of the chain in which it succeeded
    for run in reversed(chain):
        for entry in instance.all_logs(run.run_id):
            if entry.step_key and entry.dagster_event_type is not None:
                kind = entry.dagster_event_type.value
                if kind == "STEP_START":
                    outputs.pop(entry.step_key, None)
                elif kind == "STEP_SUCCESS":
                    outputs[entry.step_key] = run.run_id
    if isinstance(options, _FromFailure):
        if not parent.is_failure:
            raise DagsterInvariantViolationError(
                f"Cannot reexecute from failure a run that is not failed: run {parent.run_id} is "
                f"{parent.status.value}. Re-execute it with ReexecutionOptions(parent_run_id, step_selection=[...])."
            )
        return [], outputs
    if not options.step_selection:
        return [], {}
    steps = _resolve_steps(job_def, options.step_selection)
    return steps, {k: v for k, v in outputs.items() if k not in steps}


def _resolve_steps(job_def: Any, selection: Sequence[str]) -> list[str]:
    """Step keys from Dagster's selection syntax ("op", "*op", "op+"), or plain step keys."""
    from sdk._op_selection import resolve_op_selection

    steps: list[str] = []
    for item in [selection] if isinstance(selection, str) else selection:
        if any(c in item for c in "*+"):
            nodes = resolve_op_selection(job_def, [item], check_inputs=False)
            steps.extend(sorted(nodes))
        else:
            steps.append(item)
    return list(dict.fromkeys(steps))


class JobExecutionResult:
    """What execute_job() reports: success, events and the run; outputs load through the job's IO
    managers while the result is open (`with execute_job(...) as result:`)."""

    def __init__(
        self,
        job_def: Any,
        instance: Any,
        run_id: str,
        events: list[Event],
        plan: Any,
        resource_defs: Mapping[str, Any],
        run_config: Any,
    ) -> None:
        from sdk.execution.result import ExecuteInProcessResult

        self._job_def = job_def
        self._instance = instance
        self._run_id = run_id
        self._plan = plan
        self._resource_defs = dict(resource_defs)
        self._run_config = run_config
        self._resources: Any = None
        self._events = ExecuteInProcessResult(
            run_id, job_def.name, any(e.type == "RUN_SUCCESS" for e in events), events, {}, plan, instance
        )

    @property
    def job_def(self) -> Any:
        return self._job_def

    @property
    def dagster_run(self) -> Any:
        return self._events.dagster_run

    @property
    def run_id(self) -> str:
        return self._run_id

    @property
    def success(self) -> bool:
        return self._events.success

    @property
    def all_events(self) -> list[Any]:
        return self._events.all_events

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name in ("output_value", "asset_value"):
            raise AttributeError(name)
        return getattr(self._events, name)  # events_for_node, is_node_success, get_step_failure_events, ...

    def __enter__(self) -> JobExecutionResult:
        from sdk.execution.resources import ResourceManager

        self._resources = ResourceManager(self._resource_defs, self._resource_configs(), self._run_id)
        return self

    def __exit__(self, *exc: object) -> None:
        resources, self._resources = self._resources, None
        if resources is not None:
            resources.teardown()

    def _resource_configs(self) -> Mapping[str, Any]:
        from sdk.execution.run_config import resolve_run_config
        from sdk.partitioned_config import job_config_for_run

        if self._plan is None:
            return {}
        config = job_config_for_run(self._job_def.config, None, self._job_def.name)
        try:
            resolved = resolve_run_config(
                self._plan, config, self._run_config, set(self._resource_defs), self._job_def.graph
            )
        except Exception:  # the run failed on its config: no output to read anyway
            return {}
        return resolved.resource_configs

    def output_for_node(self, node_str: str, output_name: str = "result") -> Any:
        """The value of a node's output ("outer_graph.inner_op" for nested ones), loaded with its IO manager."""
        from sdk.graphs import node_output_step

        if self._resources is None:
            raise DagsterInvariantViolationError(
                "In order to access output objects, the result of `execute_job` must be opened as a context "
                "manager: 'with execute_job(...) as result:"
            )
        plan = self._plan
        if plan is None:
            raise DagsterInvariantViolationError(f"Run {self._run_id} failed before it planned any step.")
        step_key, output_name = node_output_step(self._job_def.graph, node_str, output_name)
        succeeded = [e.step_key for e in self._events.all_events if e.is_step_success and e.step_key]
        mapped = [k for k in succeeded if k.startswith(f"{step_key}[") and k.endswith("]")]
        if mapped:  # an op mapped over a dynamic output: its values by mapping key
            return {k[len(step_key) + 1 : -1]: self._load(k, output_name) for k in mapped}
        if step_key not in plan.steps or not self._produced(step_key):
            raise DagsterInvariantViolationError(f'Did not find result {output_name} in node "{node_str}".')
        return self._load(step_key, output_name)

    def output_value(self, output_name: str = "result") -> Any:
        """An output of the job's graph."""
        return self.output_for_node_graph_output(output_name)

    def output_for_node_graph_output(self, output_name: str) -> Any:
        graph = self._job_def.graph
        if output_name not in graph.output_mappings:
            raise DagsterInvariantViolationError(
                f'Job "{self._job_def.name}" has no output "{output_name}"; its outputs are {graph.output_names}.'
            )
        _op, output, path = graph.leaf_output(output_name)
        return self.output_for_node(".".join(path), output)

    def _produced(self, step_key: str) -> bool:
        if step_key in self._plan.reused:
            return True
        return any(e.step_key == step_key and e.is_step_success for e in self._events.all_events)

    def _load(self, step_key: str, output_name: str) -> Any:
        from sdk.io_managers import InputContext, OutputContext

        step = self._plan.steps.get(step_key) or self._plan.steps[step_key.split("[", 1)[0]]
        out_def = step.op.output_defs.get(output_name)
        if out_def is None:
            raise DagsterInvariantViolationError(
                f'Did not find result {output_name} in node "{step_key}"; its outputs are {list(step.op.output_defs)}.'
            )
        asset_key = step.asset_key_for_output(output_name)
        io_key = step.owner.io_manager_key_for(asset_key) if asset_key is not None else out_def.io_manager_key
        run_id = self._plan.reused.get(step_key, self._run_id)
        upstream = OutputContext(
            output_name, step_key, run_id, asset_key, dict(out_def.metadata), dagster_type=out_def.dagster_type
        )
        context = InputContext("dummy_input_name", step_key, upstream, asset_key, dagster_type=out_def.dagster_type)
        return self._resources.get(io_key).load_input(context)

    def __repr__(self) -> str:
        return f"<JobExecutionResult {self._job_def.name} success={self.success}>"
