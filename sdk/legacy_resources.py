"""Resources made by a function of an init context (`@resource`, `@io_manager`): config checked against
their config_schema, `.configured()`, direct invocation in tests, and build_init_resource_context.

No pydantic here: `ResourceDefinition` (sdk.resources) and `IOManagerDefinition` (sdk.io_managers) both
build on FunctionResourceDefinition, so an IO manager module needs no pydantic.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import logging
from collections.abc import Callable, Iterator, Mapping
from types import SimpleNamespace
from typing import Any

from sdk.config_types import Field, convert_schema
from sdk.errors import DagsterInvalidConfigError, DagsterInvalidInvocationError

_NOT_GIVEN: Any = object()


class InitResourceContext:
    """What a @resource or @io_manager function receives: its config, the resources it requires, the run."""

    def __init__(
        self,
        resource_config: Any = None,
        resources: Any = None,
        run_id: str = "",
        log: Any = None,
        instance: Any = None,
    ) -> None:
        self._given_config = resource_config
        self.resource_config = {} if resource_config is None else resource_config
        self.resources = resources if resources is not None else SimpleNamespace()
        self.run_id = run_id
        self.log = log if log is not None else logging.getLogger("weir.resources")
        self.instance = instance
        self.dagster_run = None

    def replace_config(self, config: Any) -> InitResourceContext:
        return InitResourceContext(config, self.resources, self.run_id, self.log, self.instance)


def build_init_resource_context(
    config: Any = None, resources: Mapping[str, Any] | None = None, instance: Any = None
) -> InitResourceContext:
    """A context for calling a resource function directly in a test: `my_resource(build_init_resource_context(
    config={...}, resources={"other": value}))`; resource definitions among `resources` are set up first."""
    values = {key: _standalone_value(value) for key, value in (resources or {}).items()}
    return InitResourceContext(config, SimpleNamespace(**values), instance=instance)


def _standalone_value(value: Any) -> Any:
    if isinstance(value, FunctionResourceDefinition):
        result = value.initialize(value.process_config(None, "resource config"), None, "", None)
        return next(result) if inspect.isgenerator(result) else result
    return value


class FunctionResourceDefinition:
    """A resource made by resource_fn(init_context) (or resource_fn()); a generator function tears down after
    its yield. Config is checked against config_schema (any older-style form, or a Config class)."""

    def __init__(
        self,
        resource_fn: Callable[..., Any],
        config_schema: Any = None,
        description: str | None = None,
        required_resource_keys: set[str] | frozenset[str] | None = None,
        version: str | None = None,
    ) -> None:
        self.resource_fn = resource_fn
        self.config_schema = config_schema
        self.description = description
        self.required_resource_keys = frozenset(required_resource_keys or ())
        self.version = version
        self.config_field: Field | None = None if config_schema is None else convert_schema(config_schema, self.name)
        # .configured(): this definition's config is mapped by _config_fn (or replaced by _static) for _inner
        self._inner: FunctionResourceDefinition | None = None
        self._config_fn: Callable[[Any], Any] | None = None
        self._static: Any = _NOT_GIVEN

    @property
    def name(self) -> str:
        return getattr(self.resource_fn, "__name__", type(self).__name__)

    def process_config(self, config: Any, path: str, post: bool = True) -> Any:
        """The config resource_fn receives: checked, defaults filled, env vars read; through .configured()."""
        if self._static is not _NOT_GIVEN and config not in (None, {}):
            raise DagsterInvalidConfigError(
                f"Invalid run config at {path}: this resource was given its config in code with .configured(); "
                "remove this entry."
            )
        value = config if self.config_field is None else self.config_field.process_config(config, path, post=post)
        if self._inner is None:
            return value
        inner = self._static if self._config_fn is None else self._config_fn(value)
        return self._inner.process_config(inner, f"{path} (mapped by .configured())", post)

    def initialize(self, config: Any, resources: Any, run_id: str, log: Any) -> Any:
        """Call resource_fn with a context holding processed config; a generator is returned as is."""
        context = InitResourceContext(config, resources, run_id, log)
        return self.resource_fn(context) if _takes_context(self.resource_fn) else self.resource_fn()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Direct invocation in a test: the config is checked as in a run; a generator gives a context manager."""
        context = args[0] if args else next(iter(kwargs.values()), None)
        if context is None:
            context = build_init_resource_context()
        if not isinstance(context, InitResourceContext):
            raise DagsterInvalidInvocationError(
                f'Resource "{self.name}" is called with an init context: use '
                f"{self.name}(dg.build_init_resource_context(config=...)), got {context!r}."
            )
        missing = sorted(k for k in self.required_resource_keys if not hasattr(context.resources, k))
        if missing:
            raise DagsterInvalidInvocationError(
                f'Resource "{self.name}" requires resources {missing}; pass them: '
                f"build_init_resource_context(resources={{{missing[0]!r}: ...}})."
            )
        config = self.process_config(context._given_config, "resource config")
        result = self.initialize(config, context.resources, context.run_id, context.log)
        return _yielded(result) if inspect.isgenerator(result) else result

    def configured(
        self,
        config_or_config_fn: Any,
        name: str | None = None,
        config_schema: Any = None,
        description: str | None = None,
    ) -> Any:
        """A copy whose config is given here (a dict), or computed by a function from config that matches
        config_schema; the run config then gives the outer config only."""
        new = copy.copy(self)
        new.config_schema = config_schema
        new.config_field = None if config_schema is None else convert_schema(config_schema, name or self.name)
        new.description = description or self.description
        new._inner, new._config_fn, new._static = self, None, _NOT_GIVEN
        if callable(config_or_config_fn):
            new._config_fn = config_or_config_fn
        else:
            self.process_config(config_or_config_fn, f'.configured() config of "{self.name}"', post=False)
            new._static = config_or_config_fn
        return new

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


@contextlib.contextmanager
def _yielded(gen: Iterator[Any]) -> Iterator[Any]:
    try:
        yield next(gen)
    finally:
        next(gen, None)


def _takes_context(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params)


def configured(configurable: Any, config_schema: Any = None, **kwargs: Any) -> Callable[[Any], Any]:
    """Decorator form of `.configured()`: the decorated function maps config matching config_schema to the
    configurable's config (`@dg.configured(s3_resource, config_schema={"region": str})`)."""

    def wrap(config_or_config_fn: Any) -> Any:
        if config_schema is not None:
            kwargs["config_schema"] = config_schema
        return configurable.configured(config_or_config_fn, **kwargs)

    return wrap
