"""Freshness checks (build_last_update_freshness_checks): the host's evaluation and the sensor's rules as
pure functions, the same answer in process under `materialize` with a local instance, the parameters in
the snapshot, and the definition errors."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest

import sdk as dg
from codeserver.snapshot import build_snapshot
from host.domain import freshness
from protos.weir.v1 import snapshot_pb2

NOON = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC).timestamp()
HOUR = 3600.0


def _meta(result: freshness.CheckResult) -> dict[str, float]:
    return {e.key: e.value.float_value for e in result.metadata if e.value.WhichOneof("value") == "float_value"}


def test_without_a_cron_the_asset_must_have_updated_within_the_delta_of_now() -> None:
    params = snapshot_pb2.LastUpdateFreshness(lower_bound_delta_seconds=HOUR, timezone="UTC", severity="WARN")
    fresh = freshness.evaluate_last_update(params, NOON - 600, NOON)
    assert fresh.passed and fresh.fresh_until == NOON - 600 + HOUR
    assert fresh.description == (
        "Asset is currently fresh. The last update was 10 minutes ago, within the allowed time range of 1 hour."
    )
    assert _meta(fresh)["dagster/last_updated_timestamp"] == NOON - 600
    late = freshness.evaluate_last_update(params, NOON - 2 * HOUR, NOON)
    assert not late.passed and late.fresh_until is None
    assert (
        _meta(late)["dagster/overdue_seconds"] == 2 * HOUR and _meta(late)["dagster/overdue_deadline_timestamp"] == NOON
    )
    assert "past the allowed distance of 1 hour ago" in late.description
    never = freshness.evaluate_last_update(params, None, NOON)
    assert not never.passed and never.description == "Asset has never been observed/materialized."


def test_with_a_cron_the_deadline_is_its_latest_tick_in_its_timezone() -> None:
    params = snapshot_pb2.LastUpdateFreshness(
        lower_bound_delta_seconds=1800, deadline_cron="0 9 * * *", timezone="Europe/Paris", severity="ERROR"
    )
    deadline = NOON - 4 * HOUR  # 09:00 in Paris is 08:00 UTC in November
    on_time = freshness.evaluate_last_update(params, deadline - 600, NOON)
    assert on_time.passed and on_time.fresh_until == deadline + 24 * HOUR
    assert _meta(on_time)["dagster/latest_cron_tick_timestamp"] == deadline
    too_early = freshness.evaluate_last_update(params, deadline - 3600, NOON)
    assert not too_early.passed and _meta(too_early)["dagster/freshness_lower_bound_timestamp"] == deadline - 1800


def test_the_sensor_evaluates_what_never_was_what_can_be_overdue_again_and_failures_after_an_update() -> None:
    params = snapshot_pb2.LastUpdateFreshness(lower_bound_delta_seconds=HOUR)
    assert freshness.check_due(params, None, None, NOON) == "never evaluated"
    assert freshness.check_due(params, (True, NOON - 60), NOON - 600, NOON) == ""  # fresh until 12:50
    assert freshness.check_due(params, (True, NOON - 60), NOON - 2 * HOUR, NOON) == "passed, and can be overdue again"
    assert freshness.check_due(params, (False, NOON - 60), NOON - 2 * HOUR, NOON) == ""  # nothing new
    assert (
        freshness.check_due(params, (False, NOON - 60), NOON - 30, NOON) == "failed, and the asset materialized since"
    )


@dg.asset
def orders() -> None:
    return None


def test_materialize_evaluates_the_check_in_process_with_the_local_instance() -> None:
    checks = dg.build_last_update_freshness_checks(
        assets=[orders], lower_bound_delta=timedelta(hours=1), severity=dg.AssetCheckSeverity.ERROR
    )
    instance = dg.DagsterInstance.ephemeral()
    only_check = dg.materialize([orders, *checks], instance=instance, selection=dg.AssetSelection.checks(*checks))
    (never,) = only_check.get_asset_check_evaluations()
    assert not never.passed and never.description == "Asset has never been observed/materialized."
    result = dg.materialize([orders, *checks], instance=instance)
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.check_name == "freshness_check" and evaluation.asset_key == dg.AssetKey("orders")
    last = instance.get_latest_materialization_event(orders).timestamp
    assert evaluation.metadata["dagster/last_updated_timestamp"].value == pytest.approx(last)
    assert evaluation.metadata["dagster/fresh_until_timestamp"].value == pytest.approx(last + 3600)


def test_the_snapshot_carries_the_parameters_and_a_host_evaluated_sensor() -> None:
    checks = dg.build_last_update_freshness_checks(
        assets=[orders], lower_bound_delta=timedelta(minutes=45), deadline_cron="0 9 * * *"
    )
    sensor = dg.build_sensor_for_freshness_checks(freshness_checks=checks, minimum_interval_seconds=60)
    defs = dg.Definitions(assets=[orders], asset_checks=checks, sensors=[sensor])
    snapshot = snapshot_pb2.Snapshot.FromString(build_snapshot(defs, "loc").data)
    (check,) = snapshot.asset_checks
    assert (check.name, check.last_update_freshness.deadline_cron) == ("freshness_check", "0 9 * * *")
    assert check.last_update_freshness.lower_bound_delta_seconds == 2700
    (message,) = snapshot.sensors
    assert message.kind == snapshot_pb2.FRESHNESS_CHECKS and message.default_status == snapshot_pb2.STOPPED
    assert [list(k.path) for k in message.asset_selection] == [["orders"]] and message.minimum_interval_seconds == 60


def test_bad_parameters_are_refused_with_the_fix() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="deadline_cron must be a cron string"):
        dg.build_last_update_freshness_checks(
            assets=[orders], lower_bound_delta=timedelta(hours=1), deadline_cron="9am"
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="unknown timezone 'Mars/Base'"):
        dg.build_last_update_freshness_checks(
            assets=[orders], lower_bound_delta=timedelta(hours=1), timezone="Mars/Base"
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="lower_bound_delta must be a positive"):
        dg.build_last_update_freshness_checks(assets=[orders], lower_bound_delta=3600)  # type: ignore[arg-type]

    @dg.asset_check(asset=orders)
    def not_fresh() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=True)

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="is not a freshness check"):
        dg.build_sensor_for_freshness_checks(freshness_checks=[not_fresh])
