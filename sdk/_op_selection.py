"""Op selection: Dagster's query syntax over a job's top-level ops ("op", "*op", "op+", "++op"), checked
when the subset job is made, whose graph holds only the selected ops (what its snapshot and run config
show); sdk/execution/op_selection.py restricts the run's plan to it."""

from __future__ import annotations

import dataclasses
from typing import Any

from sdk._composition import CollectedHandle, OutputHandle
from sdk.errors import DagsterInvalidSubsetError


def resolve_op_selection(job: Any, selection: Any, check_inputs: bool = True) -> frozenset[str]:
    """Node names for "op", "*op" (with every upstream op), "op*" (downstream), "+op"/"op++" (n levels)."""
    items = [selection] if isinstance(selection, str) else list(selection)
    nodes = job.graph.nodes
    parents: dict[str, set[str]] = {name: set() for name in nodes}
    children: dict[str, set[str]] = {name: set() for name in nodes}
    for name, node in nodes.items():
        for source in node.inputs.values():
            for item in source if isinstance(source, list) else [source]:
                if isinstance(item, OutputHandle):
                    parents[name].add(item.node_name)
                    children[item.node_name].add(name)
    chosen: set[str] = set()
    for item in items:
        text = str(item).strip()
        core = text.strip("*+")
        if core not in nodes:
            raise DagsterInvalidSubsetError(
                f'Job "{job.name}" has no op "{core}" (op_selection {text!r}); its ops are {sorted(nodes)}.'
            )
        up = _depth(text[: len(text) - len(text.lstrip("*+"))])
        down = _depth(text[len(text.rstrip("*+")) :])
        chosen |= _walk(core, parents, up) | _walk(core, children, down)
    if check_inputs:  # a re-execution loads inputs of ops left out from earlier runs
        _check_inputs(job, chosen)
    return frozenset(chosen)


def _depth(marks: str) -> int | None:
    """'*' is every level, each '+' one level, nothing zero."""
    return None if "*" in marks else len(marks)


def _walk(start: str, edges: dict[str, set[str]], depth: int | None) -> set[str]:
    seen, frontier, level = {start}, [start], 0
    while frontier and (depth is None or level < depth):
        frontier = [n for key in frontier for n in edges[key] if n not in seen]
        seen.update(frontier)
        level += 1
    return seen


def _check_inputs(job: Any, chosen: set[str]) -> None:
    """An input fed by an op left out has nothing to load from: say so now, not mid-run."""
    for name in sorted(chosen):
        node = job.graph.nodes[name]
        input_defs = getattr(node.definition, "input_defs", None)
        for input_name, source in node.inputs.items():
            for item in source if isinstance(source, list) else [source]:
                if not isinstance(item, OutputHandle) or item.node_name in chosen:
                    continue
                input_def = input_defs.get(input_name) if isinstance(input_defs, dict) else None
                if input_def is not None and (input_def.is_nothing or input_def.default_value is not _no_value()):
                    continue
                raise DagsterInvalidSubsetError(
                    f'Op selection of job "{job.name}": input "{input_name}" of "{name}" comes from '
                    f'"{item.node_name}", which the selection leaves out. Select "{item.node_name}" too (e.g. '
                    f'"*{name}").'
                )


def _no_value() -> Any:
    from sdk.ops import NoValue

    return NoValue


def subset_graph(graph: Any, chosen: frozenset[str]) -> Any:
    """The graph of the selected top-level nodes only: inputs from nodes left out are dropped (an input
    then takes its default, a Nothing input waits on nothing), and so are graph inputs and outputs that
    only reach nodes left out."""
    from sdk.graphs import GraphDefinition

    def kept(item: Any) -> bool:
        return not isinstance(item, (OutputHandle, CollectedHandle)) or item.node_name in chosen

    nodes = {}
    for name, node in graph.nodes.items():
        if name not in chosen:
            continue
        inputs = {}
        for input_name, source in node.inputs.items():
            if isinstance(source, list):
                inputs[input_name] = [item for item in source if kept(item)]  # a fan-in keeps what is left
            elif kept(source):
                inputs[input_name] = source
        nodes[name] = dataclasses.replace(node, inputs=inputs)
    input_mappings = {
        name: [target for target in targets if target[0] in chosen] for name, targets in graph.input_mappings.items()
    }
    return GraphDefinition(
        graph.name,
        nodes,
        {name: targets for name, targets in input_mappings.items() if targets},
        {name: source for name, source in graph.output_mappings.items() if source[0] in chosen},
        graph.description,
        graph.tags,
        graph.config_mapping,
    )
