"""The automation loop: each running automation sensor (Dagster's `default_automation_condition_sensor`,
one per location whose assets carry conditions, or one of your own) evaluates its assets' conditions on
the host, from snapshots and storage alone, and requests the runs they call for.

A tick is two steps. Plan: evaluate, then in one transaction store the tick (STARTED, with the
high-water mark of events it saw as its cursor), each asset's evaluation that changed, and the runs
to request, grouped by partition key, each with a run key `automation:<tick>:<n>`. Finish: launch the
stored requests with the identity (sensor, run key), unique in storage, and end the tick SUCCESS or
SKIPPED. A host killed between the two leaves a STARTED tick that the next pass (on this host or a new
leader) finishes instead of evaluating again, so each (asset, partition, evaluation) launches once.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from host.config import AutomationConfig
from host.daemon.freshness_checks import FreshnessCheckDaemon
from host.daemon.launch import launch
from host.daemon.leader import LeaderElector, LostLeadership
from host.domain.asset_graph import loaded_snapshots, version_of
from host.domain.automation import (
    AssetEvaluation,
    ConditionError,
    PreviousEvaluation,
    TickContext,
    evaluate_tick,
    memory_from_json,
)
from host.domain.automation_facts import (
    AutomationGraph,
    AutomationSensor,
    CheckTarget,
    automation_graph,
    load_world,
)
from host.domain.instigators import SENSOR
from host.domain.partitions import list_partition_keys
from host.errors import WeirError
from host.locations.workspace import WorkspaceManager
from host.storage import automation as store
from host.storage import instigators as tick_store
from host.storage.records import InstigatorStatus, RunRecord, TickRecord, TickStatus
from protos.weir.v1 import common_pb2, host_pb2, snapshot_pb2

log = logging.getLogger("weir.daemon.automation")

DEFAULT_SENSOR = "default_automation_condition_sensor"
TAGS = {"dagster/from_automation_condition": "true"}
# TEST-ONLY failpoint, never set in production: WEIR_FAILPOINT=automation-after-plan:<file> makes the
# first tick that planned runs write its id to <file>, then hang before launching any of them, so a test
# can kill -9 the host at exactly that point (tests/integration/test_automation_crash.py).
FAILPOINT_ENV = "WEIR_FAILPOINT"


@dataclass
class _Memory:
    """The newest stored evaluation of each asset of one sensor, as of `tick_id` (kept between passes
    so a tick does not read 5,000 rows back; reloaded when another host wrote a later tick)."""

    tick_id: int
    assets: dict[str, tuple[str, Any]]  # key -> (value hash, memory JSON)


@dataclass
class AutomationDaemon:
    engine: Engine
    workspace: WorkspaceManager
    config: AutomationConfig
    clock: Callable[[], float] = time.time
    leader: LeaderElector | None = None
    on_launch: Callable[[], None] | None = None
    _graph: tuple[str, AutomationGraph] | None = None
    _memory: dict[tuple[str, str], _Memory] = field(default_factory=dict)
    _last_tick: dict[tuple[str, str], float] = field(default_factory=dict)
    _freshness: FreshnessCheckDaemon = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._freshness = FreshnessCheckDaemon(self.engine, self.workspace, self.clock, self.leader)

    def reset(self) -> None:
        """Forget what other hosts may have changed meanwhile (on gaining the lease)."""
        self._memory.clear()
        self._last_tick.clear()
        self._freshness.reset()

    def graph(self) -> AutomationGraph:
        loaded = loaded_snapshots(self.workspace)
        version = version_of(loaded)
        if self._graph is None or self._graph[0] != version:
            self._graph = (version, automation_graph(loaded))
        return self._graph[1]

    def tick(self) -> int:
        """One pass: every running automation sensor that is due evaluates (a STARTED tick left by a
        crash is finished first); returns how many ticks were recorded."""
        if self.leader is not None and not self.leader.is_leader():
            return 0
        try:
            freshness_ticks = self._freshness.tick()  # build_sensor_for_freshness_checks sensors
        except LostLeadership:
            self.reset()
            return 0
        graph = self.graph()
        with self.engine.connect() as conn:
            states = {(s.location, s.name): s for s in tick_store.list_instigator_states(conn, kind=SENSOR)}
        done = freshness_ticks
        for sensor in graph.sensors:
            state = states.get((sensor.location, sensor.name))
            running = (
                state.status == InstigatorStatus.RUNNING
                if state is not None
                else sensor.sensor.default_status == snapshot_pb2.RUNNING
            )
            if not running or not self._due(sensor):
                continue
            try:
                self.evaluate(sensor, graph)
                done += 1
            except LostLeadership:
                log.warning("lost the daemon lease during automation tick of %s; the new leader goes on", sensor.name)
                self.reset()
                return done
        return done

    def _interval(self, sensor: AutomationSensor) -> float:
        return sensor_interval(sensor.sensor, self.config)

    def _due(self, sensor: AutomationSensor) -> bool:
        key = (sensor.location, sensor.name)
        if key not in self._last_tick:
            with self.engine.connect() as conn:
                newest, _ = store.latest_ticks(conn, sensor.location, sensor.name)
            if newest is not None and newest.status == TickStatus.STARTED:
                return True  # left by a crash: finish it now
            self._last_tick[key] = newest.timestamp if newest is not None else float("-inf")
        return self.clock() - self._last_tick[key] >= self._interval(sensor)

    def evaluate(self, sensor: AutomationSensor, graph: AutomationGraph | None = None) -> TickRecord:
        """Finish a tick a crash left STARTED, else evaluate now; the tick as recorded."""
        graph = graph or self.graph()
        now = self.clock()
        self._last_tick[(sensor.location, sensor.name)] = now
        with self.engine.connect() as conn:
            newest, previous = store.latest_ticks(conn, sensor.location, sensor.name)
        if newest is not None and newest.status == TickStatus.STARTED:
            return self.finish(newest, sensor)
        try:
            tick = self.plan(sensor, graph, now, previous)
        except (ConditionError, WeirError) as exc:
            return self._record_failure(sensor, now, str(exc))
        _failpoint_after_plan(self.engine, tick)
        return self.finish(tick, sensor)

    def plan(
        self, sensor: AutomationSensor, graph: AutomationGraph, now: float, previous: TickRecord | None
    ) -> TickRecord:
        """Evaluate and store the tick STARTED with its evaluations and run requests; launch nothing."""
        evaluations, until, memory = self._evaluate(sensor, graph, now, previous)
        changed = [e for e in evaluations if memory.assets.get(e.key, ("",))[0] != e.value_hash()]
        requests = group_requests(evaluations, graph.checks)
        with self.engine.begin() as conn:
            if self.leader is not None:
                self.leader.check(conn)
            tick = tick_store.add_tick(
                conn,
                location=sensor.location,
                name=sensor.name,
                kind=SENSOR,
                status=TickStatus.STARTED,
                timestamp=now,
                cursor=json.dumps({"event_id": until}),
            )
            store.add_evaluations(
                conn,
                tick_id=tick.tick_id,
                location=sensor.location,
                sensor_name=sensor.name,
                timestamp=now,
                rows=[_row(e) for e in changed],
            )
            store.add_run_requests(
                conn,
                tick_id=tick.tick_id,
                location=sensor.location,
                requests=[(f"automation:{tick.tick_id}:{i}", keys, p) for i, (keys, p) in enumerate(requests)],
            )
        for e in changed:
            memory.assets[e.key] = (e.value_hash(), e.memory_json)
        memory.tick_id = tick.tick_id
        self._memory[(sensor.location, sensor.name)] = memory
        return tick

    def preview(self, sensor: AutomationSensor, now: float) -> list[tuple[list[str], str | None]]:
        """The runs a tick would request now, (assets, partition key) each; stores and launches nothing."""
        with self.engine.connect() as conn:
            _, previous = store.latest_ticks(conn, sensor.location, sensor.name)
        graph = self.graph()
        evaluations, _, _ = self._evaluate(sensor, graph, now, previous)
        return group_requests(evaluations, graph.checks)

    def _evaluate(
        self, sensor: AutomationSensor, graph: AutomationGraph, now: float, previous: TickRecord | None
    ) -> tuple[list[AssetEvaluation], int, _Memory]:
        """(each asset's evaluation, the event high-water mark it saw, the memory it started from)."""
        cursor = _cursor(previous)
        with self.engine.connect() as conn:
            until = store.last_event_id(conn)
            world = load_world(
                conn,
                graph,
                sensor.conditions,
                now=now,
                after_event_id=int(cursor.get("event_id", until)),
                until_event_id=until,
                location_keys=self._location_keys(now),
            )
            memory = self._load_memory(conn, sensor, previous)
        previous_evaluations: dict[str, PreviousEvaluation] = {
            key: memory_from_json(data, world, key) for key, (_, data) in memory.assets.items()
        }
        ctx = TickContext(
            now,
            world,
            previous_evaluations,
            previous.timestamp if previous is not None else None,
            same_run=graph.same_run,
        )
        return evaluate_tick(ctx, sensor.conditions), until, memory

    def finish(self, tick: TickRecord, sensor: AutomationSensor) -> TickRecord:
        """Launch the tick's stored requests (each once, by its run key) and end the tick."""
        with self.engine.connect() as conn:
            requests = store.run_requests(conn, tick.tick_id)
        run_ids: list[str] = []
        errors: list[str] = []
        for request in requests:
            run_id = request.run_id or self._launch(sensor, tick, request, errors)
            if run_id:
                run_ids.append(run_id)
                if request.run_id is None:
                    with self.engine.begin() as conn:
                        store.set_request_run(conn, request.request_id, run_id)
        if run_ids and self.on_launch is not None:
            self.on_launch()
        assets = len({k for r in requests for k in r.asset_keys})
        if errors:
            status, reason = TickStatus.FAILURE, "; ".join(errors)
        elif run_ids:
            status, reason = TickStatus.SUCCESS, f"requested {len(run_ids)} run(s) of {assets} asset(s)"
        else:
            status, reason = TickStatus.SKIPPED, "no asset's automation condition is true"
        with self.engine.begin() as conn:
            if self.leader is not None:
                self.leader.check(conn)
            return tick_store.update_tick(
                conn, tick.tick_id, status=status, reason=reason, run_ids=run_ids, error="\n".join(errors) or None
            )

    def _launch(
        self, sensor: AutomationSensor, tick: TickRecord, request: store.RunRequestRecord, errors: list[str]
    ) -> str:
        assets, steps = _run_selection(request.asset_keys, self.graph().checks)
        launch_request = host_pb2.LaunchRunRequest(
            location=sensor.location,
            asset_selection=[common_pb2.AssetKey(path=k.split("/")) for k in assets],
            run_config_json="{}",
            tags={**TAGS, "dagster/sensor_name": sensor.name, "weir/automation_tick": str(tick.tick_id)},
            partition_key=request.partition_key or "",
        )
        if self.leader is not None:
            with self.engine.begin() as conn:
                self.leader.check(conn)

        def same(run: RunRecord) -> bool:
            return run.sensor_name == sensor.name and run.run_key == request.run_key

        try:
            launched = launch(
                self.engine,
                self.workspace,
                launch_request,
                now=self.clock(),
                identity={"sensor_name": sensor.name, "run_key": request.run_key},
                matches=same,
                step_selection=steps,
            )
        except WeirError as exc:
            errors.append(f"could not launch a run of {', '.join(request.asset_keys)}: {exc}")
            return ""
        return launched.run_id

    def _load_memory(self, conn: Any, sensor: AutomationSensor, previous: TickRecord | None) -> _Memory:
        key = (sensor.location, sensor.name)
        cached = self._memory.get(key)
        newest_id = previous.tick_id if previous is not None else 0
        if cached is not None and cached.tick_id == newest_id:
            return cached
        return _Memory(newest_id, store.latest_memories(conn, sensor.location, sensor.name))

    def _location_keys(self, now: float) -> Callable[[str, str], list[str]]:
        def keys(location: str, asset_key: str) -> list[str]:
            return list_partition_keys(self.engine, self.workspace, location, asset_key=asset_key, now=now).keys

        return keys

    def _record_failure(self, sensor: AutomationSensor, now: float, error: str) -> TickRecord:
        log.warning("automation sensor %r of location %r failed: %s", sensor.name, sensor.location, error)
        with self.engine.begin() as conn:
            if self.leader is not None:
                self.leader.check(conn)
            return tick_store.add_tick(
                conn,
                location=sensor.location,
                name=sensor.name,
                kind=SENSOR,
                status=TickStatus.FAILURE,
                timestamp=now,
                reason=f"could not evaluate the automation conditions: {error}",
                error=error,
            )


def sensor_interval(sensor: snapshot_pb2.Sensor, config: AutomationConfig) -> float:
    """How often the host ticks a sensor: the default automation sensor every automation.interval_seconds
    (weir.yaml), another automation sensor every minimum_interval_seconds (else that), any other sensor
    every minimum_interval_seconds."""
    if sensor.kind != snapshot_pb2.AUTOMATION:
        return float(sensor.minimum_interval_seconds)
    if sensor.name == DEFAULT_SENSOR:
        return config.interval_seconds
    return float(sensor.minimum_interval_seconds or config.interval_seconds)


def _failpoint_after_plan(engine: Engine, tick: TickRecord) -> None:
    """TEST-ONLY (see FAILPOINT_ENV): hang for good after a committed plan that requests runs."""
    point, _, path = os.environ.get(FAILPOINT_ENV, "").partition(":")
    if point != "automation-after-plan" or not path:
        return
    with engine.connect() as conn:
        if not store.run_requests(conn, tick.tick_id):
            return
    log.warning("test-only failpoint %s: tick %d planned, not launching", FAILPOINT_ENV, tick.tick_id)
    Path(path).write_text(str(tick.tick_id))
    while True:  # the test kills this host now
        time.sleep(3600)


def _cursor(previous: TickRecord | None) -> dict[str, Any]:
    """The previous tick's cursor ({"event_id": N}); one set by hand (`weir sensors cursor`) that is not
    ours counts as none: the next tick sees no update before it."""
    try:
        found = json.loads(previous.cursor) if previous is not None and previous.cursor else {}
        return found if isinstance(found, dict) and isinstance(found.get("event_id", 0), int) else {}
    except ValueError:
        return {}


def group_requests(
    evaluations: list[AssetEvaluation], checks: Mapping[str, CheckTarget] | None = None
) -> list[tuple[list[str], str | None]]:
    """One run per partition key (assets of one location that share a key run together, in dependency
    order as evaluated); unpartitioned assets share one run. A requested check ("asset:check") runs with
    its asset when that is requested too, else in a run of its own per partition key that executes the
    check alone (Dagster's check-only request)."""
    checks = checks or {}
    by_partition: dict[str, list[str]] = {}
    check_only: dict[str, list[str]] = {}
    for e in evaluations:
        for partition in sorted(e.requested):
            (check_only if e.key in checks else by_partition).setdefault(partition, []).append(e.key)
    out = [(keys, partition or None) for partition, keys in sorted(by_partition.items())]
    for partition, targets in sorted(check_only.items()):
        alone = [t for t in targets if checks[t].asset not in by_partition.get(partition, ())]
        if alone:
            out.append((alone, partition or None))
    return out


def _run_selection(keys: Sequence[str], checks: Mapping[str, CheckTarget]) -> tuple[list[str], list[str]]:
    """(asset selection, step selection) of a stored request: a check-only request selects the checks'
    assets and executes only the checks' steps (a check computed in its asset's step runs the asset)."""
    targets = [checks[k] for k in keys if k in checks]
    assets = list(dict.fromkeys([*(k for k in keys if k not in checks), *(t.asset for t in targets)]))
    if not targets or len(targets) != len(keys) or not all(t.step_key for t in targets):
        return assets, []
    return assets, list(dict.fromkeys(t.step_key for t in targets))


def _row(evaluation: AssetEvaluation) -> store.EvaluationRow:
    value_hash, result, memory = evaluation.texts()
    return store.EvaluationRow(evaluation.key, value_hash, len(evaluation.requested), result, memory)
