"""Graphs: ops wired together by calling them inside a function body; nestable; to_job makes a job."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

from sdk import _composition
from sdk._composition import Composition, GraphInputHandle, MultiOutputHandles, NodeInvocation, OutputHandle
from sdk._unsupported import warn_unsupported
from sdk.errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError
from sdk.ops import _PendingInvocation

if TYPE_CHECKING:
    from sdk.jobs import JobDefinition


class GraphDefinition:
    """Named nodes, where each input comes from, and which node outputs are the graph's outputs."""

    def __init__(
        self,
        name: str,
        nodes: Mapping[str, NodeInvocation] | str | None = None,
        input_mappings: Mapping[str, list[tuple[str, str]]] | Sequence[Any] | None = None,
        output_mappings: Mapping[str, tuple[str, str]] | Sequence[Any] | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        config: Any = None,
        *,
        node_defs: Sequence[Any] | None = None,
        dependencies: Mapping[Any, Mapping[str, Any]] | None = None,
    ) -> None:
        if isinstance(nodes, str) or nodes is None:  # Dagster's form: (name, description, node_defs=, dependencies=)
            from sdk import dependencies as deps
            from sdk._names import check_valid_name

            check_valid_name(name, "Graph")
            description = description if nodes is None else nodes
            in_list: list[Any] = list(input_mappings or [])
            out_list: list[Any] = list(output_mappings or [])
            nodes = deps.nodes_from_dependencies(name, node_defs or [], dependencies or {}, in_list)
            input_mappings = deps.input_mapping_dict(in_list)
            output_mappings = deps.output_mapping_dict(name, nodes, out_list)
        elif node_defs is not None or dependencies is not None:
            raise DagsterInvalidDefinitionError(
                f'GraphDefinition "{name}": give node_defs=/dependencies= or nodes, not both.'
            )
        self.name = name
        self.nodes = dict(nodes)
        self.input_mappings = dict(input_mappings or {})
        self.output_mappings = dict(output_mappings or {})
        self.description = description
        self.tags = dict(tags or {})
        self.config_mapping = config  # a ConfigMapping (ops.<graph>.config), or default config of its nodes

    @property
    def input_names(self) -> list[str]:
        return list(self.input_mappings)

    @property
    def output_names(self) -> list[str]:
        return list(self.output_mappings)

    @property
    def node_defs(self) -> list[Any]:
        return [n.definition for n in self.nodes.values()]

    @property
    def input_defs(self) -> list[Any]:
        """The graph's inputs, each typed as the first op input it feeds."""
        return [self._input_def(name) for name in self.input_mappings]

    def _input_def(self, name: str) -> Any:
        from sdk.ops import InputDef
        from sdk.types import resolve_dagster_type

        for node_name, input_name in self.input_mappings[name]:
            definition = self.nodes[node_name].definition
            inner = (
                definition._input_def(input_name)
                if isinstance(definition, GraphDefinition)
                else definition.input_defs[input_name]
            )
            return InputDef(name, inner.dagster_type, inner.default_value, inner.description, dict(inner.metadata))
        return InputDef(name, resolve_dagster_type(None))

    @property
    def input_dict(self) -> dict[str, Any]:
        return {d.name: d for d in self.input_defs}

    @property
    def output_defs(self) -> dict[str, Any]:
        """Each graph output as the op output it maps to (type, IO manager)."""
        leaves = {name: self.leaf_output(name) for name in self.output_mappings}
        return {name: op.output_defs[output] for name, (op, output, _path) in leaves.items()}

    def leaf_output(self, name: str) -> tuple[Any, str, tuple[str, ...]]:
        """(op, its output, node path) that a graph output comes from, through nested graphs."""
        node_name, output = self.output_mappings[name]
        definition = self.nodes[node_name].definition
        if isinstance(definition, GraphDefinition):
            op, inner_output, path = definition.leaf_output(output)
            return op, inner_output, (node_name, *path)
        return definition, output, (node_name,)

    @property
    def required_resource_keys(self) -> frozenset[str]:
        return frozenset().union(*(d.required_resource_keys for d in self.node_defs))

    @property
    def config_type(self) -> Any:
        """A graph's ops take their own config (ops.<graph>.ops.<op>.config); the graph none of its own."""
        return None

    def alias(self, name: str) -> _PendingInvocation:
        return _PendingInvocation(self, alias=name)

    def tag(self, tags: Mapping[str, str]) -> _PendingInvocation:
        return _PendingInvocation(self, tags=dict(tags))

    def with_hooks(self, hook_defs: Any) -> _PendingInvocation:
        """This graph called with hooks on each of its ops (inside a graph or job body)."""
        return _PendingInvocation(self, hooks=tuple(hook_defs))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _composition.current() is None:
            raise DagsterInvalidInvocationError(
                f'Graph "{self.name}" can only be called inside another @graph or @job body; '
                "to run it, use .execute_in_process() or .to_job()."
            )
        return _composition.invoke(self, None, {}, None, args, kwargs)

    def to_job(
        self,
        name: str | None = None,
        description: str | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        config: Any = None,
        tags: Mapping[str, Any] | None = None,
        executor_def: Any = None,
        op_retry_policy: Any = None,
        partitions_def: Any = None,
        run_tags: Mapping[str, Any] | None = None,
        hooks: Any = None,
        logger_defs: Mapping[str, Any] | None = None,
        input_values: Mapping[str, Any] | None = None,
        op_selection: Any = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> JobDefinition:
        from sdk.jobs import JobDefinition

        job = JobDefinition(
            name=name or self.name,
            graph_def=self,
            description=description or self.description,
            resource_defs=resource_defs,
            config=config,
            tags=tags,
            executor_def=executor_def,
            op_retry_policy=op_retry_policy,
            partitions_def=partitions_def,
            run_tags=run_tags,
            hook_defs=hooks,
            logger_defs=logger_defs,
            input_values=input_values,
            metadata=metadata,
        )
        return job.get_subset(op_selection=op_selection) if op_selection is not None else job

    def execute_in_process(
        self,
        run_config: Any = None,
        resources: Mapping[str, Any] | None = None,
        raise_on_error: bool = True,
        input_values: Mapping[str, Any] | None = None,
        op_selection: Any = None,
        **kwargs: Any,
    ) -> Any:
        job = self.to_job(resource_defs=resources, input_values=input_values)
        return job.execute_in_process(
            run_config=run_config, raise_on_error=raise_on_error, op_selection=op_selection, **kwargs
        )

    def __repr__(self) -> str:
        return f"<GraphDefinition {self.name}>"


def node_output_step(graph: GraphDefinition, node_str: str, output_name: str) -> tuple[str, str]:
    """The op step and output behind a node's output: a graph node ("outer.inner") maps its output
    to an op inside it; an op node is its own step."""
    current: Any = graph
    for part in node_str.split("."):
        node = current.nodes.get(part) if isinstance(current, GraphDefinition) else None
        current = node.definition if node is not None else None
    if isinstance(current, GraphDefinition) and output_name in current.output_mappings:
        _op, output, path = current.leaf_output(output_name)
        return ".".join([node_str, *path]), output
    return node_str, output_name


def trace_graph(fn: Callable, name: str, out_names: list[str] | None = None) -> tuple[dict, dict, dict]:
    """Run a graph body with handles instead of values; return its nodes and input/output mappings."""
    comp = Composition(name)
    params = [p.name for p in inspect.signature(fn).parameters.values()]
    handles = {p: GraphInputHandle(p) for p in params}
    _composition.push(comp)
    try:
        result = fn(**handles)
    finally:
        _composition.pop()
    input_mappings: dict[str, list[tuple[str, str]]] = {p: [] for p in params}
    for node in comp.nodes.values():
        for input_name, source in node.inputs.items():
            for item in source if isinstance(source, list) else [source]:
                if isinstance(item, GraphInputHandle):
                    input_mappings[item.name].append((node.name, input_name))
    return comp.nodes, input_mappings, _output_mappings(result, out_names, name)


def _output_mappings(result: Any, out_names: list[str] | None, name: str) -> dict[str, tuple[str, str]]:
    if result is None:
        return {}
    if isinstance(result, OutputHandle):
        return {(out_names or ["result"])[0]: (result.node_name, result.output_name)}
    if isinstance(result, dict):
        return {k: (v.node_name, v.output_name) for k, v in result.items()}
    if isinstance(result, (tuple, MultiOutputHandles)):
        names = out_names or [f"result_{i}" for i in range(len(result))]
        return {n: (h.node_name, h.output_name) for n, h in zip(names, result, strict=True)}
    raise DagsterInvalidDefinitionError(
        f'Graph "{name}" returned {result!r}; return the output of an op call, a dict or tuple of them, or None.'
    )


@overload
def graph(compose_fn: Callable[..., Any]) -> GraphDefinition: ...


@overload
def graph(
    compose_fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    out: Any = None,
    tags: Mapping[str, Any] | None = None,
    ins: Any = None,
    config: Any = None,
) -> Callable[[Callable[..., Any]], GraphDefinition]: ...


def graph(
    compose_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    out: Any = None,
    tags: Mapping[str, Any] | None = None,
    ins: Any = None,
    config: Any = None,
) -> GraphDefinition | Callable[[Callable[..., Any]], GraphDefinition]:
    """Declare a graph: calling ops in the body wires them; nothing runs until the graph is in a job."""

    def build(fn: Callable[..., Any]) -> GraphDefinition:
        from sdk._names import check_valid_name

        graph_name = check_valid_name(name, "Graph") if name is not None else fn.__name__
        from sdk.dependencies import GraphIn

        described = isinstance(ins, Mapping) and all(isinstance(v, GraphIn) for v in ins.values())
        warn_unsupported(f"graph '{graph_name}'", ins=None if described else ins)
        out_names = list(out) if isinstance(out, dict) else None
        nodes, ins_map, outs_map = trace_graph(fn, graph_name, out_names)
        return GraphDefinition(
            graph_name, nodes, ins_map, outs_map, description or (fn.__doc__ or "").strip() or None, tags, config
        )

    return build(compose_fn) if compose_fn is not None else build
