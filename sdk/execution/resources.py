"""Resource lifecycle for a run or a step process: set up on first need, torn down in reverse, always."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from sdk.errors import (
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterResourceFunctionError,
    DagsterUnknownResourceError,
)
from sdk.io_managers import IOManager


class ResourceManager:
    """Builds resource values from definitions; teardown() runs even when steps failed."""

    def __init__(self, defs: Mapping[str, Any], configs: Mapping[str, Any], run_id: str, log: Any = None) -> None:
        self.defs = dict(defs)
        self.configs = dict(configs)
        self.run_id = run_id
        self.log = log
        self.values: dict[str, Any] = {}
        self._configured: dict[str, Any] = {}  # key -> the ConfigurableResource as configured for this run
        self._teardowns: list[tuple[str, Callable[[], object]]] = []

    def get(self, key: str) -> Any:
        if key in self.values:
            return self.values[key]
        if key not in self.defs:
            raise DagsterUnknownResourceError(
                f'No resource "{key}" is provided; the resources are {sorted(self.defs)}. '
                f'Add it: Definitions(resources={{"{key}": ...}}).'
            )
        try:
            value = self._init(key, self.defs[key])
        except (DagsterResourceFunctionError, DagsterInvalidConfigError, DagsterInvalidDefinitionError):
            raise
        except Exception as exc:
            raise DagsterResourceFunctionError(
                f'Resource "{key}" failed to set up: {type(exc).__name__}: {exc}'
            ) from exc
        self.values[key] = value
        return value

    def namespace(self, keys: set[str] | frozenset[str]) -> SimpleNamespace:
        return SimpleNamespace(**{k: self.get(k) for k in sorted(keys)})

    def _init(self, key: str, definition: Any) -> Any:
        from sdk.legacy_resources import FunctionResourceDefinition

        config = self.configs.get(key)
        if isinstance(definition, FunctionResourceDefinition):  # @resource, @io_manager
            processed = definition.process_config(config, f"resources.{key}.config")
            needed = definition.required_resource_keys
            result = definition.initialize(processed, self.namespace(needed) if needed else None, self.run_id, self.log)
            if inspect.isgenerator(result):
                gen = result
                result = next(gen)
                self._teardowns.append((key, lambda: next(gen, None)))
            elif hasattr(result, "__enter__") and hasattr(result, "__exit__") and not isinstance(result, IOManager):
                cm = result
                result = cm.__enter__()
                self._teardowns.append((key, lambda: cm.__exit__(None, None, None)))
            return result
        instance = self._configure(key, definition, config or {})
        if instance is None:
            return definition
        from sdk.resources import ConfigurableIOManagerFactory

        if isinstance(instance, ConfigurableIOManagerFactory):
            return instance.create_io_manager(instance.get_resource_context())
        return instance.create_resource(instance.get_resource_context())

    def _configure(self, key: str, definition: Any, config: Mapping[str, Any]) -> Any:
        """A ConfigurableResource (or configure_at_launch()) with the run's config, its nested resources set
        up first, itself set up; None for a plain object."""
        from sdk.config import given_fields, resolve_env, validate_config
        from sdk.resources import ConfigurableResource, InitResourceContext, _PartialResource, nested_resources

        if isinstance(definition, _PartialResource):
            cls, fields = definition.cls, dict(definition.fields)
        elif isinstance(definition, ConfigurableResource):
            cls, fields = type(definition), given_fields(definition)
        else:
            return None
        for name, nested in nested_resources(fields, definition).items():
            if name not in config:  # the run config did not replace it
                fields[name] = self._nested(key, name, nested)
        merged = resolve_env({**fields, **config}, f'resource "{key}"')
        instance = validate_config(cls, merged, f"resources.{key}.config")
        assert isinstance(instance, ConfigurableResource)
        ctx = InitResourceContext(merged, None, self.run_id, self.log)
        instance._weir_state["context"] = ctx
        instance.setup_for_execution(ctx)
        self._teardowns.append((key, lambda: instance.teardown_after_execution(ctx)))
        self._configured[key] = instance
        return instance

    def _nested(self, key: str, name: str, nested: Any) -> Any:
        """A resource held by a field: the one bound to a resource key if it is the same object, else its own."""
        from sdk.resources import _PartialResource

        bound = next((k for k, d in self.defs.items() if d is nested), None)
        if bound is not None:
            value = self.get(bound)
            return self._configured.get(bound, value)
        if isinstance(nested, _PartialResource):
            raise DagsterInvalidDefinitionError(
                f'Resource "{key}" holds in field "{name}" a {nested.cls.__name__}.configure_at_launch() that is '
                f"bound to no resource key, so no run config can reach it. Bind the same object to a key: "
                f'resources={{"{name}": the_partial, "{key}": ...(={name}=the_partial)}}.'
            )
        nested_key = f"{key}.{name}"
        if nested_key not in self._configured and nested_key not in self.values:
            instance = self._configure(nested_key, nested, {})
            if instance is None:  # a @resource definition
                self.values[nested_key] = self._init(nested_key, nested)
        return self._configured.get(nested_key, self.values.get(nested_key))

    def teardown(self) -> list[tuple[str, BaseException]]:
        """Tear down in reverse order of set-up; returns the errors instead of stopping at the first."""
        errors: list[tuple[str, BaseException]] = []
        while self._teardowns:
            key, fn = self._teardowns.pop()
            try:
                fn()
            except Exception as exc:
                errors.append((key, exc))
        self.values.clear()
        return errors
