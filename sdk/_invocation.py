"""Calling a schedule's or sensor's function as Dagster does: the context only if the function takes one,
event arguments after it (an asset sensor's asset_event), resource parameters from context.resources."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from sdk._compute import _hints, _parameters, is_resource_class
from sdk.errors import DagsterInvalidInvocationError


class BuiltResources(SimpleNamespace):
    """context.resources holding resource values already set up (by a code location for one
    evaluation), not definitions: handed to resource parameters as they are, never set up again."""


def split_parameters(fn: Callable[..., Any]) -> tuple[list[str], list[str]]:
    """(positional parameters: context first, then event arguments; resource parameters)."""
    hints = _hints(fn)
    positional: list[str] = []
    resources: list[str] = []
    for name, _default in _parameters(fn):
        (resources if is_resource_class(hints.get(name)) else positional).append(name)
    return positional, resources


def call_with_context(fn: Callable[..., Any], what: str, context: Any, *extra: Any) -> Any:
    """fn(context, *extra) cut to the parameters fn has, with its resource parameters filled."""
    positional, resource_names = split_parameters(fn)
    if positional and context is None:
        raise DagsterInvalidInvocationError(
            f'{what} takes a context ("{positional[0]}"); call it with one, e.g. build_sensor_context() or '
            "build_schedule_context()."
        )
    args = [context, *extra][: len(positional)]
    if not resource_names:
        return fn(*args)
    built = getattr(context, "resources", None)
    if isinstance(built, BuiltResources):  # set up by the code location for this evaluation: use as they are
        return fn(*args, **{name: getattr(built, name) for name in resource_names})
    from sdk.execution.resources import ResourceManager

    manager = ResourceManager(_resources_of(context, what, resource_names), {}, "")
    try:
        return fn(*args, **{name: manager.get(name) for name in resource_names})
    finally:
        manager.teardown()


def _resources_of(context: Any, what: str, names: list[str]) -> Mapping[str, Any]:
    resources = getattr(context, "resources", None)
    if isinstance(resources, Mapping):
        return resources
    if resources is not None:
        return {name: getattr(resources, name) for name in names if hasattr(resources, name)}
    raise DagsterInvalidInvocationError(
        f"{what} needs the resources {names}; give them to the context, e.g. build_sensor_context(resources={{...}})."
    )
