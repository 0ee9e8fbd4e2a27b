"""Input managers: how an op input is loaded when `In(input_manager_key=...)` / `AssetIn(input_manager_key=...)`
names one instead of the upstream output's IO manager; an input with no upstream at all is loaded by it too
(its InputContext has no upstream_output)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from sdk.legacy_resources import FunctionResourceDefinition


class InputManager:
    """Loads op inputs: subclass it and implement load_input(context)."""

    def load_input(self, context: Any) -> Any:
        raise NotImplementedError


class InputManagerDefinition(FunctionResourceDefinition):
    """An input manager made by a function of an init context (what @input_manager returns)."""


class _FunctionInputManager(InputManager):
    """The function an @input_manager decorates, with the resource config it was set up with."""

    def __init__(self, load_fn: Callable[..., Any], config: Any) -> None:
        self._load_fn = load_fn
        self._config = config

    def load_input(self, context: Any) -> Any:
        context.resource_config = self._config
        from sdk.legacy_resources import _takes_context

        return self._load_fn(context) if _takes_context(self._load_fn) else self._load_fn()


@overload
def input_manager(fn: Callable[..., Any]) -> InputManagerDefinition: ...


@overload
def input_manager(
    fn: None = None,
    *,
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: set[str] | None = None,
    version: str | None = None,
) -> Callable[[Callable[..., Any]], InputManagerDefinition]: ...


def input_manager(
    fn: Callable[..., Any] | None = None,
    *,
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: set[str] | None = None,
    version: str | None = None,
) -> InputManagerDefinition | Callable[[Callable[..., Any]], InputManagerDefinition]:
    """Declare an input manager from its load function: `@input_manager def table(context): return read(...)`;
    the function gets the InputContext (with `context.resource_config`) and returns the input's value."""

    def build(f: Callable[..., Any]) -> InputManagerDefinition:
        return InputManagerDefinition(
            lambda init_context: _FunctionInputManager(f, init_context.resource_config),
            config_schema,
            description or f.__doc__,
            required_resource_keys,
            version,
        )

    return build(fn) if fn is not None else build
