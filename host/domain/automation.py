"""Evaluating automation conditions on the host: pure functions of the condition trees (from the
snapshots), the world (host/domain/automation_world.py) and each asset's previous evaluation.

One tick evaluates its assets in dependency order. Each node of an asset's tree is true for a subset of
the asset's partitions; an AND narrows the candidates of its later operands to those its earlier
operands left, as in Dagster, and an operand left without candidates is not evaluated ("skipped")
unless something below it keeps state. The root's subset is what the tick requests. `since` and
`newly_true` remember subsets between ticks by node id (the node's path in the tree), so an asset's
`AssetEvaluation.state` is what the next tick needs; docs/automation.md gives the meaning of each node.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from host.domain.automation_world import EMPTY, PartitionSpace, Subset, World, decode_subset, encode_subset
from host.domain.cron import CronError, CronSchedule
from protos.keys import asset_key_str
from protos.weir.v1 import snapshot_pb2

DEP_OPERATORS = frozenset({"any_deps_match", "all_deps_match"})
CHECK_OPERATORS = frozenset({"any_checks_match", "all_checks_match"})
_STATEFUL = frozenset({"since", "newly_true", "code_version_changed"})


class ConditionError(ValueError):
    """A condition the host cannot evaluate (an unknown node kind from a newer sdk, a bad cron)."""


@dataclass(frozen=True)
class Condition:
    """The host's copy of a `weir.v1.AutomationCondition` node."""

    kind: str
    label: str = ""
    children: tuple[Condition, ...] = ()
    cron_schedule: str = ""
    cron_timezone: str = ""
    lookback_seconds: float = 0.0
    allow: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    blocking_only: bool = False

    @property
    def name(self) -> str:
        """Dagster's name for the node: "AND", "SINCE", "missing", "cron_tick_passed(...)"."""
        if self.kind == "cron_tick_passed":
            return f"cron_tick_passed(cron_schedule={self.cron_schedule}, cron_timezone={self.cron_timezone})"
        if self.kind == "in_latest_time_window" and self.lookback_seconds:
            return f"in_latest_time_window(lookback_seconds={self.lookback_seconds:g})"
        if self.kind in DEP_OPERATORS or self.kind in CHECK_OPERATORS or self.kind in _OPERATOR_KINDS:
            return self.kind.upper()
        return self.kind

    @property
    def stateful(self) -> bool:
        return _stateful(self)


_OPERATOR_KINDS = frozenset({"and", "or", "not", "since", "newly_true"})


@lru_cache(maxsize=4096)
def _stateful(condition: Condition) -> bool:
    return condition.kind in _STATEFUL or any(_stateful(c) for c in condition.children)


def condition_from_proto(message: snapshot_pb2.AutomationCondition) -> Condition:
    """The tree of a snapshot message (cached by its bytes: the same tree on 5,000 assets is parsed once)."""
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
    )


@dataclass
class NodeResult:
    """One node's outcome on one asset: the partitions it is true for, out of how many candidates."""

    node_id: str
    name: str
    label: str
    asset: str  # the asset the node looked at (a dep, below a dep operator)
    true: Subset
    candidates: int
    children: list[NodeResult] = field(default_factory=list)
    skipped: bool = False  # no candidates were left: not evaluated
    timing: dict[str, float] | None = None  # per partition: when what made it true happened

    def to_json(self, world: World) -> dict[str, Any]:
        """The JSON form kept in storage and served by the Host API: true partitions as runs of keys
        (`encode_subset`), for an unpartitioned asset `[""]` (true) or `[]`."""
        facts = world.assets.get(self.asset)
        space = facts.space if facts is not None else PartitionSpace()
        out: dict[str, Any] = {"name": self.name, "asset": self.asset, "true": encode_subset(space, self.true)}
        if self.label:
            out["label"] = self.label
        out["true_count"] = len(self.true)
        out["candidates"] = self.candidates
        if self.skipped:
            out["skipped"] = True
        if self.children:
            out["children"] = [c.to_json(world) for c in self.children]
        return out


@dataclass(frozen=True)
class PreviousEvaluation:
    """What an asset's previous evaluation left for this one."""

    state: Mapping[str, Subset] = field(default_factory=dict)  # node id -> true subset (since, newly_true)
    versions: Mapping[str, str] = field(default_factory=dict)  # node id -> code version seen
    requested: Subset = EMPTY
    partitions_id: str = ""


@dataclass
class AssetEvaluation:
    key: str
    result: NodeResult
    requested: Subset
    state: dict[str, Subset]
    versions: dict[str, str]
    partitions_id: str
    result_json: dict[str, Any]
    requested_json: list[Any]
    memory_json: dict[str, Any]  # what the next tick reads back as a PreviousEvaluation

    def value_hash(self) -> str:
        """Equal for two evaluations with the same results, requests and memory: an unchanged asset
        need not be stored again."""
        body = json.dumps([self.result_json, self.requested_json, self.memory_json], separators=(",", ":"))
        return hashlib.sha1(body.encode()).hexdigest()[:16]


def memory_from_json(data: Mapping[str, Any], world: World, key: str) -> PreviousEvaluation:
    """The PreviousEvaluation an evaluation's stored memory and requests stand for."""
    space = world.get(key).space

    def subset(value: Any) -> Subset:
        asset, encoded = value
        return decode_subset(world.get(asset).space, encoded)

    return PreviousEvaluation(
        state={node: subset(value) for node, value in data.get("state", {}).items()},
        versions=dict(data.get("versions", {})),
        requested=decode_subset(space, data.get("requested", [])),
        partitions_id=data.get("partitions_id", ""),
    )


@dataclass
class TickContext:
    """One tick: now, the previous tick's time and high-water mark, every asset's previous evaluation."""

    now: float
    world: World
    previous: Mapping[str, PreviousEvaluation]
    previous_tick_time: float | None
    requested: dict[str, Subset] = field(default_factory=dict)  # this tick's requests so far
    same_run: Callable[[str, str], bool] = lambda dep, root: True  # can dep run in root's run?


def evaluation_order(keys: Iterable[str], world: World) -> list[str]:
    """The keys with every dep before its dependents (among the keys), so will_be_requested sees deps'
    requests; ties and cycles keep the given order."""
    chosen = list(dict.fromkeys(keys))
    inside = set(chosen)
    waiting = {k: sum(1 for d in world.get(k).deps if d in inside and d != k) for k in chosen}
    children: dict[str, list[str]] = {}
    for k in chosen:
        for d in world.get(k).deps:
            if d in inside and d != k:
                children.setdefault(d, []).append(k)
    ready = [k for k in chosen if waiting[k] == 0]
    order: list[str] = []
    while ready:
        k = ready.pop(0)
        order.append(k)
        for c in children.get(k, ()):
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)
    done = set(order)
    return order + [k for k in chosen if k not in done]


def evaluate_tick(ctx: TickContext, conditions: Mapping[str, Condition]) -> list[AssetEvaluation]:
    """Evaluate every asset's condition, deps first; requests accumulate in ctx.requested."""
    return [evaluate_asset(ctx, key, conditions[key]) for key in evaluation_order(conditions, ctx.world)]


def evaluate_asset(ctx: TickContext, key: str, condition: Condition) -> AssetEvaluation:
    world = ctx.world
    facts = world.get(key)
    scope = _Scope(ctx, key, ctx.previous.get(key))
    result = scope.evaluate(condition, key, facts.space.all, "r")
    requested = result.true if facts.executable else EMPTY
    ctx.requested[key] = requested
    requested_json = encode_subset(facts.space, requested)
    memory = {
        "state": {
            node: [scope.assets[node], encode_subset(world.get(scope.assets[node]).space, value)]
            for node, value in sorted(scope.state.items())
        },
        "versions": dict(sorted(scope.versions.items())),
        "requested": requested_json,
        "partitions_id": facts.space.definition_id,
    }
    return AssetEvaluation(
        key,
        result,
        requested,
        scope.state,
        scope.versions,
        facts.space.definition_id,
        result.to_json(world),
        requested_json,
        memory,
    )


class _Scope:
    """Evaluating one root asset's tree: the previous evaluation to read, the memory to leave."""

    def __init__(self, ctx: TickContext, root: str, previous: PreviousEvaluation | None) -> None:
        self.ctx = ctx
        self.world = ctx.world
        self.root = root
        self.previous = previous
        self.state: dict[str, Subset] = {}
        self.assets: dict[str, str] = {}  # node id -> the asset whose partitions its state holds
        self.versions: dict[str, str] = {}

    def evaluate(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        if not candidates and not c.stateful:
            return _skipped(c, key, node_id)
        handler = _HANDLERS.get(c.kind)
        if handler is None:
            raise ConditionError(
                f"the host does not know the automation condition {c.kind!r} (asset {self.root!r}); "
                "upgrade the host to the version of the sdk the location uses"
            )
        return handler(self, c, key, candidates, node_id)

    def result(
        self,
        c: Condition,
        key: str,
        node_id: str,
        true: Subset,
        candidates: Subset,
        children: list[NodeResult] | None = None,
        timing: dict[str, float] | None = None,
    ) -> NodeResult:
        return NodeResult(node_id, c.name, c.label, key, true, len(candidates), children or [], timing=timing)

    def child_id(self, node_id: str, index: int, child: Condition) -> str:
        return f"{node_id}.{index}:{child.kind}"

    def previous_state(self, node_id: str) -> Subset | None:
        return None if self.previous is None else self.previous.state.get(node_id)

    @property
    def first_evaluation(self) -> bool:
        return self.previous is None

    # -- operators --------------------------------------------------------------------------------
    def and_(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        children = []
        true = candidates
        for i, child in enumerate(c.children):
            r = self.evaluate(child, key, true, self.child_id(node_id, i, child))
            children.append(r)
            true = true & r.true
        return self.result(c, key, node_id, true, candidates, children)

    def or_(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        children = [
            self.evaluate(ch, key, candidates, self.child_id(node_id, i, ch)) for i, ch in enumerate(c.children)
        ]
        true = frozenset().union(*(r.true for r in children)) & candidates
        return self.result(c, key, node_id, true, candidates, children)

    def not_(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        (child,) = c.children
        r = self.evaluate(child, key, candidates, self.child_id(node_id, 0, child))
        return self.result(c, key, node_id, candidates - r.true, candidates, [r])

    def since(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        full = self.world.get(key).space.all
        trigger_c, reset_c = c.children
        trigger = self.evaluate(trigger_c, key, full, self.child_id(node_id, 0, trigger_c))
        reset = self.evaluate(reset_c, key, full, self.child_id(node_id, 1, reset_c))
        true = ((self.previous_state(node_id) or EMPTY) | trigger.true) - reset.true
        both = trigger.true & reset.true
        if both and trigger.timing and reset.timing:  # both fired since the last tick: the later one wins
            t_time, r_time = trigger.timing, reset.timing
            true |= frozenset(p for p in both if p in t_time and t_time[p] > r_time.get(p, float("inf")))
        self.state[node_id], self.assets[node_id] = true, key
        return self.result(c, key, node_id, true, candidates, [trigger, reset], trigger.timing)

    def newly_true(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        (child,) = c.children
        child_id = self.child_id(node_id, 0, child)
        r = self.evaluate(child, key, self.world.get(key).space.all, child_id)
        self.state[child_id], self.assets[child_id] = r.true, key
        true = (r.true - (self.previous_state(child_id) or EMPTY)) & candidates
        return self.result(c, key, node_id, true, candidates, [r])

    def deps(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        (operand,) = c.children
        any_ = c.kind == "any_deps_match"
        true = EMPTY if any_ else candidates
        timing: dict[str, float] = {}
        children = []
        for dep in sorted(self.world.get(key).deps):
            if dep == key or (c.allow is not None and dep not in c.allow) or dep in c.ignore:
                continue
            dep_candidates = self.world.to_parent(key, dep, candidates)
            r = self.evaluate(operand, dep, dep_candidates, self.child_id(f"{node_id}[{dep}]", 0, operand))
            children.append(NodeResult(f"{node_id}[{dep}]", dep, "", dep, r.true, len(dep_candidates), [r]))
            mapped = self.world.to_child(dep, key, r.true) & candidates
            true = true | mapped if any_ else true & mapped
            if r.timing:
                for p in mapped:
                    latest = max(r.timing.get(q, 0.0) for q in self.world.to_parent(key, dep, frozenset({p})))
                    timing[p] = max(timing.get(p, 0.0), latest)
        return self.result(c, key, node_id, true, candidates, children, timing or None)

    def checks(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        """Checks are unpartitioned: an asset's partitions are true when its checks match."""
        (operand,) = c.children
        facts = self.world.get(key)
        names = sorted(n for n, check in facts.checks.items() if check.blocking or not c.blocking_only)
        results = [self.check(operand, key, name, self.child_id(f"{node_id}[{name}]", 0, operand)) for name in names]
        matched = [r.true for r in results]
        ok = any(matched) if c.kind == "any_checks_match" else all(matched)
        children = [
            NodeResult(f"{node_id}[{n}]", n, "", key, r.true, 1, [r]) for n, r in zip(names, results, strict=True)
        ]
        return self.result(c, key, node_id, candidates if ok else EMPTY, candidates, children)

    def check(self, c: Condition, key: str, name: str, node_id: str) -> NodeResult:
        """An operand on one check of `key`: true ({""}) or false."""
        check = self.world.get(key).checks[name]
        if c.kind in ("and", "or", "not"):
            children = [self.check(ch, key, name, self.child_id(node_id, i, ch)) for i, ch in enumerate(c.children)]
            values = [bool(r.true) for r in children]
            value = all(values) if c.kind == "and" else any(values) if c.kind == "or" else not values[0]
        else:
            values_by_kind = {
                "check_passed": check.passed is True,
                "check_failed": check.passed is False,
                "missing": check.passed is None,
                "run_in_progress": check.in_progress,
                "in_progress": check.in_progress,
                "will_be_requested": bool(self.ctx.requested.get(key)),
            }
            value, children = values_by_kind.get(c.kind, False), []
        return NodeResult(node_id, c.name, c.label, f"{key}:{name}", frozenset({""}) if value else EMPTY, 1, children)

    # -- operands -----------------------------------------------------------------------------------
    def missing(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        return self.result(c, key, node_id, candidates - self.world.get(key).materialized, candidates)

    def newly_updated(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        if self.first_evaluation:
            return self.result(c, key, node_id, EMPTY, candidates)
        updated = self.world.get(key).updated
        true = frozenset(p for p in candidates if p in updated)
        return self.result(c, key, node_id, true, candidates, timing={p: updated[p][0] for p in true} or None)

    def newly_requested(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        previous = self.ctx.previous.get(key)
        true = (previous.requested if previous else EMPTY) & candidates
        when = self.ctx.previous_tick_time
        return self.result(c, key, node_id, true, candidates, timing={p: when for p in true} if when and true else None)

    def fact(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        facts = self.world.get(key)
        found = {
            "run_in_progress": facts.in_progress,
            "backfill_in_progress": facts.in_backfill,
            "execution_failed": facts.failed,
        }[c.kind]
        return self.result(c, key, node_id, candidates & found, candidates)

    def will_be_requested(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        requested = self.ctx.requested.get(key, EMPTY)
        if requested and key != self.root and not self.ctx.same_run(key, self.root):
            requested = EMPTY
        return self.result(c, key, node_id, candidates & requested, candidates)

    def initial_evaluation(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        previous = self.previous
        initial = previous is None or previous.partitions_id != self.world.get(self.root).space.definition_id
        return self.result(c, key, node_id, candidates if initial else EMPTY, candidates)

    def in_latest_time_window(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        latest = self.world.get(key).space.latest_window(c.lookback_seconds)
        return self.result(c, key, node_id, candidates & latest, candidates)

    def cron_tick_passed(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        tick = latest_cron_tick(c.cron_schedule, c.cron_timezone, self.ctx.now)
        since = self.ctx.previous_tick_time
        if since is None or self.first_evaluation or tick is None or tick < since:
            return self.result(c, key, node_id, EMPTY, candidates)
        return self.result(c, key, node_id, candidates, candidates, timing=dict.fromkeys(candidates, tick))

    def code_version_changed(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        current = self.world.get(key).code_version
        seen = self.previous.versions.get(node_id) if self.previous is not None else None
        self.versions[node_id] = current
        changed = seen is not None and seen != current
        return self.result(c, key, node_id, candidates if changed else EMPTY, candidates)

    def executed_with_root_target(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        """The partitions whose latest update came from a run that also targeted the root asset."""
        facts = self.world.get(key)
        root = self.root
        true = frozenset(
            p for p in candidates if p in facts.updated and root in self.world.run_assets.get(facts.updated[p][1], ())
        )
        return self.result(c, key, node_id, true, candidates)


def _skipped(c: Condition, key: str, node_id: str) -> NodeResult:
    """A node not evaluated, with its operands (below a dep operator, without the deps: none were looked at)."""
    children = (
        [] if c.kind in DEP_OPERATORS else [_skipped(ch, key, f"{node_id}.{i}") for i, ch in enumerate(c.children)]
    )
    return NodeResult(node_id, c.name, c.label, key, EMPTY, 0, children, skipped=True)


@lru_cache(maxsize=256)
def _cron(expression: str, timezone: str) -> CronSchedule:
    try:
        return CronSchedule((expression,), timezone)
    except CronError as exc:
        raise ConditionError(f"cron_tick_passed({expression!r}, {timezone!r}): {exc}") from None


def latest_cron_tick(expression: str, timezone: str, now: float) -> float | None:
    """The newest tick of the schedule at or before now."""
    return next(_cron(expression, timezone).slots_before(now), None)


_Handler = Callable[[_Scope, Condition, str, Subset, str], NodeResult]
_HANDLERS: dict[str, _Handler] = {
    "and": _Scope.and_,
    "or": _Scope.or_,
    "not": _Scope.not_,
    "since": _Scope.since,
    "newly_true": _Scope.newly_true,
    "any_deps_match": _Scope.deps,
    "all_deps_match": _Scope.deps,
    "any_checks_match": _Scope.checks,
    "all_checks_match": _Scope.checks,
    "missing": _Scope.missing,
    "newly_updated": _Scope.newly_updated,
    "newly_requested": _Scope.newly_requested,
    "run_in_progress": _Scope.fact,
    "backfill_in_progress": _Scope.fact,
    "execution_failed": _Scope.fact,
    "will_be_requested": _Scope.will_be_requested,
    "initial_evaluation": _Scope.initial_evaluation,
    "in_latest_time_window": _Scope.in_latest_time_window,
    "cron_tick_passed": _Scope.cron_tick_passed,
    "code_version_changed": _Scope.code_version_changed,
    "executed_with_root_target": _Scope.executed_with_root_target,
}
