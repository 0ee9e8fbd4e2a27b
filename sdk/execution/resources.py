"""Resource lifecycle for a run or a step process: set up on first need, torn down in reverse, always."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from sdk.errors import DagsterInvalidConfigError, DagsterResourceFunctionError, DagsterUnknownResourceError
from sdk.io_managers import IOManager, IOManagerDefinition


class ResourceManager:
    """Builds resource values from definitions; teardown() runs even when steps failed."""

    def __init__(
        self, defs: Mapping[str, Any], configs: Mapping[str, dict[str, Any]], run_id: str, log: Any = None
    ) -> None:
        self.defs = dict(defs)
        self.configs = dict(configs)
        self.run_id = run_id
        self.log = log
        self.values: dict[str, Any] = {}
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
        except (DagsterResourceFunctionError, DagsterInvalidConfigError):
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
        from sdk.config import given_fields, resolve_env, validate_config
        from sdk.resources import (
            ConfigurableIOManagerFactory,
            ConfigurableResource,
            InitResourceContext,
            ResourceDefinition,
            _PartialResource,
        )

        config = self.configs.get(key, {})
        if isinstance(definition, _PartialResource):
            definition = definition.cls.model_validate(resolve_env({**definition.fields, **config}, f"resources.{key}"))
        if isinstance(definition, ConfigurableResource):
            merged = resolve_env({**given_fields(definition), **config}, f'resource "{key}"')
            instance = validate_config(type(definition), merged, f"resources.{key}.config")
            assert isinstance(instance, ConfigurableResource)
            ctx = InitResourceContext(merged, None, self.run_id, self.log)
            instance._weir_state["context"] = ctx
            instance.setup_for_execution(ctx)
            self._teardowns.append((key, lambda: instance.teardown_after_execution(ctx)))
            if isinstance(instance, ConfigurableIOManagerFactory):
                return instance.create_io_manager(ctx)
            return instance
        if isinstance(definition, (ResourceDefinition, IOManagerDefinition)):
            needed = definition.required_resource_keys
            ctx = InitResourceContext(config, self.namespace(needed) if needed else None, self.run_id, self.log)
            result = definition.resource_fn(ctx)
            if inspect.isgenerator(result):
                gen = result
                result = next(gen)
                self._teardowns.append((key, lambda: next(gen, None)))
            elif hasattr(result, "__enter__") and hasattr(result, "__exit__") and not isinstance(result, IOManager):
                cm = result
                result = cm.__enter__()
                self._teardowns.append((key, lambda: cm.__exit__(None, None, None)))
            return result
        return definition

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
