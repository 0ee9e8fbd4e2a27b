"""Automation condition trees as the host holds them: parsed once from the snapshot's messages.

A `Condition` is a frozen node (kind, parameters, children). What the evaluator asks of a node on every
tick (its name, whether state lives below it, whether its result depends on the asset being evaluated)
is computed once per node, since one tree object serves every asset that has the same condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from host.domain.cron import CronError, CronSchedule
from protos.keys import asset_key_str
from protos.weir.v1 import snapshot_pb2

DEP_OPERATORS = frozenset({"any_deps_match", "all_deps_match"})
CHECK_OPERATORS = frozenset({"any_checks_match", "all_checks_match"})
# any_downstream_conditions: the host puts the downstream assets' conditions under it (automation_facts.py)
OPERATORS = frozenset(
    {"and", "or", "not", "since", "newly_true", "any_downstream_conditions", *DEP_OPERATORS, *CHECK_OPERATORS}
)
STATEFUL = frozenset({"since", "newly_true", "code_version_changed", "data_version_changed"})
RUN_TAG_OPERANDS = frozenset({"executed_with_tags", "any_new_update_has_run_tags", "all_new_updates_have_run_tags"})


class ConditionError(ValueError):
    """A condition the host cannot evaluate (an unknown node kind from a newer sdk, a bad cron)."""


@dataclass(frozen=True, eq=False)
class Condition:
    """The host's copy of a `weir.v1.AutomationCondition` node (compared by identity: trees are shared)."""

    kind: str
    label: str = ""
    children: tuple[Condition, ...] = ()
    cron_schedule: str = ""
    cron_timezone: str = "UTC"
    lookback_seconds: float = 0.0
    allow: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    blocking_only: bool = False
    tag_keys: frozenset[str] = frozenset()
    tag_values: tuple[tuple[str, str], ...] = ()
    name: str = field(init=False)
    stateful: bool = field(init=False)  # since / newly_true / code_version_changed here or below
    kinds: frozenset[str] = field(init=False)  # every kind in this subtree

    def __post_init__(self) -> None:
        kinds = frozenset({self.kind}).union(*(c.kinds for c in self.children))
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "stateful", bool(kinds & STATEFUL))
        object.__setattr__(self, "name", _name(self))


def _name(c: Condition) -> str:
    """Dagster's name for a node: "AND", "SINCE", "missing", "cron_tick_passed(...)"."""
    if c.kind == "cron_tick_passed":
        return f"cron_tick_passed(cron_schedule={c.cron_schedule}, cron_timezone={c.cron_timezone})"
    if c.kind == "in_latest_time_window" and c.lookback_seconds:
        return f"in_latest_time_window(lookback_seconds={c.lookback_seconds:g})"
    if c.kind in RUN_TAG_OPERANDS and (c.tag_keys or c.tag_values):
        tags = [*sorted(c.tag_keys), *(f"{k}={v}" for k, v in c.tag_values)]
        return f"{c.kind}({', '.join(tags)})"
    return c.kind.upper() if c.kind in OPERATORS else c.kind


def condition_from_proto(message: snapshot_pb2.AutomationCondition) -> Condition:
    """The tree of a snapshot message (cached by its bytes: the same tree on 5,000 assets is one object)."""
    return _parse(message.SerializeToString(deterministic=True))


@lru_cache(maxsize=1024)
def _parse(data: bytes) -> Condition:
    return _from_message(snapshot_pb2.AutomationCondition.FromString(data))


def _from_message(m: snapshot_pb2.AutomationCondition) -> Condition:
    return Condition(
        kind=m.kind,
        label=m.label,
        children=tuple(_from_message(c) for c in m.children),
        cron_schedule=m.cron_schedule,
        cron_timezone=m.cron_timezone or "UTC",
        lookback_seconds=m.lookback_seconds,
        allow=frozenset(asset_key_str(k) for k in m.allow) if m.has_allow else None,
        ignore=frozenset(asset_key_str(k) for k in m.ignore),
        blocking_only=m.blocking_only,
        tag_keys=frozenset(m.tag_keys),
        tag_values=tuple(sorted(m.tag_values.items())),
    )


@lru_cache(maxsize=256)
def _cron(expression: str, timezone: str) -> CronSchedule:
    try:
        return CronSchedule((expression,), timezone)
    except CronError as exc:
        raise ConditionError(f"cron_tick_passed({expression!r}, {timezone!r}): {exc}") from None


def latest_cron_tick(expression: str, timezone: str, now: float) -> float | None:
    """The newest tick of the schedule at or before now."""
    return next(_cron(expression, timezone).slots_before(now), None)


def next_cron_tick(expression: str, timezone: str, now: float) -> float | None:
    """The first tick of the schedule after now."""
    return _cron(expression, timezone).next_after(now)


def run_has_tags(c: Condition, tags: Mapping[str, str] | None) -> bool:
    """Whether a run's tags (None: the run is unknown) satisfy a run-tag operand."""
    if tags is None:
        return False
    return all(k in tags for k in c.tag_keys) and all(tags.get(k) == v for k, v in c.tag_values)


def with_downstream_conditions(condition: Condition, downstream: tuple[Condition, ...]) -> Condition:
    """The tree with each any_downstream_conditions node given the downstream conditions as operands."""
    if condition.kind == "any_downstream_conditions":
        return replace(condition, children=downstream)
    if "any_downstream_conditions" not in condition.kinds:
        return condition
    return replace(condition, children=tuple(with_downstream_conditions(c, downstream) for c in condition.children))
