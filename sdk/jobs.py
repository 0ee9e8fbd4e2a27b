"""Jobs: a graph with resources, an executor and default config; asset jobs are built from selections."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, overload

from sdk._composition import AssetInputHandle, NodeInvocation, OutputHandle
from sdk.errors import DagsterInvalidDefinitionError
from sdk.executors import ExecutorDefinition
from sdk.graphs import GraphDefinition, trace_graph
from sdk.keys import AssetCheckKey, AssetKey
from sdk.selection import AssetSelection

IMPLICIT_ASSET_JOB_NAME = "__ASSET_JOB"


class JobDefinition:
    """An executable graph; for asset jobs, which nodes compute which assets and checks."""

    def __init__(
        self,
        *,
        name: str | None = None,
        graph_def: GraphDefinition,
        description: str | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        config: Any = None,
        tags: Mapping[str, Any] | None = None,
        executor_def: ExecutorDefinition | None = None,
        op_retry_policy: Any = None,
        partitions_def: Any = None,
        run_tags: Mapping[str, Any] | None = None,
        asset_nodes: Mapping[str, Any] | None = None,
        asset_keys: frozenset[AssetKey] = frozenset(),
        check_keys: frozenset[AssetCheckKey] = frozenset(),
        extra_deps: Mapping[str, set[str]] | None = None,
        hook_defs: Any = None,
        logger_defs: Mapping[str, Any] | None = None,
        input_values: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name or graph_def.name
        self.metadata = dict(metadata or {})
        self.graph = graph_def
        self.description = description
        self.resource_defs = dict(resource_defs or {})
        self.config = config
        self.tags = {str(k): str(v) for k, v in {**graph_def.tags, **(tags or {})}.items()}
        # Dagster: runs of the job get run_tags when given, else the job's (and its graph's) tags.
        self.run_tags = {str(k): str(v) for k, v in run_tags.items()} if run_tags is not None else dict(self.tags)
        self.executor_def = executor_def
        self.op_retry_policy = op_retry_policy
        if partitions_def is None and config is not None and not isinstance(config, Mapping):
            from sdk.partitioned_config import PartitionedConfig

            if isinstance(config, PartitionedConfig):  # a partitioned config makes the job partitioned
                partitions_def = config.partitions_def
        self.partitions_def = partitions_def
        self.asset_nodes = dict(asset_nodes or {})
        self.asset_keys = asset_keys
        self.check_keys = check_keys
        self.extra_deps = dict(extra_deps or {})
        from sdk.hooks import merge_hooks

        self.hook_defs = merge_hooks(hook_defs or ())
        self.logger_defs = dict(logger_defs or {})
        self.input_values = dict(input_values or {})
        JobDefinition._check_input_values(self)
        self.op_selection: frozenset[str] | None = None  # top-level nodes a subset job executes
        self.asset_graph: Any = None  # an asset job's graph: where assets outside the job are loaded from

    @property
    def is_asset_job(self) -> bool:
        return bool(self.asset_nodes)

    @property
    def executor_name(self) -> str:
        return (self.executor_def or ExecutorDefinition("multiprocess")).name

    def execute_in_process(
        self,
        run_config: Any = None,
        instance: Any = None,
        partition_key: str | None = None,
        raise_on_error: bool = True,
        op_selection: Any = None,
        run_id: str | None = None,
        input_values: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        resources: Mapping[str, Any] | None = None,
    ) -> Any:
        """Run the job in this process (always the in-process executor), IO in memory by default."""
        from sdk.execution.in_process import execute_job_in_process

        job = self
        if input_values:
            job = copy.copy(job)
            job.input_values = {**self.input_values, **input_values}
            JobDefinition._check_input_values(job)
        if op_selection is not None:
            job = job.get_subset(op_selection=op_selection)
        return execute_job_in_process(
            job,
            asset_graph=job.asset_graph,
            run_config=run_config,
            partition_key=partition_key,
            raise_on_error=raise_on_error,
            run_id=run_id,
            tags=tags,
            resources=resources,
            instance=instance,
        )

    @staticmethod
    def _check_input_values(job: JobDefinition) -> None:
        unknown = sorted(set(job.input_values) - set(job.graph.input_mappings))
        if unknown:
            raise DagsterInvalidDefinitionError(
                f'Job "{job.name}" got input_values for {unknown}, which are not inputs of its graph; its inputs '
                f"are {sorted(job.graph.input_mappings)}."
            )

    def with_hooks(self, hook_defs: Any) -> JobDefinition:
        """A copy of this job whose every step also runs these hooks."""
        from sdk.hooks import merge_hooks

        new = copy.copy(self)
        new.hook_defs = merge_hooks(self.hook_defs, hook_defs)
        return new

    def get_subset(self, *, op_selection: Any = None, asset_selection: Any = None) -> JobDefinition:
        """A copy that executes only the selected ops (Dagster's syntax: "op", "*op", "op+", "++op")."""
        if asset_selection is not None:
            raise DagsterInvalidDefinitionError(
                f'Job "{self.name}": subset an asset job by assets with define_asset_job(selection=...).'
            )
        from sdk._op_selection import resolve_op_selection, subset_graph

        new = copy.copy(self)
        new.op_selection = resolve_op_selection(self, op_selection)
        new.graph = subset_graph(self.graph, new.op_selection)
        return new

    def __repr__(self) -> str:
        return f"<JobDefinition {self.name}>"


@overload
def job(compose_fn: Callable[..., Any]) -> JobDefinition: ...


@overload
def job(
    compose_fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    config: Any = None,
    tags: Mapping[str, Any] | None = None,
    executor_def: ExecutorDefinition | None = None,
    op_retry_policy: Any = None,
    partitions_def: Any = None,
    run_tags: Mapping[str, Any] | None = None,
    hooks: Any = None,
    logger_defs: Mapping[str, Any] | None = None,
    input_values: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], JobDefinition]: ...


def job(
    compose_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    config: Any = None,
    tags: Mapping[str, Any] | None = None,
    executor_def: ExecutorDefinition | None = None,
    op_retry_policy: Any = None,
    partitions_def: Any = None,
    run_tags: Mapping[str, Any] | None = None,
    hooks: Any = None,
    logger_defs: Mapping[str, Any] | None = None,
    input_values: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> JobDefinition | Callable[[Callable[..., Any]], JobDefinition]:
    """Declare a job from a graph body."""

    def build(fn: Callable[..., Any]) -> JobDefinition:
        from sdk._names import check_valid_name

        job_name = check_valid_name(name, "Job") if name is not None else fn.__name__
        nodes, _ins, outs = trace_graph(fn, job_name)
        if not nodes:
            raise DagsterInvalidDefinitionError(
                f'Job "{job_name}" calls no op in its body, so a run would do nothing. Call ops (or graphs) in '
                f'it; to run assets, use define_asset_job("{job_name}", selection=[...]) instead of @job.'
            )
        graph_def = GraphDefinition(job_name, nodes, {}, outs, description or (fn.__doc__ or "").strip() or None)
        return graph_def.to_job(
            description=graph_def.description,
            resource_defs=resource_defs,
            config=config,
            tags=tags,
            executor_def=executor_def,
            op_retry_policy=op_retry_policy,
            partitions_def=partitions_def,
            run_tags=run_tags,
            hooks=hooks,
            logger_defs=logger_defs,
            input_values=input_values,
            metadata=metadata,
        )

    return build(compose_fn) if compose_fn is not None else build


class UnresolvedAssetJobDefinition:
    """A job over an AssetSelection; Definitions resolves it against its assets."""

    def __init__(
        self,
        name: str,
        selection: Any = None,
        config: Any = None,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        run_tags: Mapping[str, Any] | None = None,
        partitions_def: Any = None,
        executor_def: ExecutorDefinition | None = None,
        op_retry_policy: Any = None,
        hooks: Any = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        from sdk.hooks import merge_hooks

        self.metadata = dict(metadata or {})
        self.hook_defs = merge_hooks(hooks or ())
        self.name = name
        self.selection = AssetSelection.from_coercible(selection) if selection is not None else AssetSelection.all()
        self.config = config
        self.description = description
        self.tags = dict(tags or {})
        self.run_tags = dict(run_tags) if run_tags is not None else None
        self.partitions_def = partitions_def
        self.executor_def = executor_def
        self.op_retry_policy = op_retry_policy

    def resolve(self, graph: Any, resource_defs: Mapping[str, Any], executor_def: Any) -> JobDefinition:
        keys = self.selection.resolve(graph)
        check_keys = self.selection.resolve_checks(graph)
        if not keys and not check_keys:
            raise DagsterInvalidDefinitionError(
                f'Asset job "{self.name}" selects no asset, so a run would do nothing. Fix its selection (the '
                "assets are listed by `weir assets`), or remove the job."
            )
        return build_asset_job(
            self.name,
            graph,
            keys,
            check_keys=check_keys,
            resource_defs=resource_defs,
            executor_def=self.executor_def or executor_def,
            config=self.config,
            tags=self.tags,
            run_tags=self.run_tags,
            description=self.description,
            partitions_def=self.partitions_def,
            op_retry_policy=self.op_retry_policy,
            hook_defs=self.hook_defs,
            metadata=self.metadata,
        )

    def with_hooks(self, hook_defs: Any) -> UnresolvedAssetJobDefinition:
        from sdk.hooks import merge_hooks

        new = copy.copy(self)
        new.hook_defs = merge_hooks(self.hook_defs, hook_defs)
        return new

    def __repr__(self) -> str:
        return f"<UnresolvedAssetJobDefinition {self.name}>"


def define_asset_job(
    name: str,
    selection: Any = None,
    config: Any = None,
    description: str | None = None,
    tags: Mapping[str, Any] | None = None,
    run_tags: Mapping[str, Any] | None = None,
    partitions_def: Any = None,
    executor_def: ExecutorDefinition | None = None,
    op_retry_policy: Any = None,
    hooks: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> UnresolvedAssetJobDefinition:
    """A job that materializes a selection of assets (all of them by default)."""
    from sdk._names import check_valid_name

    check_valid_name(name, "Job")
    return UnresolvedAssetJobDefinition(
        name,
        selection,
        config,
        description,
        tags,
        run_tags,
        partitions_def,
        executor_def,
        op_retry_policy,
        hooks,
        metadata,
    )


def build_asset_job(
    name: str,
    graph: Any,
    keys: set[AssetKey],
    *,
    resource_defs: Mapping[str, Any] | None = None,
    executor_def: Any = None,
    check_keys: set[AssetCheckKey] | None = None,
    **job_kwargs: Any,
) -> JobDefinition:
    """One node per assets definition (subset to the selected keys) and per separate check definition."""
    non_exec = sorted(k.to_user_string() for k in keys if not graph.assets_def_by_key[k].is_executable)
    if non_exec:
        raise DagsterInvalidDefinitionError(
            f'Job "{name}" selects external assets {non_exec}; they have no function to run. Remove them.'
        )
    if check_keys is None:
        check_keys = set(graph.checks_for(keys))
    producer: dict[AssetKey, tuple[str, str]] = {}
    nodes: dict[str, NodeInvocation] = {}
    asset_nodes: dict[str, Any] = {}
    for key in graph.toposort(keys):
        adef = graph.assets_def_by_key[key]
        if adef.op.name in asset_nodes:
            continue
        selected = frozenset(k for k in adef.keys if k in keys)
        if not adef.can_subset:
            selected = frozenset(adef.keys)
        asset_nodes[adef.op.name] = adef.subset(selected) if selected != frozenset(adef.keys) else adef
        for k in selected:
            producer[k] = (adef.op.name, adef.output_by_key[k])
    for adef in graph.checks_defs:
        if any(ck in check_keys for ck in adef.check_keys):
            asset_nodes[adef.op.name] = adef
    blocking_nodes: dict[AssetKey, set[str]] = {}
    for node_name, owner in asset_nodes.items():
        nodes[node_name] = NodeInvocation(node_name, owner.op, _wire(owner, producer))
        if not hasattr(owner, "specs_by_output"):
            for spec in owner.check_specs:
                if spec.blocking:
                    blocking_nodes.setdefault(spec.asset_key, set()).add(node_name)
    extra_deps: dict[str, set[str]] = {}
    for node_name, owner in asset_nodes.items():
        if not hasattr(owner, "specs_by_output"):
            continue  # checks of an asset do not wait for each other
        for upstream in set(owner.keys_by_input.values()):
            for check_node in blocking_nodes.get(upstream, ()):
                if check_node != node_name:
                    extra_deps.setdefault(node_name, set()).add(check_node)
    job = JobDefinition(
        name=name,
        graph_def=GraphDefinition(name, nodes),
        resource_defs=resource_defs,
        executor_def=executor_def,
        asset_nodes=asset_nodes,
        asset_keys=frozenset(producer),
        check_keys=frozenset(check_keys),
        extra_deps=extra_deps,
        **job_kwargs,
    )
    job.asset_graph = graph
    return job


def _input_defs(node_def: Any) -> dict[str, Any]:
    """An op's input definitions by name; a graph's (a graph-backed asset) too."""
    return node_def.input_dict if isinstance(node_def, GraphDefinition) else node_def.input_defs


def _wire(owner: Any, producer: dict[AssetKey, tuple[str, str]]) -> dict[str, Any]:
    wired: dict[str, Any] = {}
    for input_name, key in owner.keys_by_input.items():
        if key in producer and producer[key][0] != owner.op.name:
            wired[input_name] = OutputHandle(*producer[key])
        elif not _input_defs(owner.op)[input_name].is_nothing:
            wired[input_name] = AssetInputHandle(key)
    return wired
