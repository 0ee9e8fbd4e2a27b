"""@graph_asset and @graph_multi_asset: assets computed by a graph of ops. The graph is the asset's node:
its ops run as steps "<asset node>.<op>", and the op producing each graph output stores the asset."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, overload

from sdk._unsupported import warn_unsupported
from sdk.asset_specs import AssetDep, AssetIn, AssetOut, AssetSpec
from sdk.assets import AssetsDefinition, _key_for
from sdk.errors import DagsterInvalidDefinitionError
from sdk.graphs import GraphDefinition, trace_graph
from sdk.keys import AssetKey


class GraphOut:
    """One output of a @graph with several: `@graph(out={"a": GraphOut(), "b": GraphOut()})`."""

    def __init__(self, description: str | None = None) -> None:
        self.description = description


def _graph_inputs(graph: GraphDefinition, ins: Mapping[str, AssetIn], owner: str) -> dict[str, AssetKey]:
    """The upstream asset of each graph input: ins[name], else the asset named like the input."""
    unknown = sorted(set(ins) - set(graph.input_names))
    if unknown:
        raise DagsterInvalidDefinitionError(
            f'"{owner}" has ins for {unknown}, which are not parameters of its function; add the parameters.'
        )
    return {name: (ins.get(name) or AssetIn()).resolve_key(name) for name in graph.input_names}


def _check_outputs(check_specs: Sequence[Any] | None, keys: Sequence[AssetKey], owner: str) -> dict[str, Any]:
    """The graph output that gives each check's result, by Dagster's name `<asset>_<check>`; a check of
    an asset the graph does not compute is an error."""
    by_output: dict[str, Any] = {}
    for spec in check_specs or ():
        if spec.asset_key not in keys:
            raise DagsterInvalidDefinitionError(
                f'"{owner}" has a check spec "{spec.name}" for asset {spec.asset_key.to_user_string()}, which it '
                f"does not compute (it computes {[k.to_user_string() for k in keys]}); check one of its assets "
                "or declare the check with @asset_check."
            )
        by_output[f"{spec.asset_key.to_python_identifier()}_{spec.name}"] = spec
    return by_output


def _require_outputs(graph: GraphDefinition, wanted: Sequence[str], kind: str, owner: str) -> None:
    missing = [name for name in wanted if name not in graph.output_mappings]
    if missing:
        raise DagsterInvalidDefinitionError(
            f'{kind} "{owner}" does not return graph outputs {missing}; return a dict with a value for each, e.g. '
            f"{{{', '.join(f'{n!r}: ...' for n in wanted)}}} (a check's value is the output of an op that returns "
            "an AssetCheckResult)."
        )


def _traced(fn: Callable[..., Any], name: str, out_names: list[str] | None, config: Any) -> GraphDefinition:
    nodes, input_mappings, output_mappings = trace_graph(fn, name, out_names)
    if not output_mappings:
        raise DagsterInvalidDefinitionError(
            f'Graph-backed asset "{name}" returns nothing; return the output of the op that computes the asset.'
        )
    description = (fn.__doc__ or "").strip() or None
    return GraphDefinition(name, nodes, input_mappings, output_mappings, description, None, config)


@overload
def graph_asset(compose_fn: Callable[..., Any]) -> AssetsDefinition: ...


@overload
def graph_asset(
    compose_fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    config: Any = None,
    key_prefix: str | Sequence[str] | None = None,
    group_name: str | None = None,
    partitions_def: Any = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    automation_condition: Any = None,
    backfill_policy: Any = None,
    resource_defs: Mapping[str, Any] | None = None,
    check_specs: Sequence[Any] | None = None,
    key: Any = None,
    code_version: str | None = None,
) -> Callable[[Callable[..., Any]], AssetsDefinition]: ...


def graph_asset(
    compose_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    config: Any = None,
    key_prefix: str | Sequence[str] | None = None,
    group_name: str | None = None,
    partitions_def: Any = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    automation_condition: Any = None,
    backfill_policy: Any = None,
    resource_defs: Mapping[str, Any] | None = None,
    check_specs: Sequence[Any] | None = None,
    key: Any = None,
    code_version: str | None = None,
) -> AssetsDefinition | Callable[[Callable[..., Any]], AssetsDefinition]:
    """An asset whose value is the output of a graph of ops; its parameters are upstream assets."""

    def build(fn: Callable[..., Any]) -> AssetsDefinition:
        asset_key = _key_for(name, key, key_prefix, fn.__name__)
        checks = _check_outputs(check_specs, [asset_key], asset_key.to_user_string())
        graph = _traced(fn, asset_key.to_python_identifier(), ["result", *checks] if checks else None, config)
        if checks:
            _require_outputs(graph, ["result", *checks], "graph_asset", asset_key.to_user_string())
        elif len(graph.output_mappings) != 1:
            raise DagsterInvalidDefinitionError(
                f'graph_asset "{asset_key.to_user_string()}" returns {len(graph.output_mappings)} outputs; return '
                "one, or use @graph_multi_asset."
            )
        keys_by_input = _graph_inputs(graph, ins or {}, asset_key.to_user_string())
        spec = AssetSpec(
            key=asset_key,
            deps=[AssetDep(k, (ins or {}).get(n, AssetIn()).partition_mapping) for n, k in keys_by_input.items()],
            description=description or graph.description,
            metadata=dict(metadata or {}),
            group_name=group_name,
            code_version=code_version,
            owners=owners or (),
            tags=dict(tags or {}),
            kinds=kinds or (),
            partitions_def=partitions_def,
            automation_condition=automation_condition,
        )
        return AssetsDefinition(
            op=graph,  # type: ignore[arg-type]
            specs_by_output={"result" if checks else next(iter(graph.output_mappings)): spec},
            keys_by_input=keys_by_input,
            check_specs=list(checks.values()),
            check_output_names=list(checks),
            backfill_policy=backfill_policy,
            resource_defs=resource_defs,
        )

    return build(compose_fn) if compose_fn is not None else build


def graph_multi_asset(
    *,
    outs: Mapping[str, AssetOut],
    name: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    partitions_def: Any = None,
    backfill_policy: Any = None,
    group_name: str | None = None,
    can_subset: bool = False,
    resource_defs: Mapping[str, Any] | None = None,
    check_specs: Sequence[Any] | None = None,
    config: Any = None,
    description: str | None = None,
) -> Callable[[Callable[..., Any]], AssetsDefinition]:
    """Several assets computed by one graph: each out= is a graph output (return a dict or tuple of them)."""

    def build(fn: Callable[..., Any]) -> AssetsDefinition:
        graph_name = name or fn.__name__
        warn_unsupported(f"graph_multi_asset '{graph_name}'", can_subset=can_subset or None)
        graph = _traced(fn, graph_name, list(outs), config)
        missing = sorted(set(outs) - set(graph.output_mappings))
        if missing:
            raise DagsterInvalidDefinitionError(
                f'graph_multi_asset "{graph_name}" declares outs {missing} that its function does not return; '
                "return a dict with a graph output for each out."
            )
        keys_by_input = _graph_inputs(graph, ins or {}, graph_name)
        specs = {}
        for out_name, out in outs.items():
            spec = out.to_spec(out_name, group_name).replace_attributes(
                partitions_def=partitions_def,
                deps=[*out.deps, *(AssetDep(k) for k in keys_by_input.values())],
                description=out.description or description,
            )
            specs[out_name] = spec.with_io_manager_key(out.io_manager_key) if out.io_manager_key else spec
        checks = _check_outputs(check_specs, [s.key for s in specs.values()], graph_name)
        _require_outputs(graph, list(checks), "graph_multi_asset", graph_name)
        return AssetsDefinition(
            op=graph,  # type: ignore[arg-type]
            specs_by_output=specs,
            keys_by_input=keys_by_input,
            check_specs=list(checks.values()),
            check_output_names=list(checks),
            backfill_policy=backfill_policy,
            resource_defs=resource_defs,
        )

    return build
