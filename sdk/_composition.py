"""The state of a @graph / @job body being traced: op calls inside it record nodes instead of running."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError


@dataclass(frozen=True)
class OutputHandle:
    """An output of a node inside a graph body, passed to other calls to wire dependencies."""

    node_name: str
    output_name: str


@dataclass(frozen=True)
class DynamicOutputHandle(OutputHandle):
    """A dynamic output (or the output of an op mapped over one): `.map(fn)` or `.collect()` it."""

    def map(self, fn: Any) -> Any:
        """Call fn with this output: the ops it calls run once per value (steps "op[mapping key]")."""
        _MAPPING.append(self)
        try:
            return fn(self)
        finally:
            _MAPPING.pop()

    def collect(self) -> CollectedHandle:
        """All the values, as one list input of a downstream op (in the order they were yielded)."""
        return CollectedHandle(self.node_name, self.output_name)


@dataclass(frozen=True)
class CollectedHandle:
    """The collected values of a dynamic (or mapped) output, wired to a fan-in input."""

    node_name: str
    output_name: str


_MAPPING: list[DynamicOutputHandle] = []  # the .map() calls being traced


@dataclass(frozen=True)
class GraphInputHandle:
    """A graph's own input inside its body."""

    name: str


@dataclass
class NodeInvocation:
    """One node of a graph: a definition invoked under a name, with where each input comes from."""

    name: str
    definition: Any  # OpDefinition | GraphDefinition
    inputs: dict[str, Any] = field(default_factory=dict)  # input -> OutputHandle | GraphInputHandle | list
    tags: dict[str, str] = field(default_factory=dict)
    retry_policy: Any = None
    hooks: tuple[Any, ...] = ()  # HookDefinitions given with .with_hooks() on this call


class MultiOutputHandles(tuple):
    """The outputs of a multi-output node: unpack it, or read outputs by name as attributes."""

    _names: tuple[str, ...]

    def __new__(cls, handles: dict[str, OutputHandle]) -> MultiOutputHandles:
        obj = super().__new__(cls, handles.values())
        obj._names = tuple(handles)
        return obj

    def __getattr__(self, name: str) -> OutputHandle:
        try:
            return self[self._names.index(name)]
        except ValueError:
            raise AttributeError(f"No output named {name!r}; outputs are {list(self._names)}.") from None


class Composition:
    """Collects the nodes of one graph body."""

    def __init__(self, graph_name: str) -> None:
        self.graph_name = graph_name
        self.nodes: dict[str, NodeInvocation] = {}

    def unique_name(self, base: str) -> str:
        if base not in self.nodes:
            return base
        n = 2
        while f"{base}_{n}" in self.nodes:
            n += 1
        return f"{base}_{n}"


_STACK: list[Composition] = []


def current() -> Composition | None:
    return _STACK[-1] if _STACK else None


def push(comp: Composition) -> None:
    _STACK.append(comp)


def pop() -> None:
    _STACK.pop()


def invoke(
    definition: Any, alias: str | None, tags: dict, retry_policy: Any, args: tuple, kwargs: dict, hooks: tuple = ()
) -> Any:
    """Record a call of an op or graph inside the current graph body; return its output handles."""
    from sdk.errors import DagsterInvalidDefinitionError

    comp = current()
    assert comp is not None
    name = alias or comp.unique_name(definition.name)
    if alias and alias in comp.nodes:
        raise DagsterInvalidDefinitionError(
            f'Graph "{comp.graph_name}" uses the node name "{alias}" twice; give each call its own alias.'
        )
    input_names = list(definition.input_names)
    if len(args) > len(input_names):
        raise DagsterInvalidDefinitionError(
            f'"{definition.name}" takes inputs {input_names} but was called with {len(args)} positional arguments.'
        )
    wired = dict(zip(input_names, args, strict=False))
    for key, value in kwargs.items():
        if key not in input_names:
            raise DagsterInvalidDefinitionError(
                f'"{definition.name}" has no input named "{key}"; its inputs are {input_names}.'
            )
        wired[key] = value
    mapped = _check_dynamic_inputs(comp.graph_name, name, wired)
    for key, value in wired.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, (OutputHandle, GraphInputHandle, CollectedHandle)) for v in values):
            raise DagsterInvalidDefinitionError(
                f'In graph "{comp.graph_name}", input "{key}" of "{name}" got {value!r}; inside a graph body '
                "pass the outputs of other op calls or graph inputs (use config for constant values)."
            )
    comp.nodes[name] = NodeInvocation(name, definition, wired, dict(tags), retry_policy, tuple(hooks))
    outs = list(definition.output_names)
    dynamic = {o for o, d in getattr(definition, "output_defs", {}).items() if getattr(d, "is_dynamic", False)}
    if dynamic and (mapped or hasattr(definition, "output_mappings")):  # inside a .map(), or a graph
        raise DagsterInvalidDefinitionError(
            f'In graph "{comp.graph_name}", "{name}" has a dynamic output inside a .map(): nested dynamic outputs are '
            "not supported; collect() first."
        )

    def handle(output: str) -> OutputHandle:
        return DynamicOutputHandle(name, output) if mapped or output in dynamic else OutputHandle(name, output)

    if len(outs) == 1:
        return handle(outs[0])
    if not outs:
        return None
    return MultiOutputHandles({o: handle(o) for o in outs})


def _check_dynamic_inputs(graph_name: str, node: str, wired: dict[str, Any]) -> bool:
    """Whether this call is mapped over a dynamic output (inside its .map()); a dynamic output used any
    other way is an error naming the fix."""
    dynamic = [v for v in wired.values() if isinstance(v, DynamicOutputHandle)]
    if not dynamic:
        return False
    if not _MAPPING:
        raise DagsterInvalidDefinitionError(
            f'In graph "{graph_name}", "{node}" takes the dynamic output "{dynamic[0].node_name}.'
            f'{dynamic[0].output_name}" directly; use .map(fn) to run it per value, or .collect() for the list.'
        )
    if len({(d.node_name, d.output_name) for d in dynamic}) > 1:
        raise DagsterInvalidDefinitionError(
            f'In graph "{graph_name}", "{node}" is mapped over two dynamic outputs at once; map over one.'
        )
    return True


@dataclass(frozen=True)
class AssetInputHandle:
    """An input of an asset job's node fed by an asset outside the job: loaded from its IO manager."""

    asset_key: Any


def refuse_inside_graph_body(what: str) -> None:
    """Assets and checks are not ops: called in a @job body they would run at import and add no step."""
    comp = current()
    if comp is None:
        return
    raise DagsterInvalidDefinitionError(
        f'The body of @job/@graph "{comp.graph_name}" calls {what}; assets are not ops and cannot be wired in '
        f'a job body. Use define_asset_job("{comp.graph_name}", selection=[...]) (or an AssetSelection) to run '
        "assets as a job."
    )
