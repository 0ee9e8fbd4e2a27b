"""Resources: ConfigurableResource (pydantic), ConfigurableIOManager, FilesystemIOManager, @resource.

Imports pydantic; `sdk` loads it on first use of one of these names.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Callable
from typing import Any, ClassVar, overload

from pydantic import ConfigDict

from sdk.config import _RemembersEnvVars
from sdk.io_managers import InputContext, IOManager, OutputContext, PickledObjectFilesystemIOManager

RESOURCE_PARAM_MARKER = object()


class ResourceParam:
    """Annotate a parameter as a resource that is not a ConfigurableResource: ResourceParam[MyClient]."""

    def __class_getitem__(cls, item: Any) -> Any:
        return typing.Annotated[item, RESOURCE_PARAM_MARKER]


class ConfigurableResource(_RemembersEnvVars):
    """A resource whose fields are its config; override setup_for_execution / teardown_after_execution."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    def setup_for_execution(self, context: Any) -> None:
        """Called once per run (or per step process) before the resource is used."""

    def teardown_after_execution(self, context: Any) -> None:
        """Called after the run (or step process) ends, also when a step failed."""

    def get_resource_context(self) -> Any:
        return self._weir_state.get("context")

    @classmethod
    def configure_at_launch(cls, **kwargs: Any) -> Any:
        return _PartialResource(cls, kwargs)


class _PartialResource:
    """A resource whose config is given in the run config (resources.<key>.config)."""

    def __init__(self, cls: type[ConfigurableResource], fields: dict[str, Any]) -> None:
        self.cls = cls
        self.fields = fields


class ConfigurableIOManager(ConfigurableResource, IOManager):
    """An IO manager whose fields are its config."""


class ConfigurableIOManagerFactory(ConfigurableResource):
    """Config that builds an IO manager: override create_io_manager(context)."""

    def create_io_manager(self, context: Any) -> IOManager:
        raise NotImplementedError


class FilesystemIOManager(ConfigurableIOManager):
    """Pickles outputs under base_dir (by asset key, or run/step/output for ops); the default for runs."""

    base_dir: str | None = None
    persists_across_processes: ClassVar[bool] = True

    def _delegate(self) -> PickledObjectFilesystemIOManager:
        base = self.base_dir or os.environ.get("WEIR_STORAGE_DIR") or os.path.join(".weir", "storage")
        return PickledObjectFilesystemIOManager(base)

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        self._delegate().handle_output(context, obj)

    def load_input(self, context: InputContext) -> Any:
        return self._delegate().load_input(context)


class InitResourceContext:
    """What a @resource or @io_manager function receives."""

    def __init__(self, resource_config: Any = None, resources: Any = None, run_id: str = "", log: Any = None) -> None:
        self.resource_config = resource_config or {}
        self.resources = resources
        self.run_id = run_id
        self.log = log


class ResourceDefinition:
    """A resource made by a function of an init context (the @resource form); a generator tears down."""

    def __init__(
        self,
        resource_fn: Callable,
        config_schema: Any = None,
        description: str | None = None,
        required_resource_keys: set[str] | None = None,
    ) -> None:
        self.resource_fn = resource_fn
        self.config_schema = config_schema
        self.description = description
        self.required_resource_keys = frozenset(required_resource_keys or ())

    @staticmethod
    def hardcoded_resource(value: Any, description: str | None = None) -> ResourceDefinition:
        return ResourceDefinition(lambda _ctx: value, description=description)

    @staticmethod
    def none_resource(description: str | None = None) -> ResourceDefinition:
        return ResourceDefinition(lambda _ctx: None, description=description)


@overload
def resource(fn: Callable[..., Any]) -> ResourceDefinition: ...


@overload
def resource(
    fn: None = None,
    *,
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: set[str] | None = None,
) -> Callable[[Callable[..., Any]], ResourceDefinition]: ...


def resource(
    fn: Callable[..., Any] | None = None,
    *,
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: set[str] | None = None,
) -> ResourceDefinition | Callable[[Callable[..., Any]], ResourceDefinition]:
    """Declare a resource from a function of an init context."""

    def build(f: Callable[..., Any]) -> ResourceDefinition:
        return ResourceDefinition(f, config_schema, description or f.__doc__, required_resource_keys)

    return build(fn) if fn is not None else build


fs_io_manager = FilesystemIOManager()
