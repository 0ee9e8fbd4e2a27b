"""Dagster's older graph API: GraphDefinition(node_defs=[...], dependencies={...}) wired by name with
DependencyDefinition / MultiDependencyDefinition, nodes aliased with NodeInvocation, and graph inputs
and outputs declared with InputMapping / OutputMapping; GraphIn describes an input of @graph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sdk._composition import GraphInputHandle, OutputHandle
from sdk._composition import NodeInvocation as _Node
from sdk.errors import DagsterInvalidDefinitionError


@dataclass(frozen=True)
class DependencyDefinition:
    """An input fed by the output `output` of the node named `node`."""

    node: str
    output: str = "result"
    description: str | None = None

    def is_fan_in(self) -> bool:
        return False


@dataclass(frozen=True)
class MultiDependencyDefinition:
    """A fan-in input: a list of the outputs of several nodes, in order."""

    dependencies: Sequence[DependencyDefinition]

    def __post_init__(self) -> None:
        for dep in self.dependencies:
            if not isinstance(dep, DependencyDefinition):
                raise DagsterInvalidDefinitionError(
                    f"MultiDependencyDefinition takes DependencyDefinitions, got {type(dep).__name__}: "
                    'write MultiDependencyDefinition([DependencyDefinition("a"), DependencyDefinition("b")]).'
                )

    def is_fan_in(self) -> bool:
        return True

    def get_node_dependencies(self) -> list[DependencyDefinition]:
        return list(self.dependencies)


@dataclass(frozen=True)
class NodeInvocation:
    """A key of `dependencies=`: the node definition `name` used under `alias` (its node name), with
    tags, hooks and a retry policy for that use."""

    name: str
    alias: str | None = None
    tags: Mapping[str, str] | None = None
    hook_defs: Any = None
    retry_policy: Any = None

    def __hash__(self) -> int:
        return hash((self.name, self.alias))


@dataclass(frozen=True)
class GraphIn:
    """How an input of a @graph is described: @graph(ins={"x": GraphIn(description="...")})."""

    description: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InputMapping:
    """A graph input passed to an input of one of its nodes."""

    graph_input_name: str
    mapped_node_name: str
    mapped_node_input_name: str
    fan_in_index: int | None = None
    graph_input_description: str | None = None
    dagster_type: Any = None


@dataclass(frozen=True)
class OutputMapping:
    """A graph output taken from an output of one of its nodes."""

    graph_output_name: str
    mapped_node_name: str
    mapped_node_output_name: str = "result"
    graph_output_description: str | None = None
    dagster_type: Any = None
    from_dynamic_mapping: bool = False


def nodes_from_dependencies(
    graph_name: str,
    node_defs: Sequence[Any],
    dependencies: Mapping[Any, Mapping[str, Any]],
    input_mappings: Sequence[InputMapping],
) -> dict[str, _Node]:
    """The nodes of a graph given Dagster's way; every name the dependencies use is checked."""
    defs: dict[str, Any] = {}
    for definition in node_defs:
        name = getattr(definition, "name", None)
        if name is None or not hasattr(definition, "input_names"):
            raise DagsterInvalidDefinitionError(
                f'Graph "{graph_name}": node_defs takes op and graph definitions, got {definition!r}.'
            )
        if name in defs and defs[name] is not definition:
            raise DagsterInvalidDefinitionError(
                f'Graph "{graph_name}" has two node definitions named "{name}"; give one another name.'
            )
        defs[name] = definition
    nodes: dict[str, _Node] = {}
    aliased: set[str] = set()
    for key in dependencies:
        if isinstance(key, NodeInvocation):
            if key.name not in defs:
                raise _unknown_node(graph_name, key.name, defs)
            node_name = key.alias or key.name
            aliased.add(key.name)
            nodes[node_name] = _Node(
                node_name,
                defs[key.name],
                {},
                dict(key.tags or {}),
                key.retry_policy,
                tuple(key.hook_defs or ()),
            )
        elif not isinstance(key, str):
            raise DagsterInvalidDefinitionError(
                f'Graph "{graph_name}": a key of dependencies= is a node name or a NodeInvocation, got {key!r}.'
            )
    for name, definition in defs.items():
        if name not in aliased and name not in nodes:
            nodes[name] = _Node(name, definition)
    for key, inputs in dependencies.items():
        node_name = (key.alias or key.name) if isinstance(key, NodeInvocation) else key
        if node_name not in nodes:
            raise _unknown_node(graph_name, node_name, nodes)
        node = nodes[node_name]
        for input_name, dep in inputs.items():
            if input_name not in node.definition.input_names:
                raise DagsterInvalidDefinitionError(
                    f'Invalid dependencies: node "{node_name}" in graph "{graph_name}" does not have input '
                    f'"{input_name}"; its inputs are {list(node.definition.input_names)}.'
                )
            if isinstance(dep, DependencyDefinition):
                node.inputs[input_name] = _handle(graph_name, nodes, node_name, input_name, dep)
            elif isinstance(dep, MultiDependencyDefinition):
                node.inputs[input_name] = [
                    _handle(graph_name, nodes, node_name, input_name, d) for d in dep.dependencies
                ]
            else:
                raise DagsterInvalidDefinitionError(
                    f'Graph "{graph_name}": input "{input_name}" of node "{node_name}" takes a DependencyDefinition '
                    f"or a MultiDependencyDefinition, got {dep!r}."
                )
    for mapping in input_mappings:
        if mapping.mapped_node_name not in nodes:
            raise _unknown_node(graph_name, mapping.mapped_node_name, nodes)
        node = nodes[mapping.mapped_node_name]
        if mapping.mapped_node_input_name not in node.definition.input_names:
            raise DagsterInvalidDefinitionError(
                f'Graph "{graph_name}": input mapping "{mapping.graph_input_name}" names input '
                f'"{mapping.mapped_node_input_name}" of node "{node.name}", which has inputs '
                f"{list(node.definition.input_names)}."
            )
        node.inputs[mapping.mapped_node_input_name] = GraphInputHandle(mapping.graph_input_name)
    return nodes


def _handle(graph_name: str, nodes: dict[str, _Node], node: str, input_name: str, dep: Any) -> OutputHandle:
    upstream = nodes.get(dep.node)
    if upstream is None:
        raise DagsterInvalidDefinitionError(
            f'Invalid dependencies: node "{dep.node}" in dependency dictionary not found in node list of graph '
            f'"{graph_name}" (input "{input_name}" of "{node}"); the nodes are {sorted(nodes)}.'
        )
    if dep.output not in upstream.definition.output_names:
        raise DagsterInvalidDefinitionError(
            f'Invalid dependencies: node "{dep.node}" does not have output "{dep.output}" (input "{input_name}" of '
            f'"{node}" in graph "{graph_name}"); its outputs are {list(upstream.definition.output_names)}.'
        )
    return OutputHandle(dep.node, dep.output)


def _unknown_node(graph_name: str, name: str, known: Mapping[str, Any]) -> DagsterInvalidDefinitionError:
    return DagsterInvalidDefinitionError(
        f'Invalid dependencies: node "{name}" in dependency dictionary not found in node list of graph '
        f'"{graph_name}"; the nodes are {sorted(known)}. Add its definition to node_defs.'
    )


def input_mapping_dict(mappings: Sequence[InputMapping]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for m in mappings:
        out.setdefault(m.graph_input_name, []).append((m.mapped_node_name, m.mapped_node_input_name))
    return out


def output_mapping_dict(graph_name: str, nodes: Mapping[str, Any], mappings: Sequence[OutputMapping]) -> dict:
    out: dict[str, tuple[str, str]] = {}
    for m in mappings:
        node = nodes.get(m.mapped_node_name)
        if node is None:
            raise _unknown_node(graph_name, m.mapped_node_name, nodes)
        if m.mapped_node_output_name not in node.definition.output_names:
            raise DagsterInvalidDefinitionError(
                f'Graph "{graph_name}": output mapping "{m.graph_output_name}" names output '
                f'"{m.mapped_node_output_name}" of node "{node.name}", which has outputs '
                f"{list(node.definition.output_names)}."
            )
        out[m.graph_output_name] = (m.mapped_node_name, m.mapped_node_output_name)
    return out
