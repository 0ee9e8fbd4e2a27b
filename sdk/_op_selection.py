"""Op selection: Dagster's query syntax over a job's top-level ops ("op", "*op", "op+", "++op"), checked
when the subset job is made; sdk/execution/op_selection.py restricts the run's plan to it."""

from __future__ import annotations

from typing import Any

from sdk._composition import OutputHandle
from sdk.errors import DagsterInvalidSubsetError


def resolve_op_selection(job: Any, selection: Any) -> frozenset[str]:
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
