"""load_definitions_from_modules and friends: a Definitions of everything defined at module level (assets,
asset specs, source assets, checks, jobs, schedules, sensors), as Dagster builds it."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

from sdk.load_assets import _caller_module, _found, _submodules


def _definition_types() -> dict[str, tuple[type, ...]]:
    from sdk.asset_specs import AssetSpec
    from sdk.assets import AssetsDefinition
    from sdk.automation import AutomationConditionSensorDefinition
    from sdk.checks import AssetChecksDefinition
    from sdk.freshness_checks import FreshnessCheckSensorDefinition
    from sdk.jobs import JobDefinition, UnresolvedAssetJobDefinition
    from sdk.schedules import ScheduleDefinition
    from sdk.sensors import SensorDefinition
    from sdk.source_assets import SourceAsset

    return {
        "assets": (AssetsDefinition, SourceAsset, AssetSpec),
        "asset_checks": (AssetChecksDefinition,),
        "jobs": (JobDefinition, UnresolvedAssetJobDefinition),
        "schedules": (ScheduleDefinition,),
        "sensors": (SensorDefinition, AutomationConditionSensorDefinition, FreshnessCheckSensorDefinition),
    }


def load_definitions_from_modules(
    modules: Iterable[ModuleType],
    resources: Mapping[str, Any] | None = None,
    loggers: Mapping[str, Any] | None = None,
    executor: Any = None,
) -> Any:
    """A Definitions of every asset, asset spec, source asset, asset check, job, schedule and sensor the
    modules define at module level (also inside module-level lists).

    Args:
        modules: the modules to look in.
        resources: resources for the Definitions.
        loggers: loggers for its jobs.
        executor: executor for its jobs.
    """
    from sdk.definitions_class import Definitions

    modules = list(modules)
    found = {kind: _found(modules, types) for kind, types in _definition_types().items()}
    checks = {id(c) for c in found["asset_checks"]}
    found["assets"] = [a for a in found["assets"] if id(a) not in checks]
    return Definitions(
        assets=found["assets"],
        asset_checks=found["asset_checks"],
        jobs=found["jobs"],
        schedules=found["schedules"],
        sensors=found["sensors"],
        resources=resources,
        loggers=loggers,
        executor=executor,
    )


def load_definitions_from_module(
    module: ModuleType,
    resources: Mapping[str, Any] | None = None,
    loggers: Mapping[str, Any] | None = None,
    executor: Any = None,
) -> Any:
    """load_definitions_from_modules for one module."""
    return load_definitions_from_modules([module], resources, loggers, executor)


def load_definitions_from_current_module(
    resources: Mapping[str, Any] | None = None,
    loggers: Mapping[str, Any] | None = None,
    executor: Any = None,
) -> Any:
    """load_definitions_from_modules for the calling module: `defs = dg.load_definitions_from_current_module()`
    at the end of a file."""
    return load_definitions_from_modules([_caller_module()], resources, loggers, executor)


def load_definitions_from_package_module(
    package_module: ModuleType,
    resources: Mapping[str, Any] | None = None,
    loggers: Mapping[str, Any] | None = None,
    executor: Any = None,
) -> Any:
    """load_definitions_from_modules for a package and every module under it (imported)."""
    return load_definitions_from_modules(list(_submodules(package_module)), resources, loggers, executor)


def load_definitions_from_package_name(
    package_name: str,
    resources: Mapping[str, Any] | None = None,
    loggers: Mapping[str, Any] | None = None,
    executor: Any = None,
) -> Any:
    """load_definitions_from_package_module for a package given by name."""
    package = importlib.import_module(package_name)
    return load_definitions_from_package_module(package, resources, loggers, executor)
