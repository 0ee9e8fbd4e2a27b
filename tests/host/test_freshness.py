"""Freshness policies as the host evaluates them: time windows with a warn window, cron deadlines, and
the automation operands that read the result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import sdk as dg
from codeserver.automation import freshness_to_proto
from host.domain.freshness import evaluate
from tests.host.test_automation_evaluator import U, chain, requested

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0


def test_time_window_passes_warns_then_fails_as_the_last_materialization_ages() -> None:
    policy = freshness_to_proto(dg.FreshnessPolicy.time_window(timedelta(hours=24), timedelta(hours=12)))
    assert evaluate(policy, None, NOW).state == "UNKNOWN"
    assert evaluate(policy, NOW - 2 * HOUR, NOW).state == "PASS"
    warned = evaluate(policy, NOW - 13 * HOUR, NOW)
    assert warned.state == "WARN" and "13 h ago, more than the warn window (12 h)" in warned.reason
    assert evaluate(policy, NOW - 25 * HOUR, NOW).state == "FAIL"


def test_cron_deadline_fails_until_the_asset_materializes_again() -> None:
    policy = freshness_to_proto(dg.FreshnessPolicy.cron("0 10 * * *", timedelta(hours=1)))
    assert evaluate(policy, NOW - 2.5 * HOUR, NOW).state == "PASS"  # 09:30, before the 10:00 deadline
    late = evaluate(policy, NOW - 4 * HOUR, NOW)  # 08:00: before the 09:00-10:00 window
    assert late.state == "FAIL" and "2026-05-04 10:00:00 UTC passed" in late.reason
    assert evaluate(policy, NOW - 60, NOW).state == "PASS"  # materialized again at 11:59


def test_policies_that_cannot_hold_are_refused_with_the_fix() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="warn_window must be less than fail_window"):
        dg.FreshnessPolicy.time_window(timedelta(hours=1), timedelta(hours=2))
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="less than 1 minute"):
        dg.FreshnessPolicy.time_window(timedelta(seconds=5))
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="freshness_policy= must be"):
        dg.AssetSpec("a", freshness_policy=timedelta(hours=1))


def test_automation_can_react_to_a_failing_freshness_policy() -> None:
    sim = chain(a=dg.AutomationCondition.freshness_failed().newly_true())
    sim.tick()
    sim.assets["a"].freshness = "FAIL"
    assert requested(sim.tick()) == {"a": U}
    assert requested(sim.tick()) == {}
