"""Declarative automation: `AutomationCondition`, Dagster's operands and operators, as plain data.

A condition is a tree of frozen values (an operator or operand name, its parameters, its children);
nothing in it is callable. The code server sends the tree in the snapshot and the host evaluates it on
every tick of the automation sensor, from snapshots and storage alone (rule 1), so a condition never
runs user code. The constructors and their meaning follow Dagster's `AutomationCondition`; docs/automation.md
describes what each node is true for.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError

# Operators combine children; operands read facts about the asset (or check) being evaluated.
OPERATORS = frozenset(
    {
        "and",
        "or",
        "not",
        "since",
        "newly_true",
        "any_deps_match",
        "all_deps_match",
        "any_checks_match",
        "all_checks_match",
    }
)
OPERANDS = frozenset(
    {
        "missing",
        "newly_updated",
        "newly_requested",
        "run_in_progress",
        "backfill_in_progress",
        "execution_failed",
        "cron_tick_passed",
        "in_latest_time_window",
        "code_version_changed",
        "will_be_requested",
        "initial_evaluation",
        "executed_with_root_target",
        "check_passed",
        "check_failed",
        "freshness_passed",
        "freshness_warned",
        "freshness_failed",
        "data_version_changed",
        "executed_with_tags",
        "any_new_update_has_run_tags",
        "all_new_updates_have_run_tags",
        "any_downstream_conditions",
    }
)
_DEP_OPERATORS = frozenset({"any_deps_match", "all_deps_match"})


@dataclass(frozen=True)
class AutomationCondition:
    """When an asset (or asset check) should be requested: build one with the static constructors
    (`AutomationCondition.eager()`, `.on_cron(...)`, `.on_missing()`, ...) and combine with `&`, `|`, `~`,
    `.since()`, `.newly_true()`; pass it as `automation_condition=` to `@asset`, `AssetSpec`,
    `@multi_asset` outs/specs or `@asset_check`."""

    kind: str
    children: tuple[AutomationCondition, ...] = ()
    label: str | None = None
    cron_schedule: str = ""
    cron_timezone: str = ""
    lookback_seconds: float = 0.0  # in_latest_time_window: 0 means the latest window only
    # Dep operators: AssetSelections (or keys) whose union is the deps that count (empty: all deps),
    # and whose union is the deps that do not count. Resolved to keys when the snapshot is built.
    allow_selections: tuple[Any, ...] = ()
    ignore_selections: tuple[Any, ...] = ()
    blocking_only: bool = False  # check operators: only blocking checks
    tag_keys: tuple[str, ...] = ()  # run-tag operands: tags the run must carry
    tag_values: tuple[tuple[str, str], ...] = ()  # ... and tags it must carry with these values

    def __post_init__(self) -> None:
        if self.kind not in OPERATORS and self.kind not in OPERANDS:
            raise DagsterInvalidDefinitionError(
                f"unknown automation condition {self.kind!r}; build conditions with AutomationCondition's "
                "static methods (eager, on_cron, on_missing, missing, ...)"
            )
        for child in self.children:
            if not isinstance(child, AutomationCondition):
                raise DagsterInvalidDefinitionError(
                    f"{self.kind} got {child!r}, which is not an AutomationCondition. Weir evaluates conditions "
                    "on the host, so a condition is built from AutomationCondition's operands and operators, "
                    "never from a custom subclass or a function."
                )

    # -- naming --------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The node's name as Dagster shows it: "AND", "SINCE", "missing", "cron_tick_passed(...)"."""
        if self.kind in OPERATORS:
            return self.kind.upper()
        if self.kind == "cron_tick_passed":
            return f"cron_tick_passed(cron_schedule={self.cron_schedule}, cron_timezone={self.cron_timezone})"
        if self.kind == "in_latest_time_window" and self.lookback_seconds:
            return f"in_latest_time_window(lookback_timedelta={datetime.timedelta(seconds=self.lookback_seconds)})"
        return self.kind

    def get_label(self) -> str | None:
        return self.label

    def with_label(self, label: str | None) -> AutomationCondition:
        """The same condition, shown under `label` in evaluations (`weir automation explain`)."""
        return replace(self, label=label)

    # -- operators -----------------------------------------------------------------------------
    def __and__(self, other: AutomationCondition) -> AutomationCondition:
        _check_operand(other, "&")
        left = self.children if self.kind == "and" and self.label is None else (self,)
        right = other.children if other.kind == "and" and other.label is None else (other,)
        return AutomationCondition("and", (*left, *right))

    def __or__(self, other: AutomationCondition) -> AutomationCondition:
        _check_operand(other, "|")
        left = self.children if self.kind == "or" and self.label is None else (self,)
        right = other.children if other.kind == "or" and other.label is None else (other,)
        return AutomationCondition("or", (*left, *right))

    def __invert__(self) -> AutomationCondition:
        return AutomationCondition("not", (self,))

    def since(self, reset_condition: AutomationCondition) -> AutomationCondition:
        """True from the tick this condition is true until the tick `reset_condition` is true."""
        _check_operand(reset_condition, "since")
        return AutomationCondition("since", (self, reset_condition))

    def newly_true(self) -> AutomationCondition:
        """True only on the tick this condition goes from false to true."""
        return AutomationCondition("newly_true", (self,))

    def since_last_handled(self) -> AutomationCondition:
        """True if this condition became true since the target was last requested or updated (or the
        condition was first evaluated)."""
        handled = (
            AutomationCondition.newly_requested()
            | AutomationCondition.newly_updated()
            | AutomationCondition.initial_evaluation()
        ).with_label("handled")
        return self.since(handled)

    def allow(self, selection: Any) -> AutomationCondition:
        """Dep operators below this node count only the deps in `selection` (an AssetSelection)."""
        return self._with_deps_filter("allow_selections", selection)

    def ignore(self, selection: Any) -> AutomationCondition:
        """Dep operators below this node do not count the deps in `selection` (an AssetSelection)."""
        return self._with_deps_filter("ignore_selections", selection)

    def _with_deps_filter(self, which: str, selection: Any) -> AutomationCondition:
        if self.kind in _DEP_OPERATORS and which == "allow_selections":
            return replace(self, allow_selections=(*self.allow_selections, selection))
        if self.kind in _DEP_OPERATORS:
            return replace(self, ignore_selections=(*self.ignore_selections, selection))
        if self.kind in ("and", "or", "not", "since"):
            return replace(self, children=tuple(c._with_deps_filter(which, selection) for c in self.children))
        return self

    def replace(self, old: AutomationCondition | str, new: AutomationCondition) -> AutomationCondition:
        """This tree with every node equal to `old` (or named or labelled `old`) replaced by `new`."""
        if old in (self, self.name, self.label):
            return new
        return replace(self, children=tuple(c.replace(old, new) for c in self.children))

    def without(self, condition: AutomationCondition | str) -> AutomationCondition:
        """An AND without one of its operands (matched by value, name or label), e.g.
        `eager().without(~AutomationCondition.any_deps_missing())`."""
        if self.kind != "and":
            raise DagsterInvalidDefinitionError("without() applies to an AND condition (built with &)")
        kept = tuple(c for c in self.children if condition not in (c, c.name, c.label))
        if len(kept) == len(self.children):
            raise DagsterInvalidDefinitionError(f"without(): {condition!r} is not an operand of this condition")
        return replace(self, children=kept)

    @property
    def operands(self) -> tuple[AutomationCondition, ...]:
        return self.children

    # -- dependency and check operators ----------------------------------------------------------
    @staticmethod
    def any_deps_match(condition: AutomationCondition) -> AutomationCondition:
        """True where `condition` is true for at least one dep (partitions mapped to the dep's)."""
        _check_operand(condition, "any_deps_match")
        return AutomationCondition("any_deps_match", (condition,))

    @staticmethod
    def all_deps_match(condition: AutomationCondition) -> AutomationCondition:
        """True where `condition` is true for every dep (and true for an asset without deps)."""
        _check_operand(condition, "all_deps_match")
        return AutomationCondition("all_deps_match", (condition,))

    @staticmethod
    def any_checks_match(condition: AutomationCondition, blocking_only: bool = False) -> AutomationCondition:
        """True where `condition` is true for at least one of the asset's checks."""
        _check_operand(condition, "any_checks_match")
        return AutomationCondition("any_checks_match", (condition,), blocking_only=blocking_only)

    @staticmethod
    def all_checks_match(condition: AutomationCondition, blocking_only: bool = False) -> AutomationCondition:
        """True where `condition` is true for every one of the asset's checks."""
        _check_operand(condition, "all_checks_match")
        return AutomationCondition("all_checks_match", (condition,), blocking_only=blocking_only)

    # -- operands --------------------------------------------------------------------------------
    @staticmethod
    def missing() -> AutomationCondition:
        """True for a partition (or an unpartitioned asset) never materialized."""
        return AutomationCondition("missing")

    @staticmethod
    def newly_updated() -> AutomationCondition:
        """True when materialized since the previous tick."""
        return AutomationCondition("newly_updated")

    @staticmethod
    def newly_requested() -> AutomationCondition:
        """True when requested by this condition on the previous tick."""
        return AutomationCondition("newly_requested")

    @staticmethod
    def run_in_progress() -> AutomationCondition:
        """True while a queued or running run targets it."""
        return AutomationCondition("run_in_progress")

    @staticmethod
    def backfill_in_progress() -> AutomationCondition:
        """True while a backfill in progress targets it."""
        return AutomationCondition("backfill_in_progress")

    @staticmethod
    def in_progress() -> AutomationCondition:
        """True while a run or a backfill targets it."""
        return (AutomationCondition.run_in_progress() | AutomationCondition.backfill_in_progress()).with_label(
            "in_progress"
        )

    @staticmethod
    def execution_failed() -> AutomationCondition:
        """True when the latest run that targeted it failed."""
        return AutomationCondition("execution_failed")

    @staticmethod
    def check_passed() -> AutomationCondition:
        """For an asset check: its latest evaluation passed."""
        return AutomationCondition("check_passed")

    @staticmethod
    def check_failed() -> AutomationCondition:
        """For an asset check: its latest evaluation failed."""
        return AutomationCondition("check_failed")

    @staticmethod
    def freshness_passed() -> AutomationCondition:
        """True while the asset's freshness policy passes (the host evaluates it)."""
        return AutomationCondition("freshness_passed")

    @staticmethod
    def freshness_warned() -> AutomationCondition:
        """True while the asset's freshness policy is in its warn window."""
        return AutomationCondition("freshness_warned")

    @staticmethod
    def freshness_failed() -> AutomationCondition:
        """True while the asset's freshness policy fails."""
        return AutomationCondition("freshness_failed")

    @staticmethod
    def initial_evaluation() -> AutomationCondition:
        """True on the first tick that evaluates this condition for the target."""
        return AutomationCondition("initial_evaluation")

    @staticmethod
    def in_latest_time_window(lookback_delta: datetime.timedelta | None = None) -> AutomationCondition:
        """For a time-partitioned asset, true for the latest partition (or those ending within
        `lookback_delta` of the latest one's end); true for anything not time-partitioned."""
        seconds = lookback_delta.total_seconds() if lookback_delta else 0.0
        return AutomationCondition("in_latest_time_window", lookback_seconds=seconds)

    @staticmethod
    def will_be_requested() -> AutomationCondition:
        """True when this tick requests it (for a dep, in a run the target can share)."""
        return AutomationCondition("will_be_requested")

    @staticmethod
    def executed_with_root_target() -> AutomationCondition:
        """True when the run that last updated it also targeted the asset being evaluated."""
        return AutomationCondition("executed_with_root_target")

    @staticmethod
    def code_version_changed() -> AutomationCondition:
        """True on the tick after the asset's code version changed."""
        return AutomationCondition("code_version_changed")

    @staticmethod
    def cron_tick_passed(cron_schedule: str, cron_timezone: str = "UTC") -> AutomationCondition:
        """True on the first tick after a tick of the cron schedule."""
        if not isinstance(cron_schedule, str) or not cron_schedule.strip():
            raise DagsterInvalidDefinitionError("cron_tick_passed needs a cron schedule string, e.g. '0 * * * *'")
        return AutomationCondition("cron_tick_passed", cron_schedule=cron_schedule, cron_timezone=cron_timezone)

    @staticmethod
    def data_version_changed() -> AutomationCondition:
        """True on the tick after a materialization whose data version differs from the previous one
        (its `dagster/data_version` metadata, or a new version for each materialization without one)."""
        return AutomationCondition("data_version_changed")

    @staticmethod
    def executed_with_tags(
        *, tag_keys: Iterable[str] | None = None, tag_values: Mapping[str, str] | None = None
    ) -> AutomationCondition:
        """True when the latest run that updated the target carried every key of `tag_keys` and every
        tag of `tag_values` (with that value)."""
        return AutomationCondition("executed_with_tags", **_tags("executed_with_tags", tag_keys, tag_values))

    @staticmethod
    def any_new_update_has_run_tags(
        *, tag_keys: Iterable[str] | None = None, tag_values: Mapping[str, str] | None = None
    ) -> AutomationCondition:
        """True when at least one update since the previous tick came from a run with the tags."""
        return AutomationCondition(
            "any_new_update_has_run_tags", **_tags("any_new_update_has_run_tags", tag_keys, tag_values)
        )

    @staticmethod
    def all_new_updates_have_run_tags(
        *, tag_keys: Iterable[str] | None = None, tag_values: Mapping[str, str] | None = None
    ) -> AutomationCondition:
        """True when the target updated since the previous tick and every update came from a run with the tags."""
        return AutomationCondition(
            "all_new_updates_have_run_tags", **_tags("all_new_updates_have_run_tags", tag_keys, tag_values)
        )

    @staticmethod
    def any_downstream_conditions() -> AutomationCondition:
        """True when any condition of the assets downstream of the target (transitively) is true for the
        target itself; the host puts those conditions under this node when it evaluates."""
        return AutomationCondition("any_downstream_conditions")

    @staticmethod
    def newly_missing() -> AutomationCondition:
        """True on the tick it becomes missing."""
        return AutomationCondition.missing().newly_true().with_label("newly_missing")

    # -- composites, as Dagster defines them -------------------------------------------------------
    @staticmethod
    def any_deps_updated() -> AutomationCondition:
        """True when a dep was updated since the previous tick (not by a run that also targeted this
        asset), or will be requested on this tick."""
        newly_updated_without_root = (
            AutomationCondition.newly_updated() & ~AutomationCondition.executed_with_root_target()
        ).with_label("newly_updated_without_root")
        return AutomationCondition.any_deps_match(
            newly_updated_without_root | AutomationCondition.will_be_requested()
        ).with_label("any_deps_updated")

    @staticmethod
    def any_deps_missing() -> AutomationCondition:
        """True when a dep is missing and will not be requested on this tick."""
        return AutomationCondition.any_deps_match(
            AutomationCondition.missing() & ~AutomationCondition.will_be_requested()
        ).with_label("any_deps_missing")

    @staticmethod
    def any_deps_in_progress() -> AutomationCondition:
        """True when a dep is in progress."""
        return AutomationCondition.any_deps_match(AutomationCondition.in_progress()).with_label("any_deps_in_progress")

    @staticmethod
    def all_deps_blocking_checks_passed() -> AutomationCondition:
        """True when every blocking check of every dep passed (or will be requested on this tick)."""
        return AutomationCondition.all_deps_match(
            AutomationCondition.all_checks_match(
                AutomationCondition.check_passed() | AutomationCondition.will_be_requested(), blocking_only=True
            ).with_label("all_blocking_checks_passed")
        ).with_label("all_deps_blocking_checks_passed")

    @staticmethod
    def all_deps_updated_since_cron(cron_schedule: str, cron_timezone: str = "UTC") -> AutomationCondition:
        """True when every dep was updated since the latest tick of the cron schedule."""
        return AutomationCondition.all_deps_match(
            AutomationCondition.newly_updated().since(
                AutomationCondition.cron_tick_passed(cron_schedule, cron_timezone)
            )
            | AutomationCondition.will_be_requested()
        ).with_label(f"all_deps_updated_since_cron({cron_schedule}, {cron_timezone})")

    @staticmethod
    def eager() -> AutomationCondition:
        """Request when a dep updates (or the target becomes missing), unless a dep is missing or
        something is in progress; for time partitions, only the latest one."""
        return (
            AutomationCondition.in_latest_time_window()
            & (AutomationCondition.newly_missing() | AutomationCondition.any_deps_updated()).since_last_handled()
            & ~AutomationCondition.any_deps_missing()
            & ~AutomationCondition.any_deps_in_progress()
            & ~AutomationCondition.in_progress()
        ).with_label("eager")

    @staticmethod
    def on_cron(cron_schedule: str, cron_timezone: str = "UTC") -> AutomationCondition:
        """Request once per cron tick, as soon as every dep has updated since that tick."""
        return (
            AutomationCondition.in_latest_time_window()
            & AutomationCondition.cron_tick_passed(cron_schedule, cron_timezone).since_last_handled()
            & AutomationCondition.all_deps_updated_since_cron(cron_schedule, cron_timezone)
        ).with_label(f"on_cron({cron_schedule}, {cron_timezone})")

    @staticmethod
    def on_missing() -> AutomationCondition:
        """Request partitions that become missing after the condition is applied, once their deps are
        there; for time partitions, only the latest one."""
        return (
            AutomationCondition.in_latest_time_window()
            & AutomationCondition.missing().newly_true().since_last_handled().with_label("missing_since_last_handled")
            & ~AutomationCondition.any_deps_missing()
        ).with_label("on_missing")

    # -- introspection -----------------------------------------------------------------------------
    def walk(self) -> Iterable[AutomationCondition]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def __str__(self) -> str:
        inner = ", ".join(str(c) for c in self.children)
        text = f"{self.name}({inner})" if self.children else self.name
        return f"{self.label}: {text}" if self.label else text


@dataclass(frozen=True)
class AutomationConditionSensorDefinition:
    """A sensor that evaluates the automation conditions of the assets in `target` (Dagster's name).
    Each location without one gets `default_automation_condition_sensor` over all its conditioned assets."""

    name: str
    target: Any = None
    minimum_interval_seconds: int | None = None
    description: str | None = None
    default_status: Any = None
    default_condition: AutomationCondition | None = None
    use_user_code_server: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.default_condition is not None:
            check_condition(self.default_condition, f"sensor '{self.name}'")
        if self.use_user_code_server:
            raise DagsterInvalidDefinitionError(
                f"sensor '{self.name}': use_user_code_server=True is not supported; Weir evaluates automation "
                "conditions on the host, from data alone"
            )


def check_condition(value: Any, owner: str) -> AutomationCondition | None:
    """The condition a definition was given, refused with the fix when it is not one."""
    if value is None or isinstance(value, AutomationCondition):
        return value
    raise DagsterInvalidDefinitionError(
        f"{owner}: automation_condition= must be an AutomationCondition (AutomationCondition.eager(), "
        f".on_cron('0 * * * *'), .on_missing(), ...), not {type(value).__name__}"
    )


def _tags(name: str, tag_keys: Iterable[str] | None, tag_values: Mapping[str, str] | None) -> dict[str, Any]:
    keys = tuple(sorted(tag_keys or ()))
    if isinstance(tag_keys, str) or not all(isinstance(k, str) for k in keys):
        raise DagsterInvalidDefinitionError(f"{name}: tag_keys must be a set of strings, e.g. {{'team'}}")
    values = dict(tag_values or {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
        raise DagsterInvalidDefinitionError(f"{name}: tag_values must map strings to strings, e.g. {{'team': 'ops'}}")
    return {"tag_keys": keys, "tag_values": tuple(sorted(values.items()))}


def _check_operand(value: Any, operator: str) -> None:
    if not isinstance(value, AutomationCondition):
        raise DagsterInvalidDefinitionError(
            f"{operator} needs an AutomationCondition on both sides, got {type(value).__name__}"
        )
