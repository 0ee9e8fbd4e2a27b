"""Config mappings: a job or graph offers a simpler config schema and a function maps it to its ops' config.

A job's mapping takes the whole run config (`job.execute_in_process(run_config={"simplified_param": "x"})`)
and returns a full run config; a graph's mapping takes `ops.<graph>.config` and returns its nodes' config
(`{"op_name": {"config": ...}}`). Both are applied before the run config is checked against the ops.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, overload

from sdk.config import RunConfig, config_class_from_schema, is_config_class_hint, to_run_config_dict, validate_config
from sdk.config_types import Field
from sdk.errors import DagsterInvalidConfigError


class ConfigMapping:
    """config_fn maps config that matches config_schema to the config of the ops (or the whole run config)."""

    def __init__(
        self,
        config_fn: Callable[[Any], Any],
        config_schema: Any = None,
        receive_processed_config_values: bool | None = None,
    ) -> None:
        if not callable(config_fn):
            raise DagsterInvalidConfigError(f"ConfigMapping needs a function as config_fn, got {config_fn!r}.")
        self.config_fn = config_fn
        self.config_schema = config_schema
        self.receive_processed_config_values = receive_processed_config_values
        name = getattr(config_fn, "__name__", "config_mapping")
        self.config_type = None if config_schema is None else config_class_from_schema(name, config_schema)

    def resolve_from_unvalidated_config(self, config: Any) -> Any:
        """Check config against config_schema, then call config_fn with the result."""
        return self.apply(config, "config", "config mapping")

    def resolve_from_validated_config(self, config: Any) -> Any:
        return self.config_fn(config)

    def validate(self, config: Any, path: str) -> Any:
        if self.config_type is None:
            return config
        if isinstance(self.config_type, Field):
            post = self.receive_processed_config_values is not False
            return self.config_type.process_config(config, path, post=post)
        return validate_config(self.config_type, config, path)

    def apply(self, config: Any, path: str, owner: str) -> Any:
        outer = self.validate(config, path)
        try:
            return self.config_fn(outer)
        except DagsterInvalidConfigError:
            raise
        except Exception as exc:
            raise DagsterInvalidConfigError(
                f"The config mapping of {owner} raised {type(exc).__name__}: {exc}. Fix config_fn "
                f"({getattr(self.config_fn, '__qualname__', self.config_fn)!s}) or the config given at {path}."
            ) from exc


@overload
def config_mapping(config_fn: Callable[..., Any]) -> ConfigMapping: ...


@overload
def config_mapping(
    config_fn: None = None,
    *,
    config_schema: Any = None,
    receive_processed_config_values: bool | None = None,
) -> Callable[[Callable[..., Any]], ConfigMapping]: ...


def config_mapping(
    config_fn: Callable[..., Any] | None = None,
    *,
    config_schema: Any = None,
    receive_processed_config_values: bool | None = None,
) -> ConfigMapping | Callable[[Callable[..., Any]], ConfigMapping]:
    """Declare a ConfigMapping from a function; a parameter annotated with a Config class gives the schema."""

    def build(fn: Callable[..., Any]) -> ConfigMapping:
        schema = config_schema
        if schema is None:
            params = list(inspect.signature(fn).parameters)
            hint = _hints(fn).get(params[0]) if params else None
            schema = hint if is_config_class_hint(hint) else None
        return ConfigMapping(fn, schema, receive_processed_config_values)

    return build(config_fn) if config_fn is not None else build


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # a name the module cannot resolve (a class local to a function): no schema from it
        return {}


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in override.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def job_run_config(job_config: Any, run_config: Any, graph: Any = None) -> dict[str, Any]:
    """The run config the ops see: the job's default config under the given one, or the job's mapping
    applied to it; then each graph's mapping applied to its `ops.<graph>.config`."""
    if isinstance(job_config, ConfigMapping):
        outer = run_config.to_config_dict() if isinstance(run_config, RunConfig) else run_config
        config = to_run_config_dict(job_config.apply(outer, "run_config", "the job"))
    else:
        config = _deep_merge(to_run_config_dict(job_config), to_run_config_dict(run_config))
    ops = config.get("ops")
    top = getattr(graph, "config_mapping", None)
    if isinstance(top, ConfigMapping):  # a job made from a graph with a mapping: ops.config is the graph's
        given = dict(ops) if isinstance(ops, Mapping) else {}
        ops = _node_configs(top.apply(given.pop("config", None), "ops.config", f'graph "{graph.name}"'))
        config["ops"] = ops = _deep_merge(ops, given)
    if graph is not None and isinstance(ops, Mapping):
        config["ops"] = _map_graphs(graph, ops, "ops")
    return config


def _map_graphs(graph: Any, ops: Mapping[str, Any], path: str) -> dict[str, Any]:
    out = dict(ops)
    for name, node in graph.nodes.items():
        definition = node.definition
        if not hasattr(definition, "nodes"):  # an op
            continue
        entry = out.get(name)
        mapping = getattr(definition, "config_mapping", None)
        if isinstance(mapping, ConfigMapping):
            entry = dict(entry) if isinstance(entry, Mapping) else {}
            inner = mapping.apply(entry.pop("config", None), f"{path}.{name}.config", f'graph "{definition.name}"')
            entry["ops"] = _deep_merge(_node_configs(inner), entry.get("ops") or {})
        elif isinstance(mapping, Mapping):  # the graph's default config, under what the run gives
            entry = _deep_merge(mapping, entry if isinstance(entry, Mapping) else {})
        if isinstance(entry, Mapping) and isinstance(entry.get("ops"), Mapping):
            entry = {**entry, "ops": _map_graphs(definition, entry["ops"], f"{path}.{name}.ops")}
        if entry is not None:
            out[name] = entry
    return out


def _node_configs(value: Any) -> dict[str, Any]:
    """A graph mapping's result as {node: {"config": ...}}; a RunConfig or Config objects are accepted too."""
    if isinstance(value, RunConfig):
        value = value.to_config_dict().get("ops", {})
    if not isinstance(value, Mapping):
        raise DagsterInvalidConfigError(
            f'A graph\'s config mapping must return {{"op_name": {{"config": {{...}}}}}}, got {value!r}.'
        )
    return dict(to_run_config_dict({"ops": value})["ops"])
