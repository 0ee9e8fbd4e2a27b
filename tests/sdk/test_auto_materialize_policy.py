"""Dagster's AutoMaterializePolicy / AutoMaterializeRule: an asset given a policy is automated by the
AutomationCondition the policy stands for (the eager policy is AutomationCondition.eager(), also in the
snapshot the host evaluates); custom rule sets compose materialize rules minus skip rules."""

from __future__ import annotations

import pytest

import sdk as dg
from codeserver.snapshot import build_snapshot
from protos.weir.v1 import snapshot_pb2


def _condition_of(asset: dg.AssetsDefinition) -> snapshot_pb2.AutomationCondition:
    snapshot = snapshot_pb2.Snapshot.FromString(build_snapshot(dg.Definitions(assets=[asset]), "t").data)
    (node,) = snapshot.assets
    return node.automation_condition


def test_an_eager_policy_is_the_eager_condition_down_to_the_snapshot() -> None:
    @dg.asset(auto_materialize_policy=dg.AutoMaterializePolicy.eager())
    def by_policy() -> int:
        return 1

    @dg.asset(automation_condition=dg.AutomationCondition.eager())
    def by_condition() -> int:
        return 1

    assert by_policy.specs[0].automation_condition == dg.AutomationCondition.eager()
    assert _condition_of(by_policy) == _condition_of(by_condition)


def test_custom_rules_compose_materialize_rules_minus_skip_rules() -> None:
    policy = (
        dg.AutoMaterializePolicy.eager()
        .without_rules(dg.AutoMaterializeRule.materialize_on_parent_updated())
        .with_rules(dg.AutoMaterializeRule.materialize_on_cron("0 * * * *"))
    )
    assert {r.name for r in policy.materialize_rules} == {"materialize_on_missing", "materialize_on_cron(0 * * * *)"}
    condition = policy.to_automation_condition()
    text = str(condition)
    assert "cron_tick_passed(cron_schedule=0 * * * *" in text and "newly_missing" in text
    assert "any_deps_updated" not in text and "NOT(backfill_in_progress)" in text
    assert text.count("NOT(any_deps_missing") == 1  # two skip rules that mean one condition

    @dg.asset(auto_materialize_policy=policy)
    def hourly() -> int:
        return 1

    assert hourly.specs[0].automation_condition == condition


def test_policy_mistakes_are_definition_errors() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="not both"):

        @dg.asset(
            auto_materialize_policy=dg.AutoMaterializePolicy.eager(),
            automation_condition=dg.AutomationCondition.eager(),
        )
        def both() -> int:
            return 1

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="must be an AutoMaterializePolicy"):

        @dg.asset(auto_materialize_policy="eager")
        def text() -> int:
            return 1

    only_skips = dg.AutoMaterializePolicy.eager().without_rules(
        dg.AutoMaterializeRule.materialize_on_missing(), dg.AutoMaterializeRule.materialize_on_parent_updated()
    )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="no materialize rule"):
        only_skips.to_automation_condition()
