"""Evaluating automation conditions on the host: pure functions of the condition trees (from the
snapshots), the world (host/domain/automation_world.py) and each asset's previous evaluation.

One tick evaluates its assets in dependency order. Each node of an asset's tree is true for a subset of
the asset's partitions; an AND narrows the candidates of its later operands to those its earlier
operands left, as in Dagster, and an operand left without candidates is not evaluated ("skipped")
unless state lives below it. The root's subset is what the tick requests. `since` and `newly_true`
remember subsets between ticks by node id (the node's path in the tree), so an asset's
`AssetEvaluation.memory_json` is what the next tick needs; docs/automation.md gives each node's meaning.

A dep operator evaluates its operand on each dep. Without state below it, that branch's result is the
same for every asset depending on that dep, so it is computed once per tick and shared (5,000 assets
with ten deps each cost 5,000 branches, not 50,000), and the stored tree keeps only the deps that
decided the result (true ones for ANY_DEPS_MATCH, false ones for ALL_DEPS_MATCH).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from host.domain.automation_conditions import (
    DEP_OPERATORS,
    Condition,
    ConditionError,
    condition_from_proto,
    latest_cron_tick,
    run_has_tags,
)
from host.domain.automation_results import AssetEvaluation, NodeResult, PreviousEvaluation, memory_from_json
from host.domain.automation_world import EMPTY, Subset, World, encode_subset

__all__ = [
    "AssetEvaluation",
    "Condition",
    "ConditionError",
    "NodeResult",
    "PreviousEvaluation",
    "TickContext",
    "condition_from_proto",
    "evaluate_asset",
    "evaluate_tick",
    "evaluation_order",
    "memory_from_json",
]


@dataclass
class TickContext:
    """One tick: now, the previous tick's time, every asset's previous evaluation."""

    now: float
    world: World
    previous: Mapping[str, PreviousEvaluation]
    previous_tick_time: float | None
    requested: dict[str, Subset] = field(default_factory=dict)  # this tick's requests so far
    same_run: Callable[[str, str], bool] = lambda dep, root: True  # can dep run in root's run?
    shared: dict[tuple[Any, ...], NodeResult] = field(default_factory=dict)  # dep branches, skipped nodes


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
    ready = deque(k for k in chosen if waiting[k] == 0)
    order: list[str] = []
    while ready:
        k = ready.popleft()
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
    memory: dict[str, Any] = {"requested": requested_json, "partitions_id": facts.space.definition_id}
    if scope.state:
        memory["state"] = {
            node: [scope.assets[node], encode_subset(world.get(scope.assets[node]).space, value)]
            for node, value in scope.state.items()
        }
    if scope.versions:
        memory["versions"] = scope.versions
    return AssetEvaluation(key, result, requested, result.to_text(world, key), memory)


_Handler = Callable[["_Scope", Condition, str, Subset, str], NodeResult]


def _child_id(node_id: str, index: int, child: Condition) -> str:
    """A child's id (its path), needed only where state lives: "" elsewhere, which costs nothing."""
    return f"{node_id}.{index}:{child.kind}" if child.stateful else ""


class _Scope:
    """Evaluating one root asset's tree: the previous evaluation to read, the memory to leave."""

    def __init__(self, ctx: TickContext, root: str, previous: PreviousEvaluation | None) -> None:
        self.ctx = ctx
        self.world = ctx.world
        self.root = root
        self.previous = previous
        self.first_evaluation = previous is None
        self.state: dict[str, Subset] = {}
        self.assets: dict[str, str] = {}  # node id -> the asset whose partitions its state holds
        self.versions: dict[str, str] = {}

    def evaluate(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        if not candidates and not c.stateful:
            return self.skipped(c, key)
        handler = _HANDLERS.get(c.kind)
        if handler is None:
            raise ConditionError(
                f"the host does not know the automation condition {c.kind!r} (asset {self.root!r}); "
                "upgrade the host to the version of the sdk the location uses"
            )
        return handler(self, c, key, candidates, node_id)

    def skipped(self, c: Condition, key: str) -> NodeResult:
        """A node not evaluated, with its operands (a dep operator's deps were not looked at); one
        shared object per condition node, since it says nothing about the asset."""
        shared = self.ctx.shared
        memo = ("skipped", c)
        found = shared.get(memo)
        if found is None:
            children = [] if c.kind in DEP_OPERATORS else [self.skipped(ch, key) for ch in c.children]
            found = shared[memo] = NodeResult(c.name, c.label, "", EMPTY, 0, children, skipped=True)
        return found

    def leaf(self, c: Condition, key: str, true: Subset, candidates: Subset) -> NodeResult:
        """An operand's result; shared between assets where it reads the same (unpartitioned, or
        false), so a quiet tick over 5,000 assets builds few objects."""
        if true and self.world.get(key).space.partitioned:
            return NodeResult(c.name, c.label, key, true, len(candidates))
        memo = ("leaf", c, bool(true), len(candidates))
        shared = self.ctx.shared
        found = shared.get(memo)
        if found is None:
            found = shared[memo] = NodeResult(c.name, c.label, "", true, len(candidates))
        return found

    def node(
        self,
        c: Condition,
        key: str,
        true: Subset,
        candidates: Subset,
        children: list[NodeResult],
        timing: dict[str, float] | None = None,
    ) -> NodeResult:
        """An operator's result; shared like a leaf when its operands' results are shared ones."""
        if timing or (true and self.world.get(key).space.partitioned) or any(ch.asset for ch in children):
            return NodeResult(c.name, c.label, key, true, len(candidates), children, timing=timing)
        memo = ("node", c, bool(true), len(candidates), *map(id, children))
        shared = self.ctx.shared
        found = shared.get(memo)
        if found is None:
            found = shared[memo] = NodeResult(c.name, c.label, "", true, len(candidates), children)
        return found

    def previous_state(self, node_id: str) -> Subset | None:
        return None if self.previous is None else self.previous.state.get(node_id)

    # -- operators --------------------------------------------------------------------------------
    def and_(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        children = []
        true = candidates
        for i, child in enumerate(c.children):
            r = self.evaluate(child, key, true, _child_id(node_id, i, child))
            children.append(r)
            true = true & r.true
        return self.node(c, key, true, candidates, children)

    def or_(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        children = [self.evaluate(ch, key, candidates, _child_id(node_id, i, ch)) for i, ch in enumerate(c.children)]
        true = EMPTY
        for r in children:
            true = true | r.true
        true = true & candidates
        return self.node(c, key, true, candidates, children)

    def not_(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        (child,) = c.children
        r = self.evaluate(child, key, candidates, _child_id(node_id, 0, child))
        return self.node(c, key, candidates - r.true, candidates, [r])

    def since(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        full = self.world.get(key).space.all
        trigger_c, reset_c = c.children
        trigger = self.evaluate(trigger_c, key, full, _child_id(node_id, 0, trigger_c))
        reset = self.evaluate(reset_c, key, full, _child_id(node_id, 1, reset_c))
        true = ((self.previous_state(node_id) or EMPTY) | trigger.true) - reset.true
        both = trigger.true & reset.true
        if both and trigger.timing and reset.timing:  # both fired since the last tick: the later one wins
            t_time, r_time = trigger.timing, reset.timing
            true |= frozenset(p for p in both if p in t_time and t_time[p] > r_time.get(p, float("inf")))
        self.state[node_id], self.assets[node_id] = true, key
        return self.node(c, key, true, candidates, [trigger, reset], trigger.timing)

    def newly_true(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        (child,) = c.children
        child_id = f"{node_id}.0:{child.kind}"
        r = self.evaluate(child, key, self.world.get(key).space.all, child_id)
        self.state[child_id], self.assets[child_id] = r.true, key
        true = (r.true - (self.previous_state(child_id) or EMPTY)) & candidates
        return self.node(c, key, true, candidates, [r])

    def deps(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        (operand,) = c.children
        any_ = c.kind == "any_deps_match"
        world = self.world
        facts = world.get(key)
        true = EMPTY if any_ else candidates
        timing: dict[str, float] = {}
        children = []
        for dep in facts.deps:  # sorted by the loader
            if dep == key or (c.allow is not None and dep not in c.allow) or dep in c.ignore:
                continue
            plain = not facts.space.partitioned and not world.get(dep).space.partitioned
            dep_candidates = candidates if plain else world.to_parent(key, dep, candidates)
            branch = self.dep_branch(operand, dep, dep_candidates, f"{node_id}[{dep}]" if operand.stateful else "")
            r = branch.children[0]
            mapped = r.true if plain else world.to_child(dep, key, r.true) & candidates
            true = (true | mapped) if any_ else (true & mapped)
            if mapped if any_ else candidates - mapped:
                children.append(branch)  # the deps that decided the result
            if r.timing:
                for p in mapped:
                    latest = max(r.timing.get(q, 0.0) for q in world.to_parent(key, dep, frozenset({p})))
                    timing[p] = max(timing.get(p, 0.0), latest)
            if (any_ and true == candidates) or (not any_ and not true):
                break  # decided: the other deps cannot change it
        return self.node(c, key, true, candidates, children, timing or None)

    def dep_branch(self, operand: Condition, dep: str, candidates: Subset, branch_id: str) -> NodeResult:
        """The operand on one dep, under a node named after the dep; shared by every root for which it
        gives the same result (no state below it, and nothing that reads the root in a way that differs)."""
        if operand.stateful:
            r = self.evaluate(operand, dep, candidates, f"{branch_id}.0:{operand.kind}")
            return NodeResult(dep, "", dep, r.true, len(candidates), [r])
        kinds = operand.kinds
        root_part: Any = None
        if "initial_evaluation" in kinds or ("executed_with_root_target" in kinds and self.world.get(dep).updated):
            root_part = self.root
        elif "will_be_requested" in kinds and self.ctx.requested.get(dep):
            root_part = self.ctx.same_run(dep, self.root)
        memo = ("dep", operand, dep, candidates, self.first_evaluation, root_part)
        shared = self.ctx.shared
        found = shared.get(memo)
        if found is None:
            r = self.evaluate(operand, dep, candidates, f"{branch_id}.0:{operand.kind}")
            found = shared[memo] = NodeResult(dep, "", dep, r.true, len(candidates), [r])
        return found

    def checks(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        """Checks are unpartitioned: an asset's partitions are true when its checks match."""
        (operand,) = c.children
        facts = self.world.get(key)
        names = sorted(n for n, check in facts.checks.items() if check.blocking or not c.blocking_only)
        results = [self.check(operand, key, name) for name in names]
        matched = [r.true for r in results]
        ok = any(matched) if c.kind == "any_checks_match" else all(matched)
        children = [NodeResult(n, "", key, r.true, 1, [r]) for n, r in zip(names, results, strict=True)]
        return self.node(c, key, candidates if ok else EMPTY, candidates, children)

    def check(self, c: Condition, key: str, name: str) -> NodeResult:
        """An operand on one check of `key`: true ({""}) or false."""
        check = self.world.get(key).checks[name]
        if c.kind in ("and", "or", "not"):
            children = [self.check(ch, key, name) for ch in c.children]
            values = [bool(r.true) for r in children]
            value = all(values) if c.kind == "and" else any(values) if c.kind == "or" else not values[0]
        else:
            values_by_kind = {
                "check_passed": check.passed is True,
                "check_failed": check.passed is False,
                "missing": check.passed is None,
                "run_in_progress": check.in_progress,
                "will_be_requested": bool(self.ctx.requested.get(key)),
            }
            value, children = values_by_kind.get(c.kind, False), []
        return NodeResult(c.name, c.label, f"{key}:{name}", frozenset({""}) if value else EMPTY, 1, children)

    # -- operands -----------------------------------------------------------------------------------
    def check_result(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        """check_passed / check_failed on a check evaluated as a target ("asset:check")."""
        passed = self.world.get(key).check_passed
        true = candidates if passed is not None and passed == (c.kind == "check_passed") else EMPTY
        return self.leaf(c, key, true, candidates)

    def data_version_changed(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        """True (for the partitions updated since the previous tick, all of an unpartitioned asset) when
        the latest materialization's data version differs from the one the previous tick saw."""
        facts = self.world.get(key)
        current = facts.data_version
        seen = self.previous.versions.get(node_id) if self.previous is not None else None
        self.versions[node_id] = current
        if seen is None or seen == current or not current:
            return self.leaf(c, key, EMPTY, candidates)
        true = candidates if not facts.space.partitioned else candidates & frozenset(facts.updated)
        return self.leaf(c, key, true, candidates)

    def run_tags(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        """executed_with_tags: the run of each partition's latest update has the tags;
        any_new_update_has_run_tags / all_new_updates_have_run_tags: of the updates since the previous tick."""
        facts = self.world.get(key)
        tags = self.world.run_tags
        if c.kind == "executed_with_tags":
            latest = facts.latest_runs
            true = frozenset(p for p in candidates if p in latest and run_has_tags(c, tags.get(latest[p])))
        else:
            check = any if c.kind == "any_new_update_has_run_tags" else all
            runs = facts.update_runs if not self.first_evaluation else {}
            true = frozenset(
                p for p in candidates if runs.get(p) and check(run_has_tags(c, tags.get(r)) for r in runs[p])
            )
        return self.leaf(c, key, true, candidates)

    def missing(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        return self.leaf(c, key, candidates - self.world.get(key).materialized, candidates)

    def newly_updated(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        updated = self.world.get(key).updated
        if self.first_evaluation or not updated:
            return self.leaf(c, key, EMPTY, candidates)
        true = frozenset(p for p in candidates if p in updated)
        timing = {p: updated[p][0] for p in true} or None
        return NodeResult(c.name, c.label, key, true, len(candidates), timing=timing)

    def newly_requested(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        previous = self.ctx.previous.get(key)
        true = (previous.requested if previous else EMPTY) & candidates
        if not true:
            return self.leaf(c, key, true, candidates)
        when = self.ctx.previous_tick_time
        timing = dict.fromkeys(true, when) if when and true else None
        return NodeResult(c.name, c.label, key, true, len(candidates), timing=timing)

    def fact(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        facts = self.world.get(key)
        if c.kind.startswith("freshness_"):
            wanted = {"freshness_passed": "PASS", "freshness_warned": "WARN", "freshness_failed": "FAIL"}[c.kind]
            found = candidates if facts.freshness == wanted else EMPTY
        else:
            found = {
                "run_in_progress": facts.in_progress,
                "backfill_in_progress": facts.in_backfill,
                "execution_failed": facts.failed,
            }[c.kind]
        return self.leaf(c, key, candidates & found, candidates)

    def will_be_requested(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        requested = self.ctx.requested.get(key, EMPTY)
        if requested and key != self.root and not self.ctx.same_run(key, self.root):
            requested = EMPTY
        return self.leaf(c, key, candidates & requested, candidates)

    def initial_evaluation(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        previous = self.previous
        initial = previous is None or previous.partitions_id != self.world.get(self.root).space.definition_id
        return self.leaf(c, key, candidates if initial else EMPTY, candidates)

    def in_latest_time_window(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        space = self.world.get(key).space
        true = candidates if not space.partitioned else candidates & space.latest_window(c.lookback_seconds)
        return self.leaf(c, key, true, candidates)

    def cron_tick_passed(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        since = self.ctx.previous_tick_time
        tick = None if since is None else latest_cron_tick(c.cron_schedule, c.cron_timezone, self.ctx.now)
        if since is None or self.first_evaluation or tick is None or tick < since:
            return self.leaf(c, key, EMPTY, candidates)
        return NodeResult(c.name, c.label, key, candidates, len(candidates), timing=dict.fromkeys(candidates, tick))

    def code_version_changed(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        current = self.world.get(key).code_version
        seen = self.previous.versions.get(node_id) if self.previous is not None else None
        self.versions[node_id] = current
        changed = seen is not None and seen != current
        return self.leaf(c, key, candidates if changed else EMPTY, candidates)

    def executed_with_root_target(self, c: Condition, key: str, candidates: Subset, node_id: str) -> NodeResult:
        """The partitions whose latest update came from a run that also targeted the root asset (for a
        check, its asset: a run of an asset runs its checks)."""
        updated = self.world.get(key).updated
        runs = self.world.run_assets
        root = self.world.get(self.root).check_of or self.root
        true = frozenset(p for p in candidates if p in updated and root in runs.get(updated[p][1], ()))
        return self.leaf(c, key, true, candidates)


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
    "freshness_passed": _Scope.fact,
    "freshness_warned": _Scope.fact,
    "freshness_failed": _Scope.fact,
    "will_be_requested": _Scope.will_be_requested,
    "initial_evaluation": _Scope.initial_evaluation,
    "in_latest_time_window": _Scope.in_latest_time_window,
    "cron_tick_passed": _Scope.cron_tick_passed,
    "code_version_changed": _Scope.code_version_changed,
    "executed_with_root_target": _Scope.executed_with_root_target,
    "check_passed": _Scope.check_result,
    "check_failed": _Scope.check_result,
    "data_version_changed": _Scope.data_version_changed,
    "executed_with_tags": _Scope.run_tags,
    "any_new_update_has_run_tags": _Scope.run_tags,
    "all_new_updates_have_run_tags": _Scope.run_tags,
    "any_downstream_conditions": _Scope.or_,
}
