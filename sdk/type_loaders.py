"""Inputs given in run config (`ops: {op: {inputs: {x: ...}}}`): a DagsterType's loader builds the value
(`@dagster_type_loader(config_schema=...)`); a type without one takes the value as given (or
`{"value": ...}`), then the input's type check applies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError


class DagsterTypeLoaderContext:
    """What a loader function gets: the run's resources, log and op config where known."""

    def __init__(self, resources: Any = None, log: Any = None, run_id: str = "") -> None:
        from types import SimpleNamespace

        self.resources = resources if resources is not None else SimpleNamespace()
        self.log = log
        self.run_id = run_id


class DagsterTypeLoader:
    """A config schema and a function (context, config value) -> the input's value."""

    def __init__(self, config_schema: Any, fn: Callable[[DagsterTypeLoaderContext, Any], Any]) -> None:
        from sdk.config_types import convert_schema

        self.schema_type = convert_schema(config_schema, f"dagster_type_loader {getattr(fn, '__name__', fn)}")
        self.fn = fn

    def construct_from_config_value(self, context: DagsterTypeLoaderContext, config_value: Any) -> Any:
        return self.fn(context, config_value)


def dagster_type_loader(config_schema: Any) -> Callable[[Callable[..., Any]], DagsterTypeLoader]:
    """`@dg.dagster_type_loader(config_schema={"path": str})\ndef load(context, config): ...`; pass it as
    `DagsterType(..., loader=load)`."""
    if config_schema is None:
        raise DagsterInvalidDefinitionError(
            "dagster_type_loader needs config_schema=, the schema of the input's config."
        )

    def wrap(fn: Callable[..., Any]) -> DagsterTypeLoader:
        return DagsterTypeLoader(config_schema, fn)

    return wrap


def checked_input_config(dagster_type: Any, config_value: Any, path: str) -> Any:
    """An input's run config value, validated against its type's loader schema (before the run starts)."""
    from sdk.config import validate_config

    loader = getattr(dagster_type, "loader", None)
    if loader is None:
        if isinstance(config_value, dict) and set(config_value) == {"value"}:
            return config_value["value"]
        return config_value
    return validate_config(loader.schema_type, config_value, path)


def value_from_config(dagster_type: Any, checked_value: Any, context: DagsterTypeLoaderContext) -> Any:
    """The value of an input given in run config (checked by checked_input_config)."""
    loader = getattr(dagster_type, "loader", None)
    return checked_value if loader is None else loader.construct_from_config_value(context, checked_value)
