"""Dagster's asset check factories over materialization metadata: build_metadata_bounds_checks (a numeric
metadata value within bounds) and build_column_schema_change_checks (the column schema of the last two
materializations differs). Each gives one multi-asset check that reads the instance when it runs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sdk.checks import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, AssetCheckSpec, multi_asset_check
from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import AssetKey

COLUMN_SCHEMA_KEY = "dagster/column_schema"


def build_metadata_bounds_checks(
    *,
    assets: Sequence[Any],
    severity: AssetCheckSeverity = AssetCheckSeverity.WARN,
    metadata_key: str,
    min_value: float | None = None,
    max_value: float | None = None,
    exclusive_min: bool = False,
    exclusive_max: bool = False,
) -> list[AssetChecksDefinition]:
    """Checks `<metadata_key>_bounds_check` that pass when the latest materialization's metadata value
    `metadata_key` is a number within [min_value, max_value] (exclusive bounds when asked)."""
    if min_value is None and max_value is None:
        raise DagsterInvalidDefinitionError("At least one of `min_value` or `max_value` must be set")
    if min_value is not None and max_value is not None and min_value > max_value:
        raise DagsterInvalidDefinitionError("`min_value` may not be greater than `max_value`")
    description = f"Checks that the latest materialization has metadata value `{metadata_key}`"
    if min_value is not None:
        description += f" greater than {'or equal to ' if not exclusive_min else ''}{min_value}"
    if max_value is not None:
        joined = "and " if min_value is not None else ""
        description += f" {joined}less than {'or equal to ' if not exclusive_max else ''}{max_value}"

    def result(instance: Any, key: AssetKey) -> tuple[bool, str]:
        event = instance.get_latest_materialization_event(key)
        if event is None:
            return False, "Asset has not been materialized"
        metadata = event.asset_materialization.metadata
        if metadata_key not in metadata:
            return False, f"Metadata key `{metadata_key}` not found"
        value = getattr(metadata[metadata_key], "value", metadata[metadata_key])
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False, f"Value `{value}` is not a number"
        if min_value is not None and (value <= min_value if exclusive_min else value < min_value):
            return False, f"Value `{value}` is less than {'or equal to ' if exclusive_min else ''}{min_value}"
        if max_value is not None and (value >= max_value if exclusive_max else value > max_value):
            return False, f"Value `{value}` is greater than {'or equal to ' if exclusive_max else ''}{max_value}"
        return True, f"Value `{value}` is within range"

    name = f"{re.sub(r'[^A-Za-z0-9_]', '_', metadata_key)}_bounds_check"
    keys = _keys(assets, "build_metadata_bounds_checks")
    return _multi_check([AssetCheckSpec(name, asset=k, description=description) for k in keys], result, severity)


def build_column_schema_change_checks(
    *, assets: Sequence[Any], severity: AssetCheckSeverity = AssetCheckSeverity.WARN
) -> list[AssetChecksDefinition]:
    """Checks `column_schema_change` that fail when the `dagster/column_schema` metadata of an asset's
    latest materialization differs from the one before (added, removed or retyped columns)."""

    def result(instance: Any, key: AssetKey) -> tuple[bool, str]:
        records = instance.fetch_materializations(key, limit=2).records
        if len(records) < 2:
            return True, "The asset has been materialized fewer than 2 times"
        latest = _columns(records[0].asset_materialization.metadata)
        previous = _columns(records[1].asset_materialization.metadata)
        if latest is None:
            return False, "Latest materialization has no column schema metadata"
        if previous is None:
            return False, "Previous materialization has no column schema metadata"
        added = [n for n in latest if n not in previous]
        removed = [n for n in previous if n not in latest]
        changed = {n: (previous[n], t) for n, t in latest.items() if n in previous and previous[n] != t}
        if not (added or removed or changed):
            return True, "No changes to column schema between previous and latest materialization"
        description = "Column schema changed between previous and latest materialization."
        if added:
            description += f"\n\nAdded columns: {', '.join(added)}"
        if removed:
            description += f"\n\nRemoved columns: {', '.join(removed)}"
        if changed:
            description += "\n\nColumn type changes:" + "".join(f"\n- {n}: {a} -> {b}" for n, (a, b) in changed.items())
        return False, description

    specs = [
        AssetCheckSpec(
            "column_schema_change",
            asset=k,
            description="Checks whether there are changes to column schema between the asset's  two most recent "
            "materializations",
        )
        for k in _keys(assets, "build_column_schema_change_checks")
    ]
    return _multi_check(specs, result, severity)


def _columns(metadata: Any) -> dict[str, str] | None:
    """Column name -> type of a materialization's `dagster/column_schema`, or None without one."""
    value = metadata.get(COLUMN_SCHEMA_KEY)
    if value is None:
        return None
    data = getattr(value, "value", value)
    if hasattr(data, "to_json"):  # a TableSchema given as raw metadata
        data = data.to_json()
    if not isinstance(data, dict):
        return None
    return {c["name"]: c.get("type", "string") for c in data.get("columns", [])}


def _keys(assets: Sequence[Any], what: str) -> list[AssetKey]:
    from sdk.freshness_checks import _asset_keys

    if isinstance(assets, (str, AssetKey)):
        raise DagsterInvalidDefinitionError(f"{what}: assets= takes a list of assets or keys, e.g. assets=[my_asset]")
    keys = list(dict.fromkeys(_asset_keys(assets)))
    if not keys:
        raise DagsterInvalidDefinitionError(f"{what}: assets= names no asset")
    return keys


def _multi_check(
    specs: list[AssetCheckSpec], result: Callable[[Any, AssetKey], tuple[bool, str]], severity: AssetCheckSeverity
) -> list[AssetChecksDefinition]:
    if not isinstance(severity, AssetCheckSeverity):
        raise DagsterInvalidDefinitionError(f"severity must be AssetCheckSeverity.WARN or .ERROR, not {severity!r}")
    digest = hashlib.sha1("|".join(sorted(f"{s.asset_key.to_user_string()}:{s.name}" for s in specs)).encode())

    @multi_asset_check(specs=specs, can_subset=True, name=f"asset_check_{digest.hexdigest()[:8]}")
    def checks(context: Any) -> Iterator[AssetCheckResult]:
        selected = context.selected_asset_check_keys or {s.key for s in specs}
        for spec in specs:
            if spec.key not in selected:
                continue
            passed, description = result(context.instance, spec.asset_key)
            yield AssetCheckResult(
                passed=passed,
                description=description,
                severity=severity,
                check_name=spec.name,
                asset_key=spec.asset_key,
            )

    return [checks]
