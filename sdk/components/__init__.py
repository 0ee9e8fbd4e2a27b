"""Projects and components: `@definitions`, `load_from_defs_folder`, the `Component` base class and the
built-in component types (see docs/sdk.md, "Projects and components")."""

from sdk.components.core import (
    Component,
    ComponentError,
    ComponentLoadContext,
    Model,
    Resolvable,
)
from sdk.components.folder import DefsFolderComponent, LazyDefinitions, definitions, load_from_defs_folder
from sdk.components.function import FunctionComponent
from sdk.components.sql import DuckDBResource, SqlComponent

__all__ = [
    "Component",
    "ComponentError",
    "ComponentLoadContext",
    "DefsFolderComponent",
    "DuckDBResource",
    "FunctionComponent",
    "LazyDefinitions",
    "Model",
    "Resolvable",
    "SqlComponent",
    "definitions",
    "load_from_defs_folder",
]
