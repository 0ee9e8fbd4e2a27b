"""Declarative pieces of assets: AssetSpec (also an external asset), AssetDep, AssetIn, AssetOut."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sdk.automation import check_condition
from sdk.freshness import check_policy
from sdk.keys import AssetKey, simple_key, to_asset_key


class AssetDep:
    """A dependency on an upstream asset that is not loaded as an input."""

    __slots__ = ("asset_key", "metadata", "partition_mapping")

    def __init__(self, asset: Any, partition_mapping: Any = None, *, metadata: Mapping[str, Any] | None = None) -> None:
        self.asset_key = asset if type(asset) is AssetKey else to_dep_key(asset)
        self.partition_mapping = partition_mapping
        self.metadata = dict(metadata or {})  # about the dependency itself (kept; not shown yet)

    @property
    def asset(self) -> AssetKey:
        return self.asset_key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AssetDep) and (self.asset_key, self.partition_mapping) == (
            other.asset_key,
            other.partition_mapping,
        )

    def __hash__(self) -> int:
        return hash(self.asset_key)

    def __repr__(self) -> str:
        return f"AssetDep({self.asset_key!r})"


_PLAIN_DEPS: dict[AssetKey, AssetDep] = {}


def dep_for_key(key: AssetKey) -> AssetDep:
    """A shared AssetDep for a plain key: big graphs hold tens of thousands of equal ones."""
    dep = _PLAIN_DEPS.get(key)
    if dep is None:
        dep = _PLAIN_DEPS[key] = AssetDep(key)
    return dep


def to_dep_key(value: Any) -> AssetKey:
    """The key of anything users put in deps=: an asset, spec, AssetDep, key or string."""
    if isinstance(value, AssetDep):
        return value.asset_key
    if isinstance(value, AssetSpec):
        return value.key
    keys = getattr(value, "keys", None)
    if keys is not None and not isinstance(value, Mapping):
        keys = list(keys)
        if len(keys) != 1:
            raise TypeError(f"deps= got a definition with {len(keys)} assets; list the keys you depend on instead.")
        return keys[0]
    return to_asset_key(value)


@dataclass(frozen=True)
class AssetSpec:
    """An asset's description without its computation: used by multi_asset, or alone as an external asset."""

    key: Any
    deps: Sequence[Any] = ()
    description: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    skippable: bool = False
    group_name: str | None = None
    code_version: str | None = None
    owners: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    kinds: Sequence[str] = ()
    partitions_def: Any = None
    automation_condition: Any = None
    freshness_policy: Any = None

    def __post_init__(self) -> None:
        if type(self.key) is not AssetKey:
            object.__setattr__(self, "key", to_asset_key(self.key))
        deps = tuple(
            d if type(d) is AssetDep else dep_for_key(d) if type(d) is AssetKey else AssetDep(d) for d in self.deps
        )
        object.__setattr__(self, "deps", deps)
        object.__setattr__(self, "_dep_keys", tuple(d.asset_key for d in deps))
        object.__setattr__(self, "owners", tuple(self.owners))
        object.__setattr__(self, "kinds", tuple(self.kinds))
        check_condition(self.automation_condition, f"asset '{self.key.to_user_string()}'")
        check_policy(self.freshness_policy, f"asset '{self.key.to_user_string()}'")

    @property
    def dep_keys(self) -> tuple[AssetKey, ...]:
        return self._dep_keys  # type: ignore[attr-defined]

    def replace_attributes(self, **changes: Any) -> AssetSpec:
        return dataclasses.replace(self, **changes)

    def merge_attributes(self, **changes: Any) -> AssetSpec:
        merged: dict[str, Any] = {}
        for name, value in changes.items():
            current = getattr(self, name)
            if isinstance(current, Mapping):
                merged[name] = {**current, **value}
            elif isinstance(current, tuple):
                merged[name] = (*current, *value)
            else:
                merged[name] = value
        return dataclasses.replace(self, **merged)

    def with_io_manager_key(self, io_manager_key: str) -> AssetSpec:
        return self.merge_attributes(metadata={"dagster/io_manager_key": io_manager_key})


@dataclass(frozen=True)
class AssetIn:
    """Where an asset function's input comes from: another asset's key, with metadata and type."""

    key: Any = None
    metadata: Mapping[str, Any] | None = None
    key_prefix: str | Sequence[str] | None = None
    dagster_type: Any = None
    partition_mapping: Any = None
    input_manager_key: str | None = None

    def resolve_key(self, param_name: str) -> AssetKey:
        if self.key is None and self.key_prefix is None:
            return simple_key(param_name)
        if self.key is not None:
            return to_asset_key(self.key)
        prefix = [self.key_prefix] if isinstance(self.key_prefix, str) else list(self.key_prefix or [])
        return AssetKey([*prefix, param_name])


@dataclass(frozen=True)
class AssetOut:
    """One asset produced by a multi_asset's outs= entry."""

    key: Any = None
    key_prefix: str | Sequence[str] | None = None
    dagster_type: Any = None
    description: str | None = None
    is_required: bool = True
    io_manager_key: str | None = None
    metadata: Mapping[str, Any] | None = None
    group_name: str | None = None
    code_version: str | None = None
    owners: Sequence[str] = ()
    tags: Mapping[str, str] | None = None
    kinds: Sequence[str] = ()
    deps: Sequence[Any] = ()
    automation_condition: Any = None
    freshness_policy: Any = None
    backfill_policy: Any = None

    def __post_init__(self) -> None:
        from sdk._unsupported import warn_unsupported

        warn_unsupported("AssetOut (use multi_asset(backfill_policy=))", backfill_policy=self.backfill_policy)

    @staticmethod
    def from_spec(
        spec: AssetSpec,
        dagster_type: Any = None,
        is_required: bool = True,
        io_manager_key: str | None = None,
        backfill_policy: Any = None,
    ) -> AssetOut:
        """An AssetOut with the key, deps, description and other attributes of an AssetSpec."""
        return AssetOut(
            key=spec.key,
            dagster_type=dagster_type,
            description=spec.description,
            is_required=is_required,
            io_manager_key=io_manager_key,
            metadata=dict(spec.metadata),
            group_name=spec.group_name,
            code_version=spec.code_version,
            owners=tuple(spec.owners),
            tags=dict(spec.tags),
            kinds=tuple(spec.kinds),
            deps=tuple(spec.deps),
            automation_condition=spec.automation_condition,
            freshness_policy=spec.freshness_policy,
            backfill_policy=backfill_policy,
        )

    def to_spec(self, output_name: str, default_group: str | None) -> AssetSpec:
        if self.key is not None:
            key = to_asset_key(self.key)
        else:
            prefix = [self.key_prefix] if isinstance(self.key_prefix, str) else list(self.key_prefix or [])
            key = AssetKey([*prefix, output_name])
        return AssetSpec(
            key=key,
            deps=self.deps,
            description=self.description,
            metadata=dict(self.metadata or {}),
            skippable=not self.is_required,
            group_name=self.group_name or default_group,
            code_version=self.code_version,
            owners=self.owners,
            tags=dict(self.tags or {}),
            kinds=self.kinds,
            automation_condition=self.automation_condition,
            freshness_policy=self.freshness_policy,
        )
