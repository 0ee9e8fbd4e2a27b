"""Automation conditions and automation sensors -> snapshot messages (declarative automation).

A condition is already data (sdk/automation.py); here its dep selections are resolved to keys against
the location's graph and it becomes a `weir.v1.AutomationCondition` tree. Every location whose assets
carry conditions gets Dagster's `default_automation_condition_sensor` (kind AUTOMATION, running by
default) over the conditioned assets that no `AutomationConditionSensorDefinition` of its own targets;
the host evaluates these sensors, never the code server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from protos.weir.v1 import common_pb2, snapshot_pb2
from sdk.automation import AutomationCondition, AutomationConditionSensorDefinition
from sdk.freshness import CronFreshnessPolicy
from sdk.freshness_checks import DEFAULT_INTERVAL_SECONDS as FRESHNESS_SENSOR_INTERVAL
from sdk.freshness_checks import FRESHNESS_PARAMS_METADATA_KEY, FreshnessCheckSensorDefinition
from sdk.keys import AssetKey
from sdk.selection import AssetSelection, _Keys

DEFAULT_SENSOR_NAME = "default_automation_condition_sensor"
DEFAULT_INTERVAL_SECONDS = 30  # Dagster's default automation sensor interval

PbKey = Callable[[AssetKey], common_pb2.AssetKey]


def condition_to_proto(condition: AutomationCondition | None, graph: Any, pb_key: PbKey) -> Any:
    """The message for a condition (None for none), dep selections resolved to sorted keys."""
    if condition is None:
        return None
    allow = _resolve(condition.allow_selections, graph)
    return snapshot_pb2.AutomationCondition(
        kind=condition.kind,
        label=condition.label or "",
        children=[condition_to_proto(c, graph, pb_key) for c in condition.children],
        cron_schedule=condition.cron_schedule,
        cron_timezone=condition.cron_timezone,
        lookback_seconds=condition.lookback_seconds,
        has_allow=bool(condition.allow_selections),
        allow=[pb_key(k) for k in allow],
        ignore=[pb_key(k) for k in _resolve(condition.ignore_selections, graph)],
        blocking_only=condition.blocking_only,
        tag_keys=list(condition.tag_keys),
        tag_values=dict(condition.tag_values),
    )


def _resolve(selections: Iterable[Any], graph: Any) -> list[AssetKey]:
    """Keys named directly need not be this location's (a dep may live in another location);
    other selections resolve against this location's graph."""
    keys: set[AssetKey] = set()
    for value in selections:
        selection = AssetSelection.from_coercible(value)
        keys |= set(selection.selected) if isinstance(selection, _Keys) else selection.resolve(graph)
    return sorted(keys)


def _status(value: Any) -> snapshot_pb2.DefaultStatus.ValueType:
    """As Dagster: a sensor of your own starts STOPPED unless its default_status says RUNNING."""
    running = value is not None and value.value == "RUNNING"
    return snapshot_pb2.RUNNING if running else snapshot_pb2.STOPPED


def is_automation_sensor(sensor: Any) -> bool:
    """A sensor the host evaluates itself: automation conditions, or freshness checks."""
    return isinstance(sensor, (AutomationConditionSensorDefinition, FreshnessCheckSensorDefinition))


def effective_conditions(defs: Any, graph: Any) -> dict[AssetKey, AutomationCondition]:
    """Each asset's condition: its own, else the default_condition of a sensor that targets it."""
    found: dict[AssetKey, AutomationCondition] = {}
    for key in graph.assets_def_by_key:
        condition = graph.assets_def_by_key[key].spec_for(key).automation_condition
        if condition is not None:
            found[key] = condition
    for sensor in defs.sensors:
        if isinstance(sensor, AutomationConditionSensorDefinition) and sensor.default_condition is not None:
            for key in _targets(sensor, graph):
                found.setdefault(key, sensor.default_condition)
    return found


def _targets(sensor: AutomationConditionSensorDefinition, graph: Any) -> list[AssetKey]:
    if sensor.target is None:
        return sorted(graph.assets_def_by_key)
    return sorted(AssetSelection.from_coercible(sensor.target).resolve(graph))


def automation_sensors(defs: Any, graph: Any, conditioned: Iterable[AssetKey], pb_key: PbKey) -> list[Any]:
    """The location's automation sensors: its own, plus the default one over the conditioned assets
    that none of its own targets (none when every conditioned asset is covered)."""
    messages = []
    covered: set[AssetKey] = set()
    for sensor in defs.sensors:
        if isinstance(sensor, FreshnessCheckSensorDefinition):
            messages.append(_freshness_sensor(sensor, pb_key))
            continue
        if not is_automation_sensor(sensor):
            continue
        targets = _targets(sensor, graph)
        covered.update(targets)
        messages.append(
            snapshot_pb2.Sensor(
                name=sensor.name,
                minimum_interval_seconds=sensor.minimum_interval_seconds or DEFAULT_INTERVAL_SECONDS,
                asset_selection=[pb_key(k) for k in targets],
                default_status=_status(sensor.default_status),
                description=(sensor.description or "").strip(),
                kind=snapshot_pb2.AUTOMATION,
            )
        )
    rest = sorted(set(conditioned) - covered)
    if rest and DEFAULT_SENSOR_NAME not in {s.name for s in messages}:
        messages.append(
            snapshot_pb2.Sensor(
                name=DEFAULT_SENSOR_NAME,
                minimum_interval_seconds=DEFAULT_INTERVAL_SECONDS,
                asset_selection=[pb_key(k) for k in rest],
                default_status=snapshot_pb2.RUNNING,
                description="Evaluates the automation conditions of this location's assets (on the host).",
                kind=snapshot_pb2.AUTOMATION,
            )
        )
    return messages


def _freshness_sensor(sensor: FreshnessCheckSensorDefinition, pb_key: PbKey) -> Any:
    """build_sensor_for_freshness_checks: kind FRESHNESS_CHECKS over the checked assets (each one's
    `freshness_check`), stopped by default as in Dagster."""
    return snapshot_pb2.Sensor(
        name=sensor.name,
        minimum_interval_seconds=sensor.minimum_interval_seconds or FRESHNESS_SENSOR_INTERVAL,
        asset_selection=[pb_key(k) for k in sensor.asset_keys],
        default_status=_status(sensor.default_status),
        description=sensor.description or "",
        kind=snapshot_pb2.FRESHNESS_CHECKS,
    )


def last_update_freshness_to_proto(spec: Any) -> Any:
    """The parameters of a check built by build_last_update_freshness_checks (its spec's
    `dagster/freshness_params` metadata), None for any other check."""
    value = (spec.metadata or {}).get(FRESHNESS_PARAMS_METADATA_KEY)
    params = getattr(value, "value", value)
    if not isinstance(params, dict) or "lower_bound_delta_seconds" not in params:
        return None
    return snapshot_pb2.LastUpdateFreshness(
        lower_bound_delta_seconds=float(params["lower_bound_delta_seconds"]),
        deadline_cron=params.get("deadline_cron") or "",
        timezone=params.get("timezone") or "UTC",
        severity=params.get("severity") or "WARN",
    )


def freshness_to_proto(policy: Any) -> Any:
    """A FreshnessPolicy (sdk/freshness.py) as its message, None for none."""
    if policy is None:
        return None
    if isinstance(policy, CronFreshnessPolicy):
        return snapshot_pb2.FreshnessPolicy(
            deadline_cron=policy.deadline_cron,
            lower_bound_seconds=policy.lower_bound_seconds,
            timezone=policy.timezone or "UTC",
        )
    return snapshot_pb2.FreshnessPolicy(
        fail_window_seconds=policy.fail_window_seconds, warn_window_seconds=policy.warn_window_seconds
    )
