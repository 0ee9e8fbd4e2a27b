"""SourceAsset: Dagster's older name for an asset this location reads but does not compute; downstream
assets load it through its IO manager (io_manager_key=, or its own io_manager_def=)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sdk.asset_specs import AssetSpec
from sdk.keys import AssetKey, to_asset_key

_SPEC_FIELDS = (
    "key",
    "description",
    "metadata",
    "group_name",
    "tags",
    "owners",
    "kinds",
    "partitions_def",
    "automation_condition",
)


class SourceAsset:
    """An external asset with the IO manager that loads it."""

    def __init__(
        self,
        key: Any,
        metadata: Mapping[str, Any] | None = None,
        io_manager_key: str | None = None,
        io_manager_def: Any = None,
        description: str | None = None,
        partitions_def: Any = None,
        group_name: str | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        observe_fn: Any = None,
        op_tags: Mapping[str, Any] | None = None,
        *,
        tags: Mapping[str, str] | None = None,
        owners: Any = (),
        kinds: Any = (),
        automation_condition: Any = None,
    ) -> None:
        self.key: AssetKey = to_asset_key(key)
        self.metadata = dict(metadata or {})
        self.description = description
        self.partitions_def = partitions_def
        self.group_name = group_name
        self.tags = dict(tags or {})
        self.owners = tuple(owners)
        self.kinds = tuple(kinds)
        self.automation_condition = automation_condition
        self.observe_fn = observe_fn
        self.op_tags = dict(op_tags or {})
        self.resource_defs = dict(resource_defs or {})
        if io_manager_def is not None:
            io_manager_key = io_manager_key or f"{self.key.to_python_identifier()}__io_manager"
            self.resource_defs[io_manager_key] = io_manager_def
        self.io_manager_key = io_manager_key or "io_manager"

    @property
    def keys(self) -> list[AssetKey]:
        return [self.key]

    @property
    def is_observable(self) -> bool:
        return self.observe_fn is not None

    def to_spec(self) -> AssetSpec:
        spec = AssetSpec(
            key=self.key,
            description=self.description,
            metadata=self.metadata,
            group_name=self.group_name,
            tags=self.tags,
            owners=self.owners,
            kinds=self.kinds,
            partitions_def=self.partitions_def,
            automation_condition=self.automation_condition,
        )
        return spec.with_io_manager_key(self.io_manager_key) if self.io_manager_key != "io_manager" else spec

    def to_assets_definition(self) -> Any:
        from sdk.assets import AssetsDefinition

        if self.observe_fn is not None:  # its step observes: records the DataVersion the function returns
            from sdk.observable import build_observable_assets_definition

            return build_observable_assets_definition(
                self.observe_fn,
                self.key,
                {k: v for k, v in vars(self.to_spec()).items() if k in _SPEC_FIELDS},
                name=self.key.to_python_identifier(),
                resource_defs=self.resource_defs,
                op_tags=self.op_tags,
            )
        spec = self.to_spec()
        return AssetsDefinition(
            op=None,
            specs_by_output={self.key.to_python_identifier(): spec},
            keys_by_input={},
            resource_defs=self.resource_defs,
        )

    def with_attributes(self, *, key: Any = None, group_name: str | None = None) -> SourceAsset:
        import copy

        new = copy.copy(self)
        if key is not None:
            new.key = to_asset_key(key)
        if group_name is not None:
            new.group_name = group_name
        return new

    def __repr__(self) -> str:
        return f"SourceAsset({self.key.to_user_string()!r})"
