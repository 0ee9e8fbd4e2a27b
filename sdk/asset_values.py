"""Loading an asset's stored value outside a run (a notebook, a script, a test), through the IO manager
the asset is stored with: `defs.load_asset_value("orders")`, or several with one set of resources:
`with defs.get_asset_value_loader() as loader: loader.load_asset_value("orders")`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError


class AssetValueLoader:
    """Loads asset values with the Definitions' resources, set up on first use and torn down on close()."""

    def __init__(self, defs: Any, instance: Any = None) -> None:
        from sdk.execution import default_storage_dir
        from sdk.resources import FilesystemIOManager

        self._defs = defs
        self._resources = {"io_manager": FilesystemIOManager(base_dir=default_storage_dir()), **defs.resources}
        self._managers: dict[str, Any] = {}
        self.instance = instance

    def __enter__(self) -> AssetValueLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load_asset_value(
        self,
        asset_key: Any,
        *,
        python_type: type | None = None,
        partition_key: str | None = None,
        input_definition_metadata: Mapping[str, Any] | None = None,
        resource_config: Any = None,
    ) -> Any:
        """The stored value of an asset (one partition of a partitioned one), as a downstream asset would
        load it.

        Args:
            asset_key: the asset, an AssetKey or its string form.
            python_type: the type to load as (passed to the IO manager as the input's type).
            partition_key: the partition to load.
            input_definition_metadata: metadata the IO manager sees as the input's.
            resource_config: config of the IO manager, when it takes any.
        """
        from sdk.io_managers import InputContext, OutputContext
        from sdk.keys import to_asset_key
        from sdk.types import resolve_dagster_type

        key = to_asset_key(asset_key)
        try:
            assets_def = self._defs.get_assets_def(key)
        except KeyError:
            raise DagsterInvalidDefinitionError(
                f"No asset {key.to_user_string()} in these Definitions; load one of their assets."
            ) from None
        io_key = assets_def.io_manager_key_for(key)
        manager = self._manager(io_key, resource_config)
        upstream = OutputContext("result", "", "", key, {}, partition_key)
        dagster_type = resolve_dagster_type(python_type) if python_type is not None else None
        context = InputContext(
            "asset_value",
            "",
            upstream,
            key,
            dict(input_definition_metadata or {}),
            partition_key,
            dagster_type,
            asset_partition_keys=[partition_key] if partition_key is not None else None,
        )
        return manager.load_input(context)

    def _manager(self, io_key: str, resource_config: Any) -> Any:
        from sdk.execution.resources import ResourceManager

        if io_key not in self._managers:
            if io_key not in self._resources:
                raise DagsterInvalidDefinitionError(
                    f'The asset is stored with IO manager "{io_key}", which these Definitions do not provide; add '
                    f"it to Definitions(resources=...)."
                )
            resources = ResourceManager(self._resources, {io_key: resource_config} if resource_config else {}, "")
            self._managers[io_key] = (resources, resources.get(io_key))
        return self._managers[io_key][1]

    def close(self) -> None:
        """Tear down the IO managers set up so far."""
        for resources, _ in self._managers.values():
            resources.teardown()
        self._managers.clear()
