"""Dagster's older AutoMaterializePolicy and AutoMaterializeRule, kept as a way of writing automation
conditions: a policy is its materialize rules (any of them) minus its skip rules, and assets given one
get the AutomationCondition it stands for (the eager policy is AutomationCondition.eager())."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sdk.automation import AutomationCondition
from sdk.errors import DagsterInvalidDefinitionError


@dataclass(frozen=True)
class AutoMaterializeRule:
    """One rule of a policy: a reason to materialize, or a reason to skip."""

    name: str
    decision: str  # "materialize" | "skip"
    condition: AutomationCondition

    @staticmethod
    def materialize_on_missing() -> AutoMaterializeRule:
        """Materialize an asset (partition) that became missing."""
        return AutoMaterializeRule("materialize_on_missing", "materialize", AutomationCondition.newly_missing())

    @staticmethod
    def materialize_on_parent_updated(updated_parent_filter: Any = None) -> AutoMaterializeRule:
        """Materialize after any parent updated."""
        if updated_parent_filter is not None:
            raise DagsterInvalidDefinitionError(
                "AutoMaterializeRule.materialize_on_parent_updated(updated_parent_filter=...) is not supported; "
                "write an AutomationCondition with any_deps_match(...) instead."
            )
        return AutoMaterializeRule(
            "materialize_on_parent_updated", "materialize", AutomationCondition.any_deps_updated()
        )

    @staticmethod
    def materialize_on_cron(
        cron_schedule: str, timezone: str = "UTC", all_partitions: bool = False
    ) -> AutoMaterializeRule:
        """Materialize once per tick of the cron schedule."""
        condition = AutomationCondition.cron_tick_passed(cron_schedule, timezone)
        return AutoMaterializeRule(f"materialize_on_cron({cron_schedule})", "materialize", condition)

    @staticmethod
    def skip_on_parent_missing() -> AutoMaterializeRule:
        """Skip while a parent is missing."""
        return AutoMaterializeRule("skip_on_parent_missing", "skip", AutomationCondition.any_deps_missing())

    @staticmethod
    def skip_on_parent_outdated() -> AutoMaterializeRule:
        """Skip while a parent is about to change (in Weir: a parent is being materialized)."""
        return AutoMaterializeRule("skip_on_parent_outdated", "skip", AutomationCondition.any_deps_in_progress())

    @staticmethod
    def skip_on_required_but_nonexistent_parents() -> AutoMaterializeRule:
        """Skip while a parent partition this one needs does not exist."""
        return AutoMaterializeRule(
            "skip_on_required_but_nonexistent_parents", "skip", AutomationCondition.any_deps_missing()
        )

    @staticmethod
    def skip_on_backfill_in_progress(all_partitions: bool = False) -> AutoMaterializeRule:
        """Skip while a backfill of the asset is going."""
        return AutoMaterializeRule("skip_on_backfill_in_progress", "skip", AutomationCondition.backfill_in_progress())


def _eager_rules() -> frozenset[AutoMaterializeRule]:
    return frozenset(
        {
            AutoMaterializeRule.materialize_on_missing(),
            AutoMaterializeRule.materialize_on_parent_updated(),
            AutoMaterializeRule.skip_on_parent_missing(),
            AutoMaterializeRule.skip_on_parent_outdated(),
            AutoMaterializeRule.skip_on_required_but_nonexistent_parents(),
            AutoMaterializeRule.skip_on_backfill_in_progress(),
        }
    )


@dataclass(frozen=True)
class AutoMaterializePolicy:
    """A set of rules; `to_automation_condition()` is what an asset given it is automated by."""

    rules: frozenset[AutoMaterializeRule]
    max_materializations_per_minute: int | None = 1

    @staticmethod
    def eager(max_materializations_per_minute: int | None = 1) -> AutoMaterializePolicy:
        """Materialize when missing or after a parent updated, unless a parent is missing or changing."""
        return AutoMaterializePolicy(_eager_rules(), max_materializations_per_minute)

    def with_rules(self, *rules: AutoMaterializeRule) -> AutoMaterializePolicy:
        return AutoMaterializePolicy(self.rules | frozenset(_rules(rules)), self.max_materializations_per_minute)

    def without_rules(self, *rules: AutoMaterializeRule) -> AutoMaterializePolicy:
        missing = [r.name for r in rules if r not in self.rules]
        if missing:
            raise DagsterInvalidDefinitionError(f"without_rules: the policy has no rules {missing}.")
        return AutoMaterializePolicy(self.rules - frozenset(rules), self.max_materializations_per_minute)

    @property
    def materialize_rules(self) -> set[AutoMaterializeRule]:
        return {r for r in self.rules if r.decision == "materialize"}

    @property
    def skip_rules(self) -> set[AutoMaterializeRule]:
        return {r for r in self.rules if r.decision == "skip"}

    def to_automation_condition(self) -> AutomationCondition:
        if self.rules == _eager_rules():
            return AutomationCondition.eager()
        materialize = sorted(self.materialize_rules, key=lambda r: r.name)
        if not materialize:
            raise DagsterInvalidDefinitionError(
                "This AutoMaterializePolicy has no materialize rule, so it never materializes anything; add one "
                "(AutoMaterializeRule.materialize_on_missing(), ...)."
            )
        condition = _any(r.condition for r in materialize).since_last_handled()
        skips: list[AutomationCondition] = []
        for rule in sorted(self.skip_rules, key=lambda r: r.name):
            if rule.condition not in skips:  # two rules may stand for one condition
                skips.append(rule.condition)
                condition = condition & ~rule.condition
        return (condition & ~AutomationCondition.in_progress()).with_label("auto_materialize_policy")


def _any(conditions: Iterable[AutomationCondition]) -> AutomationCondition:
    items = list(conditions)
    result = items[0]
    for item in items[1:]:
        result = result | item
    return result


def _rules(rules: Iterable[Any]) -> list[AutoMaterializeRule]:
    out = list(rules)
    bad = [r for r in out if not isinstance(r, AutoMaterializeRule)]
    if bad:
        raise DagsterInvalidDefinitionError(f"with_rules takes AutoMaterializeRule objects, got {bad!r}.")
    return out


def condition_from_policy(policy: Any, automation_condition: Any, owner: str) -> Any:
    """The automation condition of a definition given auto_materialize_policy= (one or the other)."""
    if policy is None:
        return automation_condition
    if automation_condition is not None:
        raise DagsterInvalidDefinitionError(
            f"{owner}: give automation_condition= or auto_materialize_policy=, not both (the policy is the "
            "older way of writing the condition)."
        )
    if not isinstance(policy, AutoMaterializePolicy):
        raise DagsterInvalidDefinitionError(
            f"{owner}: auto_materialize_policy= must be an AutoMaterializePolicy, not {type(policy).__name__}."
        )
    return policy.to_automation_condition()
