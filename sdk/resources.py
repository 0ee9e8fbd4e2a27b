"""Resources: ConfigurableResource (pydantic), ConfigurableIOManager, FilesystemIOManager, @resource,
and the adapters that put config fields in front of older @resource / @io_manager definitions.

Imports pydantic; `sdk` loads it on first use of one of these names.
"""

from __future__ import annotations

import inspect
import os
import typing
from collections.abc import Callable
from typing import Any, ClassVar, overload

from pydantic import ConfigDict

from sdk.config import _RemembersEnvVars
from sdk.io_managers import (
    InputContext,
    IOManager,
    IOManagerDefinition,
    OutputContext,
    PickledObjectFilesystemIOManager,
)
from sdk.legacy_resources import FunctionResourceDefinition, InitResourceContext, build_init_resource_context

__all__ = ["InitResourceContext", "build_init_resource_context"]  # re-exported: they need no pydantic

RESOURCE_PARAM_MARKER = object()


class ResourceParam:
    """Annotate a parameter as a resource that is not a ConfigurableResource: ResourceParam[MyClient]."""

    def __class_getitem__(cls, item: Any) -> Any:
        return typing.Annotated[item, RESOURCE_PARAM_MARKER]


class ResourceDependency:
    """Annotate a ConfigurableResource field that holds a resource which is not a ConfigurableResource (a
    @resource definition, set up before its holder, or a plain object): `engine: ResourceDependency[Engine]`."""

    def __class_getitem__(cls, item: Any) -> Any:
        return typing.Annotated[Any, RESOURCE_PARAM_MARKER, item]


class ConfigurableResource(_RemembersEnvVars):
    """A resource whose fields are its config; override setup_for_execution / teardown_after_execution.

    A field may hold another resource: a ConfigurableResource, one from configure_at_launch() (also bound to a
    resource key, configured by the run config there), or a @resource definition (ResourceDependency[...]);
    each is set up before the resource that holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    def __init__(self, **data: Any) -> None:
        deferred = {k: v for k, v in data.items() if isinstance(v, (_PartialResource, FunctionResourceDefinition))}
        for name, value in deferred.items():
            if isinstance(value, _PartialResource):  # stands in until the run has its config
                data[name] = value.cls.model_construct(**value.fields)
        super().__init__(**data)
        if deferred:
            self._weir_state["nested"] = deferred

    def setup_for_execution(self, context: Any) -> None:
        """Called once per run (or per step process) before the resource is used."""

    def teardown_after_execution(self, context: Any) -> None:
        """Called after the run (or step process) ends, also when a step failed."""

    def create_resource(self, context: Any) -> Any:
        """What steps receive; override to hand out another object built from this config."""
        return self

    def get_resource_context(self) -> Any:
        return self._weir_state.get("context")

    def with_init_resource_context(self, context: Any) -> Any:
        """A copy that sees `context` from get_resource_context() (for tests)."""
        copy = self.model_copy()
        copy._weir_state = {**self._weir_state, "context": context}
        return copy

    @classmethod
    def configure_at_launch(cls, **kwargs: Any) -> Any:
        return _PartialResource(cls, kwargs)


class _PartialResource:
    """A resource whose config is given in the run config (resources.<key>.config)."""

    def __init__(self, cls: type[ConfigurableResource], fields: dict[str, Any]) -> None:
        self.cls = cls
        self.fields = fields


def nested_resources(fields: dict[str, Any], resource: Any = None) -> dict[str, Any]:
    """The fields (of a resource, or of configure_at_launch()) that hold resources to set up first."""
    nested = {
        k: v
        for k, v in fields.items()
        if isinstance(v, (ConfigurableResource, _PartialResource, FunctionResourceDefinition))
    }
    if isinstance(resource, ConfigurableResource):
        nested.update(resource._weir_state.get("nested", {}))
    return nested


class ConfigurableIOManager(ConfigurableResource, IOManager):
    """An IO manager whose fields are its config."""


class ConfigurableIOManagerFactory(ConfigurableResource):
    """Config that builds an IO manager: override create_io_manager(context)."""

    def create_io_manager(self, context: Any) -> IOManager:
        raise NotImplementedError


class ConfigurableLegacyIOManagerAdapter(ConfigurableIOManagerFactory):
    """Config fields in front of an @io_manager definition: the fields are its resource_config.
    Override the `wrapped_io_manager` property to return that definition."""

    @property
    def wrapped_io_manager(self) -> IOManagerDefinition:
        raise NotImplementedError(f"{type(self).__name__} must define the wrapped_io_manager property.")

    def create_io_manager(self, context: Any) -> IOManager:
        return _create_wrapped(self, self.wrapped_io_manager, context)

    def teardown_after_execution(self, context: Any) -> None:
        _teardown_wrapped(self)


class ConfigurableLegacyResourceAdapter(ConfigurableResource):
    """Config fields in front of a @resource definition: the fields are its resource_config.
    Override the `wrapped_resource` property to return that definition."""

    @property
    def wrapped_resource(self) -> ResourceDefinition:
        raise NotImplementedError(f"{type(self).__name__} must define the wrapped_resource property.")

    def create_resource(self, context: Any) -> Any:
        return _create_wrapped(self, self.wrapped_resource, context)

    def teardown_after_execution(self, context: Any) -> None:
        _teardown_wrapped(self)


def _create_wrapped(adapter: ConfigurableResource, definition: FunctionResourceDefinition, context: Any) -> Any:
    config = definition.process_config(adapter.model_dump(), f"the fields of {type(adapter).__name__}")
    result = definition.initialize(config, context.resources, context.run_id, context.log)
    if inspect.isgenerator(result):
        adapter._weir_state["generator"] = result
        result = next(result)
    return result


def _teardown_wrapped(adapter: ConfigurableResource) -> None:
    generator = adapter._weir_state.pop("generator", None)
    if generator is not None:
        next(generator, None)


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


class ResourceDefinition(FunctionResourceDefinition):
    """A resource made by a function of an init context (the @resource form); a generator tears down."""

    @staticmethod
    def hardcoded_resource(value: Any, description: str | None = None) -> ResourceDefinition:
        """A resource that is always `value` (a test double, a client built elsewhere)."""
        return ResourceDefinition(lambda _ctx: value, description=description)

    @staticmethod
    def none_resource(description: str | None = None) -> ResourceDefinition:
        return ResourceDefinition(lambda _ctx: None, description=description)

    @staticmethod
    def mock_resource(description: str | None = None) -> ResourceDefinition:
        """A unittest.mock.MagicMock, one per run."""
        from unittest import mock

        return ResourceDefinition(lambda _ctx: mock.MagicMock(), description=description)

    @staticmethod
    def string_resource(description: str | None = None) -> ResourceDefinition:
        """A resource whose value is its config, a string."""
        return ResourceDefinition(lambda ctx: ctx.resource_config, config_schema=str, description=description)


@overload
def resource(fn: Callable[..., Any]) -> ResourceDefinition: ...


@overload
def resource(
    fn: None = None,
    *,
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: set[str] | None = None,
    version: str | None = None,
) -> Callable[[Callable[..., Any]], ResourceDefinition]: ...


def resource(
    fn: Callable[..., Any] | None = None,
    *,
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: set[str] | None = None,
    version: str | None = None,
) -> ResourceDefinition | Callable[[Callable[..., Any]], ResourceDefinition]:
    """Declare a resource from a function of an init context (or of nothing)."""

    def build(f: Callable[..., Any]) -> ResourceDefinition:
        return ResourceDefinition(f, config_schema, description or f.__doc__, required_resource_keys, version)

    return build(fn) if fn is not None else build


fs_io_manager = FilesystemIOManager()
