"""Asset checks: @asset_check, AssetCheckSpec (checks computed by an asset's own function) and results."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sdk._composition import refuse_inside_graph_body
from sdk._compute import read_signature
from sdk.asset_specs import AssetIn, to_dep_key
from sdk.automation import check_condition
from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import AssetCheckKey, AssetKey, to_asset_key
from sdk.metadata import MetadataValue, normalize_metadata
from sdk.ops import In, InputDef, OpDefinition, Out, direct_invoke
from sdk.retries import RetryPolicy
from sdk.types import Nothing


class AssetCheckSeverity(enum.Enum):
    """ERROR fails a blocking check (stopping downstream); WARN only reports."""

    WARN = "WARN"
    ERROR = "ERROR"


@dataclass(frozen=True)
class AssetCheckSpec:
    """A check's declaration: its name, the asset it checks, and whether a failure blocks downstream."""

    name: str
    asset: Any
    description: str | None = None
    additional_deps: Sequence[Any] = ()
    blocking: bool = False
    metadata: Mapping[str, Any] | None = None
    automation_condition: Any = None
    partitions_def: Any = None

    def __post_init__(self) -> None:
        from sdk._unsupported import warn_unsupported

        warn_unsupported(f"asset check spec '{self.name}'", partitions_def=self.partitions_def)
        object.__setattr__(self, "asset", to_asset_key(self.asset))
        object.__setattr__(self, "additional_deps", tuple(to_dep_key(d) for d in self.additional_deps))
        check_condition(self.automation_condition, f"asset check '{self.name}'")

    @property
    def asset_key(self) -> AssetKey:
        return self.asset

    @property
    def key(self) -> AssetCheckKey:
        return AssetCheckKey(self.asset, self.name)


@dataclass(frozen=True)
class AssetCheckResult:
    """The outcome of a check; asset_key and check_name may be left out when only one check fits."""

    passed: bool
    asset_key: Any = None
    check_name: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR
    description: str | None = None

    def __post_init__(self) -> None:
        if self.asset_key is not None:
            object.__setattr__(self, "asset_key", to_asset_key(self.asset_key))
        object.__setattr__(self, "metadata", normalize_metadata(self.metadata))


@dataclass(frozen=True)
class AssetCheckEvaluation:
    """A check evaluation as results report it."""

    asset_key: AssetKey
    check_name: str
    passed: bool
    severity: AssetCheckSeverity
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    description: str | None = None

    @property
    def asset_check_key(self) -> AssetCheckKey:
        return AssetCheckKey(self.asset_key, self.check_name)


class AssetChecksDefinition:
    """An op that evaluates one or more checks on assets."""

    def __init__(
        self,
        *,
        op: OpDefinition,
        specs: Sequence[AssetCheckSpec],
        keys_by_input: dict[str, AssetKey],
        resource_defs: Mapping[str, Any] | None = None,
    ) -> None:
        self.op = op
        self.check_specs = tuple(specs)
        self.keys_by_input = keys_by_input
        self.resource_defs = dict(resource_defs or {})  # resources the check brings; Definitions adds them

    @property
    def specs(self) -> list[AssetCheckSpec]:
        return list(self.check_specs)

    @property
    def keys_by_input_name(self) -> dict[str, AssetKey]:
        return dict(self.keys_by_input)

    def get_spec_for_check_key(self, check_key: AssetCheckKey) -> AssetCheckSpec:
        for spec in self.check_specs:
            if spec.key == check_key:
                return spec
        raise KeyError(f"{self!r} has no check {check_key!r}; its checks are {self.check_keys}.")

    @property
    def node_name(self) -> str:
        return self.op.name

    @property
    def check_keys(self) -> list[AssetCheckKey]:
        return [s.key for s in self.check_specs]

    @property
    def spec(self) -> AssetCheckSpec:
        return self.check_specs[0]

    @property
    def required_resource_keys(self) -> frozenset[str]:
        return self.op.required_resource_keys

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        refuse_inside_graph_body(f'asset check "{self.check_keys[0].to_user_string()}"')
        return direct_invoke(self.op, args, kwargs)

    def __repr__(self) -> str:
        return f"<AssetChecksDefinition {[k.to_user_string() for k in self.check_keys]}>"


def asset_check(
    *,
    asset: Any,
    name: str | None = None,
    description: str | None = None,
    blocking: bool = False,
    additional_ins: Mapping[str, AssetIn] | None = None,
    additional_deps: Sequence[Any] | None = None,
    required_resource_keys: set[str] | None = None,
    config_schema: Any = None,
    op_tags: Mapping[str, Any] | None = None,
    retry_policy: RetryPolicy | None = None,
    metadata: Mapping[str, Any] | None = None,
    automation_condition: Any = None,
    resource_defs: Mapping[str, Any] | None = None,
    compute_kind: str | None = None,
    pool: str | None = None,
    partitions_def: Any = None,
) -> Callable[[Callable[..., Any]], AssetChecksDefinition]:
    """Declare a check on an asset; the function's first input parameter receives the asset's value."""
    asset_key = to_dep_key(asset)

    def build(fn: Callable[..., Any]) -> AssetChecksDefinition:
        check_name = name or fn.__name__
        from sdk._unsupported import warn_unsupported

        owner = f"asset check '{asset_key.to_user_string()}:{check_name}'"
        warn_unsupported(owner, compute_kind=compute_kind, pool=pool, partitions_def=partitions_def)
        sig = read_signature(fn)
        extra_ins = dict(additional_ins or {})
        keys_by_input: dict[str, AssetKey] = {}
        op_ins: dict[str, In] = {}
        for index, param in enumerate(sig.input_names):
            ain = extra_ins.get(param)
            keys_by_input[param] = ain.resolve_key(param) if ain else (asset_key if index == 0 else AssetKey(param))
            op_ins[param] = In(dagster_type=ain.dagster_type if ain else None)
        extra: list[InputDef] = []
        if asset_key not in keys_by_input.values():
            input_name = asset_key.to_python_identifier()
            keys_by_input[input_name] = asset_key
            extra.append(InputDef(input_name, Nothing))
        dep_keys = [to_dep_key(d) for d in additional_deps or ()]
        for dep in dep_keys:
            if dep not in keys_by_input.values():
                keys_by_input[dep.to_python_identifier()] = dep
                extra.append(InputDef(dep.to_python_identifier(), Nothing))
        op_def = OpDefinition(
            fn,
            name=f"{asset_key.to_python_identifier()}_{check_name}",
            ins=op_ins,
            outs={"result": Out(Nothing)},
            description=description,
            config_schema=config_schema,
            required_resource_keys={*(required_resource_keys or ()), *(resource_defs or {})},
            tags=op_tags,
            retry_policy=retry_policy,
            signature=sig,
            extra_input_defs=extra,
        )
        spec = AssetCheckSpec(
            check_name,
            asset=asset_key,
            description=op_def.description,
            blocking=blocking,
            additional_deps=[*dep_keys, *(k for k in keys_by_input.values() if k != asset_key and k not in dep_keys)],
            metadata=metadata,
            automation_condition=automation_condition,
        )
        return AssetChecksDefinition(op=op_def, specs=[spec], keys_by_input=keys_by_input, resource_defs=resource_defs)

    return build


def multi_asset_check(
    *,
    specs: Sequence[AssetCheckSpec],
    name: str | None = None,
    description: str | None = None,
    can_subset: bool = False,
    compute_kind: str | None = None,
    op_tags: Mapping[str, Any] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    required_resource_keys: set[str] | None = None,
    retry_policy: RetryPolicy | None = None,
    config_schema: Any = None,
    ins: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], AssetChecksDefinition]:
    """One function that evaluates several checks (of one or more assets), yielding an AssetCheckResult
    (with asset_key= and check_name=) for each; parameters load the assets named in ins= (or by name)."""
    if not specs:
        raise DagsterInvalidDefinitionError("multi_asset_check needs specs=[AssetCheckSpec(...), ...].")
    repeated = sorted({s.key.to_user_string() for s in specs if [t.key for t in specs].count(s.key) > 1})
    if repeated:
        raise DagsterInvalidDefinitionError(f"multi_asset_check names the check {', '.join(repeated)} twice.")

    def build(fn: Callable[..., Any]) -> AssetChecksDefinition:
        sig = read_signature(fn)
        given = {k: v if isinstance(v, AssetIn) else AssetIn(key=v) for k, v in (ins or {}).items()}
        keys_by_input = {param: (given.get(param) or AssetIn()).resolve_key(param) for param in sig.input_names}
        op_ins = {param: In(dagster_type=given[param].dagster_type) for param in sig.input_names if param in given}
        extra: list[InputDef] = []
        for spec in specs:
            for key in (spec.asset_key, *spec.additional_deps):
                if key not in keys_by_input.values():
                    keys_by_input[key.to_python_identifier()] = key
                    extra.append(InputDef(key.to_python_identifier(), Nothing))
        op_def = OpDefinition(
            fn,
            name=name or fn.__name__,
            ins=op_ins,
            outs={"result": Out(Nothing)},
            description=description,
            config_schema=config_schema,
            required_resource_keys={*(required_resource_keys or ()), *(resource_defs or {})},
            tags={**(op_tags or {}), **({"dagster/compute_kind": compute_kind} if compute_kind else {})},
            retry_policy=retry_policy,
            signature=sig,
            extra_input_defs=extra,
        )
        return AssetChecksDefinition(
            op=op_def, specs=list(specs), keys_by_input=keys_by_input, resource_defs=resource_defs
        )

    return build


def to_check_definitions(values: Sequence[Any]) -> list[AssetChecksDefinition]:
    for value in values:
        if not isinstance(value, AssetChecksDefinition):
            raise DagsterInvalidDefinitionError(
                f"Definitions(asset_checks=...) got {value!r}; pass functions decorated with @asset_check."
            )
    return list(values)
