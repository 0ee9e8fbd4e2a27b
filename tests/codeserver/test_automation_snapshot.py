"""Automation conditions are data: built like Dagster's, refused when not one, and carried in the snapshot
as a typed tree with the location's default automation sensor."""

from __future__ import annotations

import pytest
from google.protobuf import json_format

import sdk as dg
from codeserver.snapshot import build_snapshot
from protos.weir.v1 import snapshot_pb2

AC = dg.AutomationCondition


def _names(condition: dg.AutomationCondition) -> list[str]:
    return [c.label or c.name for c in condition.children]


def test_builtin_conditions_are_dagsters_trees() -> None:
    eager = AC.eager()
    assert eager.label == "eager"
    assert _names(eager) == ["in_latest_time_window", "SINCE", "NOT", "NOT", "NOT"]
    since = eager.children[1]
    assert _names(since.children[0]) == ["newly_missing", "any_deps_updated"]
    assert since.children[1].label == "handled"
    assert _names(since.children[1]) == ["newly_requested", "newly_updated", "initial_evaluation"]
    cron = AC.on_cron("0 * * * *", "Europe/Paris")
    assert cron.label == "on_cron(0 * * * *, Europe/Paris)"
    assert cron.children[1].children[0].name == (
        "cron_tick_passed(cron_schedule=0 * * * *, cron_timezone=Europe/Paris)"
    )
    assert AC.on_missing().children[1].label == "missing_since_last_handled"


def test_operators_flatten_like_dagster_and_labels_stop_flattening() -> None:
    a, b, c = AC.missing(), AC.newly_updated(), AC.execution_failed()
    assert (a & b & c).children == (a, b, c)
    assert (a | b | c).children == (a, b, c)
    labelled = (a & b).with_label("both")
    assert (labelled & c).children == (labelled, c)
    assert (~a).kind == "not" and (~a).children == (a,)
    assert a.since(b).children == (a, b) and a.newly_true().children == (a,)
    assert AC.eager().without(~AC.any_deps_missing()).children[2].children[0].label == "any_deps_in_progress"
    assert AC.eager().replace("any_deps_missing", AC.missing()).children[2].children[0] == AC.missing()
    assert str(a & ~b) == "AND(missing, NOT(newly_updated))"


def test_allow_and_ignore_reach_every_dep_operator_below() -> None:
    condition = AC.eager().ignore(dg.AssetSelection.keys("noisy"))
    dep_nodes = [n for n in condition.walk() if n.kind in ("any_deps_match", "all_deps_match")]
    assert len(dep_nodes) == 3
    assert all(len(n.ignore_selections) == 1 for n in dep_nodes)


def test_a_condition_that_is_not_data_is_refused_with_the_fix() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="must be an AutomationCondition"):

        @dg.asset(automation_condition=lambda: True)
        def orders() -> int:
            return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="never from a custom subclass or a function"):
        AC("and", (object(),))  # type: ignore[arg-type]
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="cron schedule"):
        AC.cron_tick_passed("")


@dg.asset
def raw() -> int:
    return 1


@dg.asset(automation_condition=AC.eager())
def clean(raw: int) -> int:
    return raw


@dg.asset(
    deps=["clean", "other_location_asset"],
    automation_condition=AC.on_cron("0 * * * *").ignore(dg.AssetSelection.keys("other_location_asset")),
)
def report() -> None:
    return None


@dg.asset_check(asset=clean, automation_condition=AC.eager())
def clean_ok(clean: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _snapshot(defs: dg.Definitions) -> snapshot_pb2.Snapshot:
    return snapshot_pb2.Snapshot.FromString(build_snapshot(defs, "loc").data)


def test_snapshot_carries_each_condition_tree_and_a_default_sensor() -> None:
    defs = dg.Definitions(assets=[raw, clean, report], asset_checks=[clean_ok])
    snap = _snapshot(defs)
    by_key = {"/".join(a.key.path): a for a in snap.assets}
    assert not by_key["raw"].HasField("automation_condition")
    tree = json_format.MessageToDict(by_key["clean"].automation_condition, preserving_proto_field_name=True)
    assert tree["label"] == "eager" and tree["kind"] == "and" and len(tree["children"]) == 5
    deps_node = by_key["report"].automation_condition.children[2]
    assert deps_node.kind == "all_deps_match"
    assert [list(k.path) for k in deps_node.ignore] == [["other_location_asset"]]
    assert snap.asset_checks[0].automation_condition.label == "eager"
    (sensor,) = snap.sensors
    assert sensor.name == "default_automation_condition_sensor" and sensor.kind == snapshot_pb2.AUTOMATION
    assert sensor.default_status == snapshot_pb2.RUNNING and sensor.minimum_interval_seconds == 30
    assert ["/".join(k.path) for k in sensor.asset_selection] == ["clean", "report"]
    assert build_snapshot(defs, "loc").snapshot_id == build_snapshot(defs, "loc").snapshot_id


def test_an_automation_sensor_of_your_own_takes_its_assets_from_the_default_one() -> None:
    mine = dg.AutomationConditionSensorDefinition(
        "hourly_automation", target=dg.AssetSelection.keys("raw"), default_condition=AC.on_missing()
    )
    snap = _snapshot(dg.Definitions(assets=[raw, clean], sensors=[mine]))
    sensors = {s.name: s for s in snap.sensors}
    assert sensors["hourly_automation"].default_status == snapshot_pb2.STOPPED  # Dagster's default for your own
    assert ["/".join(k.path) for k in sensors["hourly_automation"].asset_selection] == ["raw"]
    assert ["/".join(k.path) for k in sensors["default_automation_condition_sensor"].asset_selection] == ["clean"]
    by_key = {"/".join(a.key.path): a for a in snap.assets}
    assert by_key["raw"].automation_condition.label == "on_missing"  # the sensor's default_condition


def test_a_location_without_conditions_has_no_automation_sensor() -> None:
    assert list(_snapshot(dg.Definitions(assets=[raw])).sensors) == []


def test_a_freshness_policy_travels_in_the_snapshot() -> None:
    from datetime import timedelta

    fresh = dg.AssetSpec(
        "fresh", freshness_policy=dg.FreshnessPolicy.time_window(timedelta(hours=2), timedelta(hours=1))
    )
    daily = dg.AssetSpec(
        "daily", freshness_policy=dg.FreshnessPolicy.cron("0 10 * * *", timedelta(hours=1), "Europe/Paris")
    )
    by_key = {"/".join(a.key.path): a for a in _snapshot(dg.Definitions(assets=[fresh, daily])).assets}
    window = by_key["fresh"].freshness_policy
    assert (window.fail_window_seconds, window.warn_window_seconds, window.deadline_cron) == (7200, 3600, "")
    cron = by_key["daily"].freshness_policy
    assert (cron.deadline_cron, cron.lower_bound_seconds, cron.timezone) == ("0 10 * * *", 3600, "Europe/Paris")
