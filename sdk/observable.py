"""Observable source assets: assets computed elsewhere that a function looks at to learn their version.

Observing runs the function and records an ASSET_OBSERVATION whose `dagster/data_version` metadata is
the DataVersion the function returned, as Dagster records it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sdk.errors import DagsterInvariantViolationError
from sdk.keys import AssetKey, to_asset_key
from sdk.metadata import MetadataValue, normalize_metadata

DATA_VERSION_METADATA_KEY = "dagster/data_version"


@dataclass(frozen=True)
class DataVersion:
    """The version of an asset's data: equal versions mean equal data."""

    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise TypeError(f"DataVersion takes a str, got {type(self.value).__name__}: {self.value!r}.")


class ObserveResult:
    """What an observation function returns: the data version found, and metadata about the asset."""

    def __init__(
        self,
        *,
        asset_key: Any = None,
        metadata: Mapping[str, Any] | None = None,
        data_version: DataVersion | None = None,
        check_results: list[Any] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        if data_version is not None and not isinstance(data_version, DataVersion):
            raise TypeError(f"ObserveResult(data_version=...) takes a DataVersion, got {data_version!r}.")
        self.asset_key = to_asset_key(asset_key) if asset_key is not None else None
        self.metadata = normalize_metadata(metadata)
        self.data_version = data_version
        self.check_results = list(check_results or [])
        self.tags = dict(tags or {})


def observable_source_asset(
    observe_fn: Callable[..., Any] | None = None,
    *,
    key: Any = None,
    name: str | None = None,
    key_prefix: str | Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    description: str | None = None,
    group_name: str | None = None,
    partitions_def: Any = None,
    required_resource_keys: set[str] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    op_tags: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] = (),
    kinds: Sequence[str] = (),
    automation_condition: Any = None,
    io_manager_key: str | None = None,
    auto_observe_interval_minutes: float | None = None,
) -> Any:
    """Declare an asset computed elsewhere whose function observes it, returning a DataVersion or ObserveResult.

    Observing it (`observe([...])`, `materialize`, or a job selecting it) records an ASSET_OBSERVATION with
    the version in its `dagster/data_version` metadata; nothing is stored by an IO manager.

    Args:
        key / name / key_prefix: the asset's key (default: the function's name).
        metadata, description, group_name, tags, owners, kinds: as for @asset.
        partitions_def: the asset's partitions.
        required_resource_keys / resource_defs: resources the function uses.
    """

    def build(fn: Callable[..., Any]) -> Any:
        from sdk._unsupported import warn_unsupported

        warn_unsupported(
            f"observable_source_asset '{name or fn.__name__}'",
            auto_observe_interval_minutes=auto_observe_interval_minutes,  # schedule an observation job instead
        )
        if key is not None:
            asset_key = to_asset_key(key)
        else:
            prefix = [key_prefix] if isinstance(key_prefix, str) else list(key_prefix or [])
            asset_key = AssetKey([*prefix, name or fn.__name__])
        spec_kwargs = dict(
            key=asset_key,
            description=description or fn.__doc__,
            metadata=dict(metadata or {}),
            group_name=group_name,
            tags=dict(tags or {}),
            owners=list(owners),
            kinds=list(kinds),
            automation_condition=automation_condition,
            partitions_def=partitions_def,
        )
        return build_observable_assets_definition(
            fn,
            asset_key,
            spec_kwargs,
            name=name or asset_key.to_python_identifier(),
            required_resource_keys=required_resource_keys,
            resource_defs=resource_defs,
            op_tags=op_tags,
            io_manager_key=io_manager_key,
        )

    return build(observe_fn) if observe_fn is not None else build


def build_observable_assets_definition(
    fn: Callable[..., Any],
    asset_key: AssetKey,
    spec_kwargs: dict[str, Any],
    *,
    name: str,
    required_resource_keys: set[str] | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    op_tags: Mapping[str, Any] | None = None,
    io_manager_key: str | None = None,
) -> Any:
    """An AssetsDefinition whose step calls `fn` and records an observation instead of a materialization."""
    from sdk.asset_specs import AssetSpec
    from sdk.assets import multi_asset

    @functools.wraps(fn)
    def observe_step(*args: Any, **kwargs: Any) -> Iterator[Any]:
        yield from _events_of(asset_key, fn(*args, **kwargs))

    spec = AssetSpec(**spec_kwargs, skippable=True)
    if io_manager_key:
        spec = spec.with_io_manager_key(io_manager_key)
    adef = multi_asset(
        specs=[spec],
        name=name,
        required_resource_keys=required_resource_keys,
        resource_defs=resource_defs,
        op_tags=op_tags,
    )(observe_step)
    adef.is_observable = True  # type: ignore[attr-defined]  # Dagster's flag; the step and observe() read it
    return adef


def _events_of(asset_key: AssetKey, result: Any) -> Iterator[Any]:
    from sdk.outputs import AssetObservation

    if isinstance(result, DataVersion):
        result = ObserveResult(data_version=result)
    if not isinstance(result, ObserveResult):
        raise DagsterInvariantViolationError(
            f"The observation function of {asset_key.to_user_string()} returned {result!r}; return a "
            "DataVersion(...) or an ObserveResult(data_version=..., metadata=...)."
        )
    if result.asset_key is not None and result.asset_key != asset_key:
        raise DagsterInvariantViolationError(
            f"The observation function of {asset_key.to_user_string()} returned an ObserveResult for "
            f"{result.asset_key.to_user_string()}; leave asset_key= out or set it to the observed asset."
        )
    meta = dict(result.metadata)
    if result.data_version is not None:
        meta[DATA_VERSION_METADATA_KEY] = MetadataValue.text(result.data_version.value)
    yield AssetObservation(asset_key=asset_key, metadata=meta)
    yield from result.check_results


def observe(
    assets: Sequence[Any],
    run_config: Any = None,
    instance: Any = None,
    resources: Mapping[str, Any] | None = None,
    partition_key: str | None = None,
    raise_on_error: bool = True,
    tags: Mapping[str, str] | None = None,
) -> Any:
    """Observe observable source assets in this process; returns the run's ExecuteInProcessResult."""
    from sdk.execution.in_process import materialize

    not_observable = [a for a in assets if not getattr(a, "is_observable", False)]
    if not_observable:
        raise DagsterInvariantViolationError(
            f"observe() takes observable source assets; {not_observable[0]!r} is not one. Declare it with "
            "@observable_source_asset (or SourceAsset(observe_fn=...)), or use materialize() for assets."
        )
    return materialize(
        assets,
        run_config=run_config,
        instance=instance,
        resources=resources,
        partition_key=partition_key,
        raise_on_error=raise_on_error,
        tags=tags,
    )
