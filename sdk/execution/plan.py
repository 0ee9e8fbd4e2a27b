"""The execution plan: a job's graph flattened into steps (one per op invocation) in dependency order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sdk._composition import (
    AssetInputHandle,
    CollectedHandle,
    DynamicOutputHandle,
    GraphInputHandle,
    OutputHandle,
)
from sdk.errors import DagsterExecutionStepNotFoundError, DagsterInvalidDefinitionError
from sdk.graphs import GraphDefinition
from sdk.keys import AssetKey
from sdk.ops import InputDef, OpDefinition


@dataclass(frozen=True)
class StepOutputSource:
    step_key: str
    output_name: str
    mapping_key: str | None = None  # one value of a dynamic output


@dataclass(frozen=True)
class MappedSource(StepOutputSource):
    """An input of a step mapped over a dynamic output: each expansion "step[key]" reads its own value."""


@dataclass(frozen=True)
class CollectSource(StepOutputSource):
    """A fan-in input over a dynamic output or a mapped step: the list of every value, in yield order."""


@dataclass(frozen=True)
class AssetSource:
    """An input read from an asset materialized by an earlier run."""

    asset_key: AssetKey
    io_manager_key: str


@dataclass(frozen=True)
class ValueSource:
    """An input given as a Python value: a job's input_values for its graph's inputs."""

    value: Any


@dataclass
class StepInput:
    name: str
    input_def: InputDef
    sources: list[Any]  # StepOutputSource | AssetSource; several for a fan-in input
    is_list: bool = False
    asset_key: AssetKey | None = None


@dataclass
class Step:
    """One op invocation of the run."""

    key: str
    op: OpDefinition
    inputs: list[StepInput]
    owner: Any = None  # AssetsDefinition | AssetChecksDefinition | None
    config_path: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    retry_policy: Any = None
    upstream: set[str] = field(default_factory=set)
    hooks: tuple[Any, ...] = ()  # HookDefinitions run after the step succeeds or fails
    mapped_root: tuple[str, str] | None = None  # a template: expands per value of this (step, dynamic output)
    mapping_key: str | None = None  # an expansion "step[key]" of a template

    @property
    def is_check(self) -> bool:
        return self.owner is not None and not hasattr(self.owner, "specs_by_output")

    def asset_key_for_output(self, output_name: str) -> AssetKey | None:
        if self.owner is None or self.is_check:
            return None
        spec = self.owner.specs_by_output.get(output_name)
        return spec.key if spec is not None else None


@dataclass
class ExecutionPlan:
    steps: dict[str, Step]
    order: list[str]  # the steps this run executes, in dependency order
    reused: dict[str, str] = field(default_factory=dict)  # step not executed -> the run whose outputs stand in

    def step_for_output(self, key: AssetKey) -> Step | None:
        for step in self.steps.values():
            if step.owner is not None and not step.is_check and key in step.owner.output_by_key:
                return step
        return None


def build_plan(job: Any, asset_graph: Any = None) -> ExecutionPlan:
    """Flatten job.graph (nested graphs become "outer.inner" step keys) and order the steps."""
    steps: dict[str, Step] = {}
    top_inputs = {name: [ValueSource(value)] for name, value in getattr(job, "input_values", {}).items()}
    _flatten(job, job.graph, "", top_inputs, steps, ("ops",), asset_graph, tuple(getattr(job, "hook_defs", ())))
    for node, extra in job.extra_deps.items():
        if node in steps:
            steps[node].upstream |= {e for e in extra if e in steps}
    _wait_for_blocking_checks(steps)
    order = _toposort(steps)
    if any(isinstance(s, MappedSource) for step in steps.values() for i in step.inputs for s in i.sources):
        _mark_templates(steps, order)
    return ExecutionPlan(steps, order)


def _wait_for_blocking_checks(steps: dict[str, Step]) -> None:
    """A step reading an asset of a graph-backed asset also waits for that asset's blocking checks, which
    other ops of the graph evaluate: when one fails, the reader is skipped (as after a plain asset's)."""
    blocking: dict[AssetKey, set[str]] = {}
    for key, step in steps.items():
        if step.owner is not None and getattr(step.owner, "is_graph_leaf", False):
            for spec in step.owner.check_specs:
                if spec.blocking:
                    blocking.setdefault(spec.asset_key, set()).add(key)
    if not blocking:
        return
    for step in steps.values():
        for source in (s for i in step.inputs for s in i.sources if isinstance(s, StepOutputSource)):
            up = steps.get(source.step_key)
            asset_key = up.asset_key_for_output(source.output_name) if up is not None else None
            step.upstream |= blocking.get(asset_key, set()) - {step.key} if asset_key is not None else set()


def _mark_templates(steps: dict[str, Step], order: list[str]) -> None:
    """A step reading a mapped input is a template over the dynamic output its values come from."""
    for key in order:
        step = steps[key]
        roots = {
            steps[s.step_key].mapped_root or (s.step_key, s.output_name)
            for i in step.inputs
            for s in i.sources
            if isinstance(s, MappedSource)
        }
        if len(roots) > 1:
            raise DagsterInvalidDefinitionError(f'Step "{key}" is mapped over two dynamic outputs; map over one.')
        if roots:
            step.mapped_root = roots.pop()


def select_steps(plan: ExecutionPlan, step_selection: Sequence[str], output_runs: Mapping[str, str]) -> ExecutionPlan:
    """The plan of a re-execution: only `step_selection` (empty: every step without an entry in
    `output_runs`) executes; the others' outputs are loaded from the run `output_runs` names."""
    unknown = sorted(set(step_selection) - set(plan.steps))
    if unknown:
        raise DagsterExecutionStepNotFoundError(
            f"The job has no step {', '.join(unknown)}; its steps are {', '.join(sorted(plan.steps)[:30])}."
        )
    chosen = set(step_selection) or {k for k in plan.steps if k not in output_runs} or set(plan.steps)
    steps = {k: replace(s, upstream=s.upstream & chosen) if k in chosen else s for k, s in plan.steps.items()}
    reused = {k: output_runs[k] for k in plan.steps if k not in chosen and k in output_runs}
    return ExecutionPlan(steps, [k for k in plan.order if k in chosen], reused)


def _flatten(
    job: Any,
    graph: GraphDefinition,
    prefix: str,
    graph_inputs: dict[str, list[Any]],
    steps: dict[str, Step],
    config_path: tuple[str, ...],
    asset_graph: Any,
    hooks: tuple[Any, ...] = (),
    asset_leaves: dict[str, Any] | None = None,
) -> None:
    for node in graph.nodes.values():
        node_hooks = (*hooks, *(h for h in node.hooks if h not in hooks))
        key = f"{prefix}{node.name}"
        resolved = {
            name: _resolve_sources(job, graph, prefix, src, graph_inputs, asset_graph)
            for name, src in node.inputs.items()
        }
        if isinstance(node.definition, GraphDefinition):
            inner_inputs = {name: resolved.get(name, []) for name in node.definition.input_names}
            graph_owner = job.asset_nodes.get(node.name) if not prefix else None
            leaves = _asset_leaves(key, graph_owner) if graph_owner is not None else asset_leaves
            _flatten(
                job,
                node.definition,
                f"{key}.",
                inner_inputs,
                steps,
                (*config_path, node.name, "ops"),
                asset_graph,
                node_hooks,
                leaves,
            )
            continue
        op_def: OpDefinition = node.definition
        owner = job.asset_nodes.get(node.name) if not prefix else (asset_leaves or {}).get(key)
        inputs = []
        for name, input_def in op_def.input_defs.items():
            sources = resolved.get(name, [])
            asset_key = owner.keys_by_input.get(name) if owner is not None else None
            is_list = isinstance(node.inputs.get(name), (list, CollectedHandle))  # fan-in: several values, or collect()
            inputs.append(StepInput(name, input_def, sources, is_list, asset_key))
        step = Step(
            key,
            op_def,
            inputs,
            owner,
            (*config_path, node.name),
            {**op_def.tags, **node.tags},
            node.retry_policy or op_def.retry_policy or job.op_retry_policy,
            hooks=node_hooks,
        )
        step.upstream = {s.step_key for i in inputs for s in i.sources if isinstance(s, StepOutputSource)}
        steps[key] = step


def _asset_leaves(node_key: str, owner: Any) -> dict[str, Any]:
    """For a graph-backed asset: the step of each op that produces one of its assets or the result of one
    of its checks, and what that step stores or evaluates (a view of the asset definition over that op)."""
    from sdk.assets import AssetsDefinition

    graph = owner.op
    selected = owner.selected_keys or frozenset(owner.keys)
    by_step: dict[str, dict[str, Any]] = {}
    ops: dict[str, Any] = {}
    for graph_output, spec in owner.specs_by_output.items():
        if spec.key not in selected:
            continue
        op, op_output, path = graph.leaf_output(graph_output)
        step_key = ".".join((node_key, *path))
        by_step.setdefault(step_key, {})[op_output] = spec
        ops[step_key] = op
    checks_by_step: dict[str, list[Any]] = {}
    for graph_output, check in owner.check_specs_by_output_name.items() if owner._check_output_names else ():
        if check.asset_key not in selected:
            continue
        op, _, path = graph.leaf_output(graph_output)
        step_key = ".".join((node_key, *path))
        checks_by_step.setdefault(step_key, []).append(check)  # the op returns the check's AssetCheckResult
        by_step.setdefault(step_key, {})
        ops[step_key] = op
    views = {}
    for step_key, specs in by_step.items():
        view = AssetsDefinition(
            op=ops[step_key],
            specs_by_output=specs,
            keys_by_input={},
            backfill_policy=owner.backfill_policy,
            check_specs=checks_by_step.get(step_key, ()),
        )
        view.is_graph_leaf = True  # type: ignore[attr-defined]
        views[step_key] = view
    return views


def _resolve_sources(
    job: Any, graph: GraphDefinition, prefix: str, source: Any, graph_inputs: dict[str, list[Any]], asset_graph: Any
) -> list[Any]:
    items = source if isinstance(source, list) else [source]
    out: list[Any] = []
    for item in items:
        if isinstance(item, GraphInputHandle):
            out.extend(graph_inputs.get(item.name, []))
        elif isinstance(item, AssetInputHandle):
            io_key = "io_manager"
            if asset_graph is not None and item.asset_key in asset_graph.assets_def_by_key:
                io_key = asset_graph.assets_def_by_key[item.asset_key].io_manager_key_for(item.asset_key)
            out.append(AssetSource(item.asset_key, io_key))
        elif isinstance(item, DynamicOutputHandle):
            leaf = _leaf_output(graph, prefix, item.node_name, item.output_name)
            out.append(MappedSource(leaf.step_key, leaf.output_name))
        elif isinstance(item, OutputHandle):
            out.append(_leaf_output(graph, prefix, item.node_name, item.output_name))
        elif isinstance(item, CollectedHandle):
            leaf = _leaf_output(graph, prefix, item.node_name, item.output_name)
            out.append(CollectSource(leaf.step_key, leaf.output_name))
    return out


def _leaf_output(graph: GraphDefinition, prefix: str, node_name: str, output_name: str) -> StepOutputSource:
    node = graph.nodes[node_name]
    if isinstance(node.definition, GraphDefinition):
        if output_name not in node.definition.output_mappings:
            raise DagsterInvalidDefinitionError(f'Graph "{node.definition.name}" has no output "{output_name}".')
        inner_node, inner_out = node.definition.output_mappings[output_name]
        return _leaf_output(node.definition, f"{prefix}{node_name}.", inner_node, inner_out)
    return StepOutputSource(f"{prefix}{node_name}", output_name)


def _toposort(steps: dict[str, Step]) -> list[str]:
    remaining = {k: set(s.upstream) for k, s in steps.items()}
    order: list[str] = []
    ready = [k for k, ups in remaining.items() if not ups]
    children: dict[str, list[str]] = {}
    for k, s in steps.items():
        for up in s.upstream:
            children.setdefault(up, []).append(k)
    while ready:
        order.extend(ready)
        nxt = []
        for k in ready:
            for child in children.get(k, ()):
                remaining[child].discard(k)
                if not remaining[child]:
                    nxt.append(child)
        ready = nxt
    if len(order) != len(steps):
        raise DagsterInvalidDefinitionError(
            f"The job's steps depend on each other in a cycle: {sorted(set(steps) - set(order))[:10]}."
        )
    return order
