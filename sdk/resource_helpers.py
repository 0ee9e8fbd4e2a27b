"""Dagster's resource helpers: make_values_resource (config values shared by ops), with_resources (assets
that bring their resources) and build_resources (resources set up outside a run, for tests and scripts)."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError


def make_values_resource(**kwargs: Any) -> Any:
    """A resource whose value is its config: `make_values_resource(path=str, limit=Field(int, default_value=10))`
    checks those fields (without arguments it takes any config); ops read `context.resources.values["path"]`.

    Args:
        **kwargs: the config fields, as for an older-style `config_schema` dict.
    """
    from sdk.resources import ResourceDefinition

    return ResourceDefinition(lambda context: context.resource_config, config_schema=dict(kwargs) or None)


def with_resources(
    definitions: Sequence[Any],
    resource_defs: Mapping[str, Any],
    resource_config_by_key: Mapping[str, Any] | None = None,
) -> list[Any]:
    """Copies of assets, source assets and asset checks that bring these resources (a key they already bind
    keeps theirs); `resource_config_by_key={"db": {"config": {...}}}` configures @resource definitions.

    Args:
        definitions: AssetsDefinition, SourceAsset and AssetChecksDefinition objects.
        resource_defs: resource key -> resource (a ConfigurableResource, a @resource, a plain object).
        resource_config_by_key: config of some of those resources, `{"key": {"config": ...}}`.
    """
    resources = {**resource_defs}
    for key, entry in (resource_config_by_key or {}).items():
        if key not in resources:
            raise DagsterInvalidDefinitionError(
                f'with_resources got config for resource "{key}", which is not in resource_defs '
                f"({sorted(resources)}); add it there or remove the config."
            )
        config = entry.get("config") if isinstance(entry, Mapping) and set(entry) == {"config"} else entry
        if not hasattr(resources[key], "configured"):
            raise DagsterInvalidDefinitionError(
                f'with_resources cannot configure resource "{key}" ({type(resources[key]).__name__}): only '
                "@resource / @io_manager definitions take resource_config_by_key; construct the others configured."
            )
        resources[key] = resources[key].configured(config)
    out = []
    for definition in definitions:
        if not hasattr(definition, "resource_defs"):
            raise DagsterInvalidDefinitionError(
                f"with_resources takes assets, source assets and asset checks; got {type(definition).__name__}."
            )
        new = copy.copy(definition)
        new.resource_defs = {**resources, **definition.resource_defs}
        out.append(new)
    return out


@contextlib.contextmanager
def build_resources(
    resources: Mapping[str, Any],
    instance: Any = None,
    resource_config: Mapping[str, Any] | None = None,
    **_: Any,
) -> Iterator[Any]:
    """Set up resources outside a run: `with build_resources({"db": Db(url=...)}) as resources: resources.db`;
    they are torn down when the block ends.

    Args:
        resources: resource key -> resource definition or plain object.
        instance: accepted for Dagster's signature; resources built here see no run.
        resource_config: `{"key": {"config": ...}}` for resources that take config.
    """
    from sdk.execution.resources import ResourceManager

    configs = {
        key: value["config"] if isinstance(value, Mapping) and set(value) == {"config"} else value
        for key, value in (resource_config or {}).items()
    }
    manager = ResourceManager(resources, configs, "")
    try:
        yield manager.namespace(set(resources))
    finally:
        errors = manager.teardown()
    if errors:
        key, error = errors[0]
        raise DagsterInvalidDefinitionError(f'Teardown of resource "{key}" failed: {error}') from error
