"""@multi_asset_sensor: a sensor watching several assets, reading their materializations from the
instance and keeping one cursor per asset (Dagster's MultiAssetSensorEvaluationContext).

Its context reads the instance: the host's under the Weir host (sdk/host_instance.py), and in unit tests
the one build_multi_asset_sensor_context(instance=...) is given.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sdk.keys import AssetKey, to_asset_key
from sdk.sensors import DefaultSensorStatus, MultiAssetSensorDefinition, SensorEvaluationContext


class MultiAssetSensorEvaluationContext(SensorEvaluationContext):
    """The monitored assets' materializations after the cursor, and per-asset cursor moves."""

    def __init__(
        self,
        monitored_assets: Any,
        instance: Any = None,
        cursor: str | None = None,
        resources: Any = None,
        definitions: Any = None,
        last_tick_time: float | None = None,
        last_run_key: str | None = None,
    ) -> None:
        super().__init__(cursor, last_tick_time, last_run_key, resources, instance)
        self.asset_keys = _resolve_keys(monitored_assets, definitions)
        self.monitored_assets = monitored_assets
        self._positions: dict[str, int] = json.loads(cursor) if cursor else {}
        self._latest: dict[AssetKey, Any] = {}

    def _after(self, key: AssetKey) -> int | None:
        return self._positions.get(key.to_user_string())

    def materialization_records_for_key(self, asset_key: Any, limit: int | None = None) -> list[Any]:
        """The asset's materializations after its cursor, oldest first."""
        from sdk.event_records import AssetRecordsFilter

        key = to_asset_key(asset_key)
        page = self.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=key, after_storage_id=self._after(key)), limit=limit or 10_000, ascending=True
        )
        return list(page.records)

    def latest_materialization_records_by_key(self, asset_keys: Sequence[Any] | None = None) -> dict[AssetKey, Any]:
        """Each monitored asset's newest materialization after its cursor, or None."""
        from sdk.event_records import AssetRecordsFilter

        out: dict[AssetKey, Any] = {}
        for key in [to_asset_key(k) for k in asset_keys] if asset_keys is not None else self.asset_keys:
            page = self.instance.fetch_materializations(
                AssetRecordsFilter(asset_key=key, after_storage_id=self._after(key)), limit=1
            )
            out[key] = page.records[0] if page.records else None
            if out[key] is not None:
                self._latest[key] = out[key]
        return out

    def advance_cursor(self, materialization_records_by_key: Mapping[Any, Any]) -> None:
        """Mark these records (and everything before them) as consumed."""
        for key, record in materialization_records_by_key.items():
            if record is not None:
                self._positions[to_asset_key(key).to_user_string()] = record.storage_id
        self._update_cursor()

    def advance_all_cursors(self) -> None:
        """Mark every monitored asset's materializations so far as consumed."""
        from sdk.event_records import AssetRecordsFilter

        for key in self.asset_keys:
            page = self.instance.fetch_materializations(AssetRecordsFilter(asset_key=key), limit=1)
            if page.records:
                self._positions[key.to_user_string()] = page.records[0].storage_id
        self._update_cursor()

    def _update_cursor(self) -> None:
        self.update_cursor(json.dumps(self._positions, sort_keys=True))


def _resolve_keys(monitored: Any, definitions: Any) -> list[AssetKey]:
    from sdk.selection import AssetSelection

    if isinstance(monitored, AssetSelection):
        if definitions is None:
            from sdk.errors import DagsterInvalidInvocationError

            raise DagsterInvalidInvocationError(
                "monitored_assets is an AssetSelection: give definitions= so it can be resolved."
            )
        return sorted(monitored.resolve(definitions.asset_graph))
    keys: list[AssetKey] = []
    for value in monitored:
        inner = getattr(value, "keys", None)
        keys.extend(list(inner) if inner is not None and not isinstance(value, Mapping) else [to_asset_key(value)])
    return keys


def build_multi_asset_sensor_context(
    monitored_assets: Any,
    repository_def: Any = None,
    instance: Any = None,
    cursor: str | None = None,
    repository_name: str | None = None,
    cursor_from_latest_materializations: bool = False,
    resources: Mapping[str, Any] | None = None,
    definitions: Any = None,
) -> MultiAssetSensorEvaluationContext:
    """A context for calling a multi-asset sensor in a unit test, over `instance`'s materializations."""
    defs = definitions if definitions is not None else getattr(repository_def, "definitions", None)
    context = MultiAssetSensorEvaluationContext(
        monitored_assets, instance=instance, cursor=cursor, resources=resources, definitions=defs
    )
    if cursor_from_latest_materializations:
        context.advance_all_cursors()
    return context


class _MultiAssetSensor(MultiAssetSensorDefinition):
    """Hands its function a MultiAssetSensorEvaluationContext over the monitored assets."""

    monitored: Any = ()

    def _adapted(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        from sdk._invocation import call_with_context

        what = f'sensor "{self.name}"'

        def evaluate(context: Any) -> Any:
            if not isinstance(context, MultiAssetSensorEvaluationContext):
                context = MultiAssetSensorEvaluationContext(
                    self.monitored,
                    instance=getattr(context, "_instance", None),
                    cursor=getattr(context, "cursor", None),
                    resources=getattr(context, "resources", None),
                )
            return call_with_context(fn, what, context)

        return evaluate


def multi_asset_sensor(
    monitored_assets: Any,
    *,
    job: Any = None,
    jobs: Sequence[Any] | None = None,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    request_assets: Any = None,
    required_resource_keys: set[str] | None = None,
    target: Any = None,
    job_name: str | None = None,
) -> Callable[[Callable[..., Any]], MultiAssetSensorDefinition]:
    """Declare a sensor called as fn(context) with a MultiAssetSensorEvaluationContext over monitored_assets
    (keys, assets, or an AssetSelection)."""

    def build(fn: Callable[..., Any]) -> MultiAssetSensorDefinition:
        definition = _MultiAssetSensor(
            name or fn.__name__,
            evaluation_fn=None,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description or fn.__doc__,
            job=job,
            jobs=jobs,
            job_name=job_name,
            asset_selection=request_assets,
            target=target,
            default_status=default_status,
            required_resource_keys=required_resource_keys,
        )
        definition.monitored = monitored_assets
        definition._raw_fn = fn
        definition.evaluation_fn = definition._adapted(fn)
        from sdk.selection import AssetSelection

        if not isinstance(monitored_assets, AssetSelection):
            definition.monitored_assets = _resolve_keys(monitored_assets, None)
        return definition

    return build
