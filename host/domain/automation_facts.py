"""Filling an automation tick's world from the snapshots and storage (host/domain/automation_world.py).

`AutomationGraph` is what the snapshots say, computed once per set of snapshots: every asset joined by
key across locations (host/domain/asset_graph.py), its owning declaration, conditions, partition
mappings and the automation sensors with their targets. `load_world` adds what storage says at this
tick, in a handful of bulk queries whatever the number of assets: materialized partitions, the
materializations stored since the previous tick, runs and backfills in progress, latest run outcomes
and check results.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from host.domain import freshness
from host.domain.asset_graph import LoadedSnapshot, build_graph
from host.domain.automation import Condition, condition_from_proto
from host.domain.automation_conditions import RUN_TAG_OPERANDS, with_downstream_conditions
from host.domain.automation_world import (
    EMPTY,
    UNPARTITIONED,
    AssetFacts,
    CheckFacts,
    PartitionSpace,
    Subset,
    World,
)
from host.domain.partitions import compute_keys
from host.domain.runs import IMPLICIT_ASSET_JOB, RANGE_END_TAG, RANGE_START_TAG
from host.domain.time_partitions import parse_time
from host.storage import assets as asset_store
from host.storage import automation as store
from host.storage import events as event_store
from host.storage import partitions as partition_store
from host.storage import runs as run_store
from host.storage.records import BackfillStatus, RunRecord, RunStatus
from protos.keys import asset_key_str
from protos.weir.v1 import common_pb2, snapshot_pb2

IN_PROGRESS = (RunStatus.QUEUED, RunStatus.STARTING, RunStatus.STARTED, RunStatus.CANCELING)
RECENT_RUNS = 2000  # execution_failed looks at the latest run of each asset among this many
DATA_VERSION = "dagster/data_version"


@dataclass(frozen=True)
class CheckTarget:
    """An asset check with an automation condition, evaluated as the target "asset:check"."""

    asset: str
    name: str
    step_key: str  # the step that runs it alone ("" : it runs in its asset's step)
    deps: tuple[str, ...]  # its asset, then its additional deps


def check_target(asset: str, check: str) -> str:
    """The key a check's evaluations are stored under (Dagster's AssetCheckKey.to_user_string())."""
    return f"{asset}:{check}"


@dataclass(frozen=True)
class AutomationSensor:
    """One automation sensor of a location: the conditions of the assets it targets."""

    location: str
    name: str
    sensor: snapshot_pb2.Sensor
    conditions: dict[str, Condition]


@dataclass
class AutomationGraph:
    """The automation view of one set of snapshots (cached while the snapshots stay the same)."""

    nodes: dict[str, tuple[str, snapshot_pb2.AssetNode]]  # key -> (location, the declaration that speaks)
    deps: dict[str, tuple[str, ...]]
    sensors: list[AutomationSensor]
    job_assets: dict[tuple[str, str], tuple[str, ...]]  # (location, job) -> its assets
    kinds: frozenset[str]  # every node kind the conditions use (facts nobody reads are not loaded)
    definition_ids: dict[str, str] = field(default_factory=dict)
    checks: dict[str, CheckTarget] = field(default_factory=dict)  # "asset:check" -> the check evaluated

    def same_run(self, dep: str, root: str) -> bool:
        """Whether a dep requested this tick runs in the same run as root: same location, both
        executable, the same partitions (requests are grouped by location and partition key); a check
        counts as its asset."""
        dep, root = (self.checks[k].asset if k in self.checks else k for k in (dep, root))
        a, b = self.nodes.get(dep), self.nodes.get(root)
        return (
            a is not None
            and b is not None
            and a[0] == b[0]
            and a[1].is_executable
            and self.definition_ids.get(dep, "") == self.definition_ids.get(root, "")
        )


def automation_graph(loaded: Sequence[LoadedSnapshot]) -> AutomationGraph:
    graph = build_graph(loaded)
    deps = {
        info.key: tuple(sorted(graph.nodes[j].key for j in graph.upstream[i])) for i, info in enumerate(graph.nodes)
    }
    nodes: dict[str, tuple[str, snapshot_pb2.AssetNode]] = {}
    job_assets: dict[tuple[str, str], tuple[str, ...]] = {}
    for item in sorted(loaded, key=lambda s: s.location):
        for node in item.snapshot.assets:
            key = asset_key_str(node.key)
            if key not in nodes or (node.is_executable and not nodes[key][1].is_executable):
                nodes[key] = (item.location, node)
        for job in item.snapshot.jobs:
            job_assets[(item.location, job.name)] = tuple(asset_key_str(k) for k in job.asset_selection)
    sensors = []
    kinds: set[str] = set()
    checks: dict[str, CheckTarget] = {}
    for item in sorted(loaded, key=lambda s: s.location):
        by_key = {asset_key_str(n.key): n for n in item.snapshot.assets}
        for sensor in item.snapshot.sensors:
            if sensor.kind != snapshot_pb2.AUTOMATION:
                continue
            conditions = {}
            for k in sensor.asset_selection:
                key = asset_key_str(k)
                declared = by_key.get(key)
                if declared is not None and declared.HasField("automation_condition"):
                    conditions[key] = condition_from_proto(declared.automation_condition)
                    kinds.update(_kinds(conditions[key]))
                for check in declared.check_specs if declared is not None else ():
                    if check.HasField("automation_condition"):  # a check of the asset, requested on its own
                        target = check_target(key, check.name)
                        checks[target] = CheckTarget(
                            key,
                            check.name,
                            check.step_key,
                            tuple(dict.fromkeys([key, *(asset_key_str(d) for d in check.additional_deps)])),
                        )
                        conditions[target] = condition_from_proto(check.automation_condition)
                        kinds.update(_kinds(conditions[target]))
            sensors.append(AutomationSensor(item.location, sensor.name, sensor, conditions))
    definition_ids = {
        key: _definition_id(node.partitions) for key, (_, node) in nodes.items() if node.HasField("partitions")
    }
    for target, found in checks.items():
        deps[target] = found.deps
    if "any_downstream_conditions" in kinds:
        _expand_downstream(sensors, nodes, deps)
        for automation_sensor in sensors:
            for condition in automation_sensor.conditions.values():
                kinds.update(_kinds(condition))
    return AutomationGraph(nodes, deps, sensors, job_assets, frozenset(kinds), definition_ids, checks)


def _expand_downstream(
    sensors: list[AutomationSensor],
    nodes: dict[str, tuple[str, snapshot_pb2.AssetNode]],
    deps: dict[str, tuple[str, ...]],
) -> None:
    """Give each any_downstream_conditions node the distinct conditions of the asset's downstream assets
    (transitively, in every location), those that use any_downstream_conditions themselves left out."""
    children: dict[str, list[str]] = {}
    for key, parents in deps.items():
        for parent in parents:
            children.setdefault(parent, []).append(key)
    own = {
        key: condition_from_proto(node.automation_condition)
        for key, (_, node) in nodes.items()
        if node.HasField("automation_condition")
    }
    for sensor in sensors:
        for key, condition in list(sensor.conditions.items()):
            if "any_downstream_conditions" not in condition.kinds:
                continue
            seen: set[str] = set()
            stack = list(children.get(key, ()))
            found: dict[int, Condition] = {}
            while stack:
                below = stack.pop()
                if below in seen:
                    continue
                seen.add(below)
                stack.extend(children.get(below, ()))
                c = own.get(below)
                if c is not None and "any_downstream_conditions" not in c.kinds:
                    found.setdefault(id(c), c)  # trees are shared: the same condition is one object
            ordered = tuple(sorted(found.values(), key=lambda c: (c.label, c.name)))
            sensor.conditions[key] = with_downstream_conditions(condition, ordered)


def _kinds(condition: Condition) -> Iterable[str]:
    yield condition.kind
    for child in condition.children:
        yield from _kinds(child)


def _definition_id(definition: snapshot_pb2.PartitionsDefinition) -> str:
    return hashlib.sha1(definition.SerializeToString(deterministic=True)).hexdigest()[:16]


def load_world(
    conn: Connection,
    graph: AutomationGraph,
    targets: Iterable[str],
    *,
    now: float,
    after_event_id: int,
    until_event_id: int,
    location_keys: Callable[[str, str], list[str]] | None = None,
) -> World:
    """The facts about the targets and their deps. `location_keys(location, key)` gives the keys of a
    partitions definition only code can compute (an RPC to the location)."""
    wanted = list(dict.fromkeys(targets))
    relevant = list(dict.fromkeys([*wanted, *(d for k in wanted for d in graph.deps.get(k, ()))]))
    materialized = store.materialized_partitions(conn, relevant)
    assets = {key: _facts(conn, graph, key, now, materialized.get(key, set()), location_keys) for key in relevant}
    run_ids: set[str] = set()
    for key, partition, timestamp, run_id in store.materializations_between(conn, after_event_id, until_event_id):
        facts = assets.get(key)
        if facts is not None:
            facts.updated = {**facts.updated, partition: (timestamp, run_id)}
            facts.update_runs = {**facts.update_runs, partition: (*facts.update_runs.get(partition, ()), run_id)}
            run_ids.add(run_id)
    for run in run_store.runs_with_status(conn, IN_PROGRESS):
        for key, parts in _run_targets(graph, run, assets):
            assets[key].in_progress = assets[key].in_progress | parts
    _check_targets(conn, graph, assets)
    if "backfill_in_progress" in graph.kinds:
        _backfills(conn, assets)
    if "execution_failed" in graph.kinds:
        _failures(conn, graph, assets)
    if graph.kinds & {"any_checks_match", "all_checks_match"}:
        _checks(conn, graph, assets)
    if graph.kinds & {"freshness_passed", "freshness_warned", "freshness_failed"}:
        _freshness(conn, graph, assets, now)
    selections = store.run_selections(conn, run_ids) if "executed_with_root_target" in graph.kinds else {}
    run_tags = _run_tags(conn, assets, run_ids) if graph.kinds & RUN_TAG_OPERANDS else {}
    if "data_version_changed" in graph.kinds:
        _data_versions(conn, assets)
    return World(assets, {run_id: frozenset(keys) for run_id, keys in selections.items()}, run_tags)


def _run_tags(conn: Connection, assets: dict[str, AssetFacts], new_runs: set[str]) -> dict[str, dict[str, str]]:
    """The tags of the runs that updated the assets: since the previous tick, and each partition's latest."""
    latest = asset_store.latest_materializations(conn, list(assets))
    wanted = set(new_runs)
    for key, facts in assets.items():
        found = latest.get(key)
        fallback = found.run_id if found is not None else ""
        facts.latest_runs = {p: facts.updated[p][1] if p in facts.updated else fallback for p in facts.materialized}
        wanted.update(r for r in facts.latest_runs.values() if r)
    out: dict[str, dict[str, str]] = {}
    for run_id in sorted(wanted):
        run = run_store.get_run(conn, run_id)
        if run is not None:
            out[run_id] = dict(run.tags)
    return out


def _data_versions(conn: Connection, assets: dict[str, AssetFacts]) -> None:
    """Each asset's data version: its latest materialization's `dagster/data_version` metadata, else that
    materialization's identity (a new version for each materialization)."""
    latest = asset_store.latest_materializations(conn, list(assets))
    for key, found in latest.items():
        if key in assets:
            stored = event_store.get_events(conn, found.run_id, after_sequence=found.sequence - 1, limit=1)
            event = common_pb2.RunEvent.FromString(stored[0].body) if stored else None
            version = next((_text(m.value) for m in event.metadata if m.key == DATA_VERSION), "") if event else ""
            assets[key].data_version = version or f"{found.run_id}:{found.sequence}"


def _text(value: common_pb2.MetadataValue) -> str:
    kind = value.WhichOneof("value")
    return str(getattr(value, kind)) if kind else ""


def _check_targets(conn: Connection, graph: AutomationGraph, assets: dict[str, AssetFacts]) -> None:
    """A check evaluated as a target: "missing" until it is first evaluated, in progress while a run of
    its asset is, its latest result for check_passed / check_failed."""
    targets = [k for k in assets if k in graph.checks]
    if not targets:
        return
    results = asset_store.latest_check_evaluations(conn)
    for target in targets:
        check = graph.checks[target]
        found = results.get((check.asset, check.name))
        facts = assets[target]
        facts.materialized = UNPARTITIONED if found is not None else EMPTY
        facts.check_passed = found.passed if found is not None else None
        owner = assets.get(check.asset)
        facts.in_progress = UNPARTITIONED if owner is not None and owner.in_progress else EMPTY


def _facts(
    conn: Connection,
    graph: AutomationGraph,
    key: str,
    now: float,
    materialized: set[str],
    location_keys: Callable[[str, str], list[str]] | None,
) -> AssetFacts:
    check = graph.checks.get(key)
    if check is not None:
        owner = graph.nodes.get(check.asset)
        return AssetFacts(
            key, location=owner[0] if owner else "", deps=check.deps, executable=owner is not None, check_of=check.asset
        )
    found = graph.nodes.get(key)
    if found is None:
        return AssetFacts(key, executable=False, deps=graph.deps.get(key, ()), materialized=frozenset(materialized))
    location, node = found
    space = _space(conn, graph, key, location, node, now, location_keys) if node.HasField("partitions") else None
    return AssetFacts(
        key,
        location=location,
        deps=graph.deps.get(key, ()),
        space=space or PartitionSpace(),
        executable=node.is_executable,
        code_version=node.code_version,
        materialized=frozenset(materialized),
        mappings={
            asset_key_str(m.upstream): (m.kind, m.start_offset, m.end_offset) for m in node.dep_partition_mappings
        },
    )


def _space(
    conn: Connection,
    graph: AutomationGraph,
    key: str,
    location: str,
    node: snapshot_pb2.AssetNode,
    now: float,
    location_keys: Callable[[str, str], list[str]] | None,
) -> PartitionSpace:
    definition = node.partitions
    computed = compute_keys(definition, now, lambda name: partition_store.list_dynamic_partitions(conn, name))
    keys = computed.keys if computed is not None else location_keys(location, key) if location_keys else []
    kind = definition.WhichOneof("kind")
    parse: Callable[[str], float] | None = None
    time_dimension = None
    if kind == "time_window":
        parse = _start_parser(definition.time_window)
    elif kind == "multi":
        dims = [d.partitions.WhichOneof("kind") for d in definition.multi.dimensions]
        time_dimension = dims.index("time_window") if "time_window" in dims else None
    return PartitionSpace(tuple(keys), graph.definition_ids[key], parse_start=parse, time_dimension=time_dimension)


def _start_parser(window: snapshot_pb2.TimeWindowPartitions) -> Callable[[str], float]:
    zone = ZoneInfo(window.timezone or "UTC")

    def start(key: str) -> float:
        return parse_time(key, window.fmt, zone).replace(tzinfo=zone).astimezone(UTC).timestamp()

    return start


def _run_targets(graph: AutomationGraph, run: RunRecord, assets: dict[str, AssetFacts]) -> list[tuple[str, Subset]]:
    """(asset, partitions) a run targets, among the assets of the world."""
    keys = run.asset_selection or graph.job_assets.get((run.location, run.job_name), ())
    if not keys and run.job_name == IMPLICIT_ASSET_JOB:
        keys = ()
    out = []
    for key in keys:
        facts = assets.get(key)
        if facts is not None:
            out.append((key, _run_partitions(run, facts.space)))
    return out


def _run_partitions(run: RunRecord, space: PartitionSpace) -> Subset:
    if not space.partitioned:
        return frozenset({""})
    if run.partition_key is not None:
        return frozenset({run.partition_key})
    first, last = run.tags.get(RANGE_START_TAG), run.tags.get(RANGE_END_TAG)
    index = space.index
    if first in index and last in index:
        return frozenset(space.keys[index[first] : index[last] + 1])
    return space.all


def _backfills(conn: Connection, assets: dict[str, AssetFacts]) -> None:
    for backfill in partition_store.list_backfills(conn, statuses=(BackfillStatus.REQUESTED,), limit=1000):
        for key in backfill.asset_selection:
            facts = assets.get(key)
            if facts is not None:
                parts = frozenset(backfill.partition_keys) if facts.space.partitioned else frozenset({""})
                facts.in_backfill = facts.in_backfill | parts


def _failures(conn: Connection, graph: AutomationGraph, assets: dict[str, AssetFacts]) -> None:
    """A partition failed when the newest run that targeted it (among the recent ones) failed."""
    seen: set[tuple[str, str]] = set()
    failed: dict[str, set[str]] = {}
    recent, _cursor = run_store.list_runs(conn, limit=RECENT_RUNS)
    for run in recent:  # newest first
        for key, parts in _run_targets(graph, run, assets):
            for part in parts:
                if (key, part) not in seen:
                    seen.add((key, part))
                    if run.status == RunStatus.FAILURE:
                        failed.setdefault(key, set()).add(part)
    for key, failed_parts in failed.items():
        assets[key].failed = frozenset(failed_parts)


def _checks(conn: Connection, graph: AutomationGraph, assets: dict[str, AssetFacts]) -> None:
    results = asset_store.latest_check_evaluations(conn)
    for key, facts in assets.items():
        found = graph.nodes.get(key)
        if found is None:
            continue
        facts.checks = {
            spec.name: CheckFacts(
                spec.blocking, results[(key, spec.name)].passed if (key, spec.name) in results else None
            )
            for spec in found[1].check_specs
        }


def _freshness(conn: Connection, graph: AutomationGraph, assets: dict[str, AssetFacts], now: float) -> None:
    with_policy = [k for k in assets if k in graph.nodes and graph.nodes[k][1].HasField("freshness_policy")]
    latest = asset_store.latest_materializations(conn, with_policy) if with_policy else {}
    for key in with_policy:
        found = latest.get(key)
        policy = graph.nodes[key][1].freshness_policy
        assets[key].freshness = freshness.evaluate(policy, found.timestamp if found else None, now).state
