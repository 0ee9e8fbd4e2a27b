"""FunctionComponent: a Python function as an asset, declared in a defs.yaml."""

from __future__ import annotations

import importlib
from typing import Any

from pydantic import Field

from sdk.components.core import Component, ComponentError, ComponentLoadContext


class FunctionComponent(Component):
    """A Python function (its parameters are upstream assets or resources, as with @asset) materialized
    as one asset."""

    fn: str = Field(
        description="the function: `.module.function` (a module beside this defs.yaml) or `package.module.function`"
    )
    name: str | None = Field(None, description="the asset's name (default: the function's name)")
    key: str | None = Field(None, description="the asset key as a/b/c (instead of name)")
    deps: list[str] = Field(default_factory=list, description="assets this one depends on, as keys a/b/c")
    group_name: str | None = Field(None, description="the asset's group")
    description: str | None = Field(None, description="the asset's description (default: the docstring)")
    kinds: list[str] = Field(default_factory=list, description="kinds shown in the UI (e.g. python)")
    tags: dict[str, str] = Field(default_factory=dict, description="the asset's tags")
    owners: list[str] = Field(default_factory=list, description="the asset's owners")

    def build_defs(self, context: ComponentLoadContext) -> Any:
        from sdk.assets import asset
        from sdk.definitions_class import Definitions
        from sdk.keys import AssetKey

        module_name, _, attribute = self.fn.rpartition(".")
        if module_name.startswith(".") or not module_name:
            module_name = context.module_name_for(context.path) + (module_name or ".")
            module_name = module_name.rstrip(".") if module_name.endswith(".") else module_name
        try:
            fn = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise ComponentError(f"{context.source}: fn {self.fn!r} cannot be found: {exc}") from None
        key = AssetKey(self.key.split("/")) if self.key else None
        definition = asset(
            name=None if key else (self.name or fn.__name__),
            key=key,
            deps=[AssetKey(d.split("/")) for d in self.deps],
            group_name=self.group_name,
            description=self.description,
            kinds=self.kinds or None,
            tags=self.tags or None,
            owners=self.owners or None,
        )(fn)
        return Definitions(assets=[definition])
