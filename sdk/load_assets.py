"""load_assets_from_modules and friends: collect the assets (and checks) defined at module level,
optionally in one group or under a key prefix, as Dagster does."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from types import ModuleType
from typing import Any

from sdk._unsupported import warn_unsupported
from sdk.asset_specs import AssetSpec
from sdk.assets import AssetsDefinition
from sdk.checks import AssetChecksDefinition
from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import AssetKey
from sdk.source_assets import SourceAsset


def _prefix(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _found(modules: Iterable[ModuleType], types: tuple[type, ...]) -> list[Any]:
    """Module attributes of the given types, and lists or tuples of them, each object once, in order."""
    seen: dict[int, Any] = {}
    for module in modules:
        for value in list(vars(module).values()):
            items = value if isinstance(value, (list, tuple)) else [value]
            if isinstance(value, (list, tuple)) and not all(isinstance(v, types) for v in value):
                continue
            for item in items:
                if isinstance(item, types):
                    seen.setdefault(id(item), item)
    return list(seen.values())


def _assets(
    modules: Sequence[ModuleType],
    group_name: str | None,
    key_prefix: Any,
    source_key_prefix: Any,
    include_specs: bool,
    automation_condition: Any = None,
    backfill_policy: Any = None,
) -> list[Any]:
    types: tuple[type, ...] = (AssetsDefinition, SourceAsset, *((AssetSpec,) if include_specs else ()))
    found = _found(modules, types)
    keys = {k for item in found if isinstance(item, AssetsDefinition) for k in item.keys if item.is_executable}
    sources = {item.key for item in found if isinstance(item, (SourceAsset, AssetSpec))}
    prefix, source_prefix = _prefix(key_prefix), _prefix(source_key_prefix)

    def replace(key: AssetKey) -> AssetKey:
        if prefix and key in keys:
            return AssetKey((*prefix, *key.path))
        if source_prefix and key in sources:
            return AssetKey((*source_prefix, *key.path))
        return key

    out: list[Any] = []
    for item in found:
        if isinstance(item, AssetsDefinition):
            new = item.with_key_replacements(replace) if prefix or source_prefix else item
            if group_name is not None:
                new = new.with_group_name(group_name)
            if automation_condition is not None or backfill_policy is not None:
                new = _with_policies(new, automation_condition, backfill_policy)
            out.append(new)
        elif isinstance(item, SourceAsset):
            new_source = item.with_attributes(key=replace(item.key)) if source_prefix else item
            out.append(new_source.with_attributes(group_name=group_name) if group_name is not None else new_source)
        else:
            spec = item.replace_attributes(key=replace(item.key)) if source_prefix else item
            out.append(spec.replace_attributes(group_name=group_name) if group_name is not None else spec)
    return out


def _with_policies(adef: AssetsDefinition, automation_condition: Any, backfill_policy: Any) -> AssetsDefinition:
    import copy

    new = copy.copy(adef)
    if automation_condition is not None:
        new.specs_by_output = {
            out: spec.replace_attributes(automation_condition=automation_condition)
            for out, spec in adef.specs_by_output.items()
        }
    if backfill_policy is not None:
        new.backfill_policy = backfill_policy
    return new


def _submodules(package: ModuleType) -> Iterator[ModuleType]:
    """The package and every module under it, imported (Dagster imports them to find assets)."""
    yield package
    path = getattr(package, "__path__", None)
    if path is None:
        return
    for info in pkgutil.walk_packages(path, package.__name__ + "."):
        yield importlib.import_module(info.name)


def _caller_module(depth: int = 2) -> ModuleType:
    name = sys._getframe(depth).f_globals.get("__name__")
    module = sys.modules.get(name) if name else None
    if module is None:
        raise DagsterInvalidDefinitionError(
            "load_assets_from_current_module() must be called from the module level of an imported module."
        )
    return module


def load_assets_from_modules(
    modules: Iterable[ModuleType],
    group_name: str | None = None,
    key_prefix: str | Sequence[str] | None = None,
    *,
    freshness_policy: Any = None,
    automation_condition: Any = None,
    backfill_policy: Any = None,
    source_key_prefix: str | Sequence[str] | None = None,
    include_specs: bool = False,
) -> list[Any]:
    """The assets and source assets defined at the top level of these modules (also inside lists).

    Args:
        group_name: the group of every loaded asset (an asset naming another group is an error).
        key_prefix: prepended to every loaded asset key, and to dependencies among them.
        source_key_prefix: prepended to the keys of loaded source assets (and specs).
    """
    warn_unsupported("load_assets_from_modules()", freshness_policy=freshness_policy)
    return _assets(
        list(modules), group_name, key_prefix, source_key_prefix, include_specs, automation_condition, backfill_policy
    )


def load_assets_from_current_module(
    group_name: str | None = None,
    key_prefix: str | Sequence[str] | None = None,
    *,
    freshness_policy: Any = None,
    automation_condition: Any = None,
    backfill_policy: Any = None,
    source_key_prefix: str | Sequence[str] | None = None,
    include_specs: bool = False,
) -> list[Any]:
    """load_assets_from_modules for the module this is called from."""
    warn_unsupported("load_assets_from_current_module()", freshness_policy=freshness_policy)
    return _assets(
        [_caller_module()],
        group_name,
        key_prefix,
        source_key_prefix,
        include_specs,
        automation_condition,
        backfill_policy,
    )


def load_assets_from_package_module(
    package_module: ModuleType,
    group_name: str | None = None,
    key_prefix: str | Sequence[str] | None = None,
    *,
    freshness_policy: Any = None,
    automation_condition: Any = None,
    backfill_policy: Any = None,
    source_key_prefix: str | Sequence[str] | None = None,
    include_specs: bool = False,
) -> list[Any]:
    """load_assets_from_modules over a package and all its submodules (imported)."""
    warn_unsupported("load_assets_from_package_module()", freshness_policy=freshness_policy)
    return _assets(
        list(_submodules(package_module)),
        group_name,
        key_prefix,
        source_key_prefix,
        include_specs,
        automation_condition,
        backfill_policy,
    )


def load_assets_from_package_name(package_name: str, group_name: str | None = None, **kwargs: Any) -> list[Any]:
    """load_assets_from_package_module for a package given by name."""
    return load_assets_from_package_module(importlib.import_module(package_name), group_name, **kwargs)


def _checks(modules: Sequence[ModuleType], asset_key_prefix: Any) -> list[AssetChecksDefinition]:
    found = _found(modules, (AssetChecksDefinition,))
    prefix = _prefix(asset_key_prefix)
    if not prefix:
        return found
    return [_prefixed_check(check, prefix) for check in found]


def _prefixed_check(check: AssetChecksDefinition, prefix: tuple[str, ...]) -> AssetChecksDefinition:
    from sdk.checks import AssetCheckSpec

    def replace(key: AssetKey) -> AssetKey:
        return AssetKey((*prefix, *key.path))

    specs = [
        AssetCheckSpec(
            s.name,
            asset=replace(s.asset_key),
            description=s.description,
            additional_deps=[replace(d) for d in s.additional_deps],
            blocking=s.blocking,
            metadata=s.metadata,
            automation_condition=s.automation_condition,
        )
        for s in check.check_specs
    ]
    keys = {name: replace(key) for name, key in check.keys_by_input.items()}
    return AssetChecksDefinition(op=check.op, specs=specs, keys_by_input=keys, resource_defs=check.resource_defs)


def load_asset_checks_from_modules(
    modules: Iterable[ModuleType], asset_key_prefix: str | Sequence[str] | None = None
) -> list[AssetChecksDefinition]:
    """The asset checks defined at the top level of these modules; asset_key_prefix prefixes the checked keys."""
    return _checks(list(modules), asset_key_prefix)


def load_asset_checks_from_current_module(
    asset_key_prefix: str | Sequence[str] | None = None,
) -> list[AssetChecksDefinition]:
    return _checks([_caller_module()], asset_key_prefix)


def load_asset_checks_from_package_module(
    package_module: ModuleType, asset_key_prefix: str | Sequence[str] | None = None
) -> list[AssetChecksDefinition]:
    return _checks(list(_submodules(package_module)), asset_key_prefix)


def load_asset_checks_from_package_name(
    package_name: str, asset_key_prefix: str | Sequence[str] | None = None
) -> list[AssetChecksDefinition]:
    return load_asset_checks_from_package_module(importlib.import_module(package_name), asset_key_prefix)
