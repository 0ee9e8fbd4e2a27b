"""Assets: @asset, @multi_asset and AssetsDefinition (an op whose outputs are asset keys)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, overload

from sdk._composition import refuse_inside_graph_body
from sdk._compute import read_signature
from sdk._unsupported import warn_unsupported
from sdk.asset_specs import AssetDep, AssetIn, AssetOut, AssetSpec, to_dep_key
from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import AssetKey, to_asset_key
from sdk.ops import In, InputDef, OpDefinition, Out, direct_invoke
from sdk.retries import RetryPolicy
from sdk.types import Nothing, resolve_dagster_type


class AssetsDefinition:
    """One op that materializes one or more assets (or, without an op, external assets)."""

    def __init__(
        self,
        *,
        op: OpDefinition | None,
        specs_by_output: Mapping[str, AssetSpec],
        keys_by_input: Mapping[str, AssetKey],
        check_specs: Sequence[Any] = (),
        can_subset: bool = False,
        selected_keys: frozenset[AssetKey] | None = None,
        backfill_policy: Any = None,
        resource_defs: Mapping[str, Any] | None = None,
        check_output_names: Sequence[str] = (),
    ) -> None:
        self.op = op
        self.resource_defs = dict(resource_defs or {})  # resources the asset brings; Definitions adds them
        self.specs_by_output = dict(specs_by_output)
        self.keys_by_input = dict(keys_by_input)
        self.check_specs = tuple(check_specs)
        # a graph-backed asset's graph output giving each check's result, in check_specs' order
        self._check_output_names = tuple(check_output_names)
        self.can_subset = can_subset
        self.output_by_key = {spec.key: out for out, spec in self.specs_by_output.items()}
        self._keys = list(self.output_by_key)
        self.selected_keys = selected_keys
        self.backfill_policy = backfill_policy

    # identity -------------------------------------------------------------------------------
    @property
    def is_executable(self) -> bool:
        return self.op is not None

    @property
    def node_name(self) -> str:
        return self.op.name if self.op else "__".join(self.key.path)

    @property
    def keys(self) -> list[AssetKey]:
        return self._keys

    @property
    def key(self) -> AssetKey:
        keys = self.keys
        if len(keys) != 1:
            raise DagsterInvalidDefinitionError(
                f'"{self.node_name}" defines {len(keys)} assets; use .keys instead of .key.'
            )
        return keys[0]

    @property
    def specs(self) -> list[AssetSpec]:
        return list(self.specs_by_output.values())

    @property
    def check_keys(self) -> list[Any]:
        return [spec.key for spec in self.check_specs]

    @property
    def check_specs_by_output_name(self) -> dict[str, Any]:
        """Each check by the output that gives its result (Dagster's name: `<asset>_<check>`)."""
        names = self._check_output_names or [f"{s.asset_key.to_python_identifier()}_{s.name}" for s in self.check_specs]
        return dict(zip(names, self.check_specs, strict=True))

    @property
    def specs_by_key(self) -> dict[AssetKey, AssetSpec]:
        return {spec.key: spec for spec in self.specs_by_output.values()}

    @property
    def keys_by_input_name(self) -> dict[str, AssetKey]:
        return dict(self.keys_by_input)

    @property
    def keys_by_output_name(self) -> dict[str, AssetKey]:
        return {out: spec.key for out, spec in self.specs_by_output.items()}

    @property
    def input_names(self) -> list[str]:
        return list(self.keys_by_input)

    @property
    def dependency_keys(self) -> set[AssetKey]:
        return {k for spec in self.specs for k in spec.dep_keys}

    def get_spec_for_check_key(self, check_key: Any) -> Any:
        for spec in self.check_specs:
            if spec.key == check_key:
                return spec
        raise KeyError(f"{self!r} has no check {check_key!r}; its checks are {self.check_keys}.")

    def spec_for(self, key: AssetKey) -> AssetSpec:
        return self.specs_by_output[self.output_by_key[key]]

    def deps_of(self, key: AssetKey) -> tuple[AssetKey, ...]:
        """Upstream keys of one asset of this definition (inputs and deps=)."""
        return self.spec_for(key).dep_keys

    @property
    def group_names_by_key(self) -> dict[AssetKey, str]:
        return {spec.key: spec.group_name or "default" for spec in self.specs}

    @property
    def partitions_def(self) -> Any:
        return next((s.partitions_def for s in self.specs if s.partitions_def is not None), None)

    def partition_mapping_for(self, key: AssetKey, upstream: AssetKey) -> Any:
        """The partition mapping declared on this asset's dependency on `upstream` (None: the default)."""
        return next((d.partition_mapping for d in self.spec_for(key).deps if d.asset_key == upstream), None)

    @property
    def required_resource_keys(self) -> frozenset[str]:
        return self.op.required_resource_keys if self.op else frozenset()

    def io_manager_key_for(self, key: AssetKey) -> str:
        spec = self.spec_for(key)
        override = spec.metadata.get("dagster/io_manager_key") if spec.metadata else None
        if override:
            return str(override)
        if self.op is None:
            return "io_manager"
        return self.op.output_defs[self.output_by_key[key]].io_manager_key

    # transformations ------------------------------------------------------------------------
    def with_remapped_deps(self, mapping: Mapping[AssetKey, AssetKey]) -> AssetsDefinition:
        """A copy whose upstream keys are rewritten (Definitions resolves prefixed upstream keys)."""
        new = copy.copy(self)
        new.keys_by_input = {n: mapping.get(k, k) for n, k in self.keys_by_input.items()}
        new.specs_by_output = {
            out: spec.replace_attributes(
                deps=[AssetDep(mapping.get(d.asset_key, d.asset_key), d.partition_mapping) for d in spec.deps]
            )
            for out, spec in self.specs_by_output.items()
        }
        return new

    def with_key_replacements(self, replace: Callable[[AssetKey], AssetKey]) -> AssetsDefinition:
        """A copy whose own keys and upstream keys go through `replace` (load_assets_from_modules'
        key_prefix); its op keeps its name (so its run config does too), as in Dagster."""
        from sdk.checks import AssetCheckSpec

        new = copy.copy(self)
        new.specs_by_output = {
            out: spec.replace_attributes(
                key=replace(spec.key), deps=[AssetDep(replace(d.asset_key), d.partition_mapping) for d in spec.deps]
            )
            for out, spec in self.specs_by_output.items()
        }
        new.keys_by_input = {name: replace(key) for name, key in self.keys_by_input.items()}
        new.check_specs = tuple(
            AssetCheckSpec(
                s.name,
                asset=replace(s.asset_key),
                description=s.description,
                additional_deps=[replace(d) for d in s.additional_deps],
                blocking=s.blocking,
                metadata=s.metadata,
                automation_condition=s.automation_condition,
            )
            for s in self.check_specs
        )
        new.output_by_key = {spec.key: out for out, spec in new.specs_by_output.items()}
        new._keys = list(new.output_by_key)
        if self.selected_keys is not None:
            new.selected_keys = frozenset(replace(k) for k in self.selected_keys)
        return new

    def subset(self, keys: frozenset[AssetKey]) -> AssetsDefinition:
        new = copy.copy(self)
        new.selected_keys = keys
        return new

    def with_attributes(self, *, group_name: str | None = None) -> AssetsDefinition:
        new = copy.copy(self)
        new.specs_by_output = {o: s.replace_attributes(group_name=group_name) for o, s in self.specs_by_output.items()}
        return new

    def with_group_name(self, group_name: str) -> AssetsDefinition:
        """A copy in `group_name`; an asset that already names another group is an error, as in Dagster."""
        grouped = sorted(
            s.key.to_user_string() for s in self.specs if s.group_name not in (None, "default", group_name)
        )
        if grouped:
            raise DagsterInvalidDefinitionError(
                f'Cannot set group_name "{group_name}" on assets {grouped}: they already name their group. Remove '
                "group_name from them or from the load_assets_from_... call."
            )
        return self.with_attributes(group_name=group_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        refuse_inside_graph_body(f'asset "{self.keys[0].to_user_string()}"' if self.keys else "an asset")
        if self.op is None:
            raise DagsterInvalidDefinitionError(
                f"{self.key.to_user_string()} is an external asset; it has no function to call."
            )
        if not isinstance(self.op, OpDefinition):
            raise DagsterInvalidDefinitionError(
                f'"{self.node_name}" is computed by a graph of ops; materialize it (dg.materialize([...])) or call '
                "its ops directly."
            )
        return direct_invoke(self.op, args, kwargs)

    def __repr__(self) -> str:
        return f"<AssetsDefinition {[k.to_user_string() for k in self.keys]}>"


def _key_for(name: str | None, key: Any, key_prefix: Any, fn_name: str) -> AssetKey:
    if key is not None:
        return to_asset_key(key)
    prefix = [key_prefix] if isinstance(key_prefix, str) else list(key_prefix or [])
    return AssetKey([*prefix, name or fn_name])


def _asset_inputs(
    fn: Callable, sig: Any, ins: Mapping[str, AssetIn], deps: Sequence[Any], owner: str
) -> tuple[dict[str, In], dict[str, AssetKey], list[InputDef]]:
    """Op ins for an asset function: value inputs from parameters, Nothing inputs for deps=."""
    unknown = set(ins) - set(sig.input_names)
    for name in unknown:
        if resolve_dagster_type(ins[name].dagster_type) is not Nothing:
            raise DagsterInvalidDefinitionError(
                f'Asset "{owner}" has ins["{name}"] but no parameter "{name}"; add the parameter or use deps=.'
            )
    op_ins: dict[str, In] = {}
    keys_by_input: dict[str, AssetKey] = {}
    extra: list[InputDef] = []
    default_in = AssetIn()
    for name in sig.input_names:
        spec = ins.get(name)
        keys_by_input[name] = (spec or default_in).resolve_key(name)
        if spec is not None:
            op_ins[name] = In(
                dagster_type=spec.dagster_type,
                metadata=dict(spec.metadata or {}),
                input_manager_key=spec.input_manager_key,
            )
    dep_keys = [to_dep_key(d) for d in deps] + [ins[n].resolve_key(n) for n in sorted(unknown)]
    for dep in dep_keys:
        if dep in keys_by_input.values():
            continue
        name = dep.to_python_identifier()
        keys_by_input[name] = dep
        extra.append(InputDef(name, Nothing))
    return op_ins, keys_by_input, extra


def _with_mappings(keys: list[AssetKey], ins: Mapping[str, AssetIn], deps: Sequence[Any]) -> list[Any]:
    """Dependency keys as AssetDeps that keep the partition mappings given in ins= and deps=."""
    mappings = {d.asset_key: d.partition_mapping for d in deps if isinstance(d, AssetDep) and d.partition_mapping}
    mappings.update(
        {
            spec.resolve_key(name): spec.partition_mapping
            for name, spec in ins.items()
            if spec.partition_mapping is not None
        }
    )
    return [AssetDep(k, mappings[k]) if k in mappings else k for k in keys]


@overload
def asset(compute_fn: Callable[..., Any]) -> AssetsDefinition: ...


@overload
def asset(
    compute_fn: None = None,
    *,
    name: str | None = None,
    key_prefix: str | Sequence[str] | None = None,
    key: Any = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Sequence[Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    required_resource_keys: set[str] | None = None,
    io_manager_key: str | None = None,
    compute_kind: str | None = None,
    dagster_type: Any = None,
    partitions_def: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    group_name: str | None = None,
    output_required: bool = True,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    check_specs: Sequence[Any] | None = None,
    owners: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    automation_condition: Any = None,
    backfill_policy: Any = None,
    pool: str | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    freshness_policy: Any = None,
    auto_materialize_policy: Any = None,
) -> Callable[[Callable[..., Any]], AssetsDefinition]: ...


def asset(
    compute_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    key_prefix: str | Sequence[str] | None = None,
    key: Any = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Sequence[Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    required_resource_keys: set[str] | None = None,
    io_manager_key: str | None = None,
    compute_kind: str | None = None,
    dagster_type: Any = None,
    partitions_def: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    group_name: str | None = None,
    output_required: bool = True,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    check_specs: Sequence[Any] | None = None,
    owners: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    automation_condition: Any = None,
    backfill_policy: Any = None,
    pool: str | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    freshness_policy: Any = None,
    auto_materialize_policy: Any = None,
    io_manager_def: Any = None,
) -> AssetsDefinition | Callable[[Callable[..., Any]], AssetsDefinition]:
    """Declare an asset: its value is the function's return, its upstream assets its parameters."""

    def build(fn: Callable[..., Any]) -> AssetsDefinition:
        if name is not None:
            from sdk._names import check_valid_name

            check_valid_name(name, "Asset")
        asset_key = _key_for(name, key, key_prefix, fn.__name__)
        warn_unsupported(f"asset '{asset_key.to_user_string()}'", pool=pool)
        condition = automation_condition
        if auto_materialize_policy is not None:
            from sdk.auto_materialize import condition_from_policy

            owner = f"asset '{asset_key.to_user_string()}'"
            condition = condition_from_policy(auto_materialize_policy, automation_condition, owner)
        out_io_key, all_resource_defs = io_manager_key, resource_defs
        if io_manager_def is not None:  # Dagster's: the IO manager under its own key, provided with the asset
            if io_manager_key is not None:
                raise DagsterInvalidDefinitionError(
                    "Both io_manager_key and io_manager_def were provided to `@asset` decorator. Please provide one "
                    "or the other. "
                )
            out_io_key = f"{asset_key.to_python_identifier()}__io_manager"
            all_resource_defs = {**(resource_defs or {}), out_io_key: io_manager_def}
        sig = read_signature(fn)
        op_ins, keys_by_input, extra = _asset_inputs(fn, sig, ins or {}, deps or (), asset_key.to_user_string())
        op_def = OpDefinition(
            fn,
            name=asset_key.to_python_identifier(),
            ins=op_ins,
            outs={
                "result": Out(
                    dagster_type=dagster_type,
                    is_required=output_required,
                    io_manager_key=out_io_key,
                    code_version=code_version,
                )
            },
            description=description,
            config_schema=config_schema,
            required_resource_keys={*(required_resource_keys or ()), *(resource_defs or {})},
            tags=op_tags,
            retry_policy=retry_policy,
            code_version=code_version,
            signature=sig,
            extra_input_defs=extra,
        )
        all_kinds = [*(kinds or []), *([compute_kind] if compute_kind else [])]
        spec = AssetSpec(
            key=asset_key,
            deps=_with_mappings(list(keys_by_input.values()), ins or {}, deps or ()),
            description=op_def.description,
            metadata=dict(metadata or {}),
            skippable=not output_required,
            group_name=group_name,
            code_version=code_version,
            owners=owners or (),
            tags=dict(tags or {}),
            kinds=all_kinds,
            partitions_def=partitions_def,
            automation_condition=condition,
            freshness_policy=freshness_policy,
        )
        return AssetsDefinition(
            op=op_def,
            specs_by_output={"result": spec},
            keys_by_input=keys_by_input,
            check_specs=tuple(check_specs or ()),
            backfill_policy=backfill_policy,
            resource_defs=all_resource_defs,
        )

    return build(compute_fn) if compute_fn is not None else build


def multi_asset(
    *,
    outs: Mapping[str, AssetOut] | None = None,
    specs: Sequence[AssetSpec] | None = None,
    name: str | None = None,
    ins: Mapping[str, AssetIn] | None = None,
    deps: Sequence[Any] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    required_resource_keys: set[str] | None = None,
    internal_asset_deps: Mapping[str, set[AssetKey]] | None = None,
    partitions_def: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    can_subset: bool = False,
    group_name: str | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    check_specs: Sequence[Any] | None = None,
    pool: str | None = None,
    backfill_policy: Any = None,
    resource_defs: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], AssetsDefinition]:
    """Declare one function that materializes several assets (specs= or outs=)."""
    if bool(outs) == bool(specs):
        raise DagsterInvalidDefinitionError("multi_asset needs exactly one of outs= or specs=.")

    def build(fn: Callable[..., Any]) -> AssetsDefinition:
        sig = read_signature(fn)
        op_name = name or fn.__name__
        warn_unsupported(f"multi_asset '{op_name}'", pool=pool)
        spec_deps = [d for s in (specs or []) for d in s.dep_keys]
        op_ins, keys_by_input, extra = _asset_inputs(fn, sig, ins or {}, [*(deps or []), *spec_deps], op_name)
        specs_by_output: dict[str, AssetSpec] = {}
        op_outs: dict[str, Out] = {}
        if specs:
            for spec in specs:
                out_name = spec.key.to_python_identifier()
                specs_by_output[out_name] = spec.replace_attributes(
                    group_name=spec.group_name or group_name,
                    partitions_def=spec.partitions_def or partitions_def,
                    deps=list(spec.deps) or [AssetDep(k) for k in keys_by_input.values()],
                )
                op_outs[out_name] = Out(
                    Nothing, is_required=not spec.skippable and not can_subset, code_version=spec.code_version
                )
        else:
            for out_name, out in (outs or {}).items():
                spec = out.to_spec(out_name, group_name)
                internal = (internal_asset_deps or {}).get(out_name)
                dep_list = list(internal) if internal is not None else [*spec.dep_keys, *keys_by_input.values()]
                specs_by_output[out_name] = spec.replace_attributes(
                    partitions_def=partitions_def, deps=[AssetDep(k) for k in dict.fromkeys(dep_list)]
                )
                op_outs[out_name] = Out(
                    out.dagster_type,
                    out.description,
                    out.is_required and not can_subset,
                    out.io_manager_key,
                    dict(out.metadata or {}),
                    out.code_version,
                )
        op_def = OpDefinition(
            fn,
            name=op_name,
            ins=op_ins,
            outs=op_outs,
            description=description,
            config_schema=config_schema,
            required_resource_keys={*(required_resource_keys or ()), *(resource_defs or {})},
            tags=op_tags,
            retry_policy=retry_policy,
            code_version=code_version,
            signature=sig,
            extra_input_defs=extra,
        )
        _refuse_repeated_keys(op_name, [spec.key for spec in specs or ()] or [s.key for s in specs_by_output.values()])
        return AssetsDefinition(
            op=op_def,
            specs_by_output=specs_by_output,
            keys_by_input=keys_by_input,
            check_specs=tuple(check_specs or ()),
            can_subset=can_subset,
            backfill_policy=backfill_policy,
            resource_defs=resource_defs,
        )

    return build


def _refuse_repeated_keys(owner: str, keys: list[AssetKey]) -> None:
    repeated = sorted({k.to_user_string() for k in keys if keys.count(k) > 1})
    if repeated:
        raise DagsterInvalidDefinitionError(
            f'multi_asset "{owner}" names the asset {", ".join(repeated)} more than once; each asset it '
            "produces needs its own key."
        )


def external_assets_from_specs(specs: Sequence[AssetSpec]) -> list[AssetsDefinition]:
    """AssetSpecs given to Definitions: assets that exist, but that this location does not compute."""
    return [
        AssetsDefinition(op=None, specs_by_output={spec.key.to_python_identifier(): spec}, keys_by_input={})
        for spec in specs
    ]


def to_assets_definitions(values: Sequence[Any]) -> list[AssetsDefinition]:
    out: list[AssetsDefinition] = []
    for value in values:
        if isinstance(value, AssetsDefinition):
            out.append(value)
        elif isinstance(value, AssetSpec):
            out.extend(external_assets_from_specs([value]))
        elif hasattr(value, "to_assets_definition"):  # SourceAsset
            out.append(value.to_assets_definition())
        else:
            raise DagsterInvalidDefinitionError(
                f"Definitions(assets=...) got {value!r}; pass @asset / @multi_asset definitions or AssetSpecs."
            )
    return out


def map_asset_specs(func: Callable[[AssetSpec], AssetSpec], iterable: Iterable[Any]) -> list[Any]:
    """Each AssetSpec replaced by func(spec), and each AssetsDefinition by a copy whose specs are (their
    keys must stay: change groups, tags, owners, metadata, ...); anything else passes through.

    Args:
        func: AssetSpec -> AssetSpec, e.g. `lambda s: s.replace_attributes(group_name="raw")`.
        iterable: AssetSpecs, AssetsDefinitions and other definitions.
    """
    out: list[Any] = []
    for item in iterable:
        if isinstance(item, AssetSpec):
            out.append(func(item))
        elif isinstance(item, AssetsDefinition) and item.specs_by_output:
            mapped = {name: func(spec) for name, spec in item.specs_by_output.items()}
            moved = [s.key.to_user_string() for name, s in item.specs_by_output.items() if mapped[name].key != s.key]
            if moved:
                raise DagsterInvalidDefinitionError(
                    f"map_asset_specs cannot change the keys of an AssetsDefinition's assets ({moved}); change "
                    "other attributes, or give the asset its key where it is defined."
                )
            new = copy.copy(item)
            new.specs_by_output = mapped
            out.append(new)
        else:
            out.append(item)
    return out
