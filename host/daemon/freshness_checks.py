"""Freshness-check sensors (`build_sensor_for_freshness_checks`), evaluated by the host.

Each running sensor of kind FRESHNESS_CHECKS, every `minimum_interval_seconds`, looks at the
`freshness_check` of each asset it targets (parameters from the snapshot's `last_update_freshness`),
decides by Dagster's rules which are due (host/domain/freshness.py `check_due`), evaluates those from
the asset's last materialization, and stores the results in one transaction: a run of its own
(SUCCESS, tagged with the sensor, run key `freshness:<tick>`) holding one ASSET_CHECK_EVALUATION event per
check, and the tick (SUCCESS with that run, or SKIPPED with the reason). No call into the code location.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from host.daemon.leader import LeaderElector
from host.domain import freshness
from host.domain.automation_conditions import ConditionError
from host.domain.instigators import SENSOR
from host.domain.run_tags import HOST_EVALUATED_TAG
from host.domain.runs import IMPLICIT_ASSET_JOB
from host.locations.workspace import WorkspaceManager
from host.storage import assets as asset_store
from host.storage import events as event_store
from host.storage import instigators as tick_store
from host.storage import runs as run_store
from host.storage.records import InstigatorStatus, RunRecord, RunStatus, TickRecord, TickStatus
from protos.keys import asset_key_str
from protos.weir.v1 import common_pb2, snapshot_pb2

log = logging.getLogger("weir.daemon.freshness_checks")

CHECK_NAME = "freshness_check"
TAGS = {HOST_EVALUATED_TAG: "true"}


@dataclass(frozen=True)
class FreshnessSensor:
    location: str
    sensor: snapshot_pb2.Sensor
    checks: dict[str, snapshot_pb2.LastUpdateFreshness]  # asset key -> its freshness check's parameters
    snapshot_id: str = ""  # the location's snapshot the sensor came from (its runs record it)
    steps: dict[str, str] = field(default_factory=dict)  # asset key -> the step that executes its check


def freshness_sensors(workspace: WorkspaceManager) -> list[FreshnessSensor]:
    """Every freshness-check sensor of the loaded locations, with the checks it evaluates."""
    found = []
    for handle in workspace.handles():
        snapshot = handle.state.snapshot
        if snapshot is None:
            continue
        freshness_checks = [
            c for c in snapshot.asset_checks if c.name == CHECK_NAME and c.HasField("last_update_freshness")
        ]
        params = {asset_key_str(c.asset_key): c.last_update_freshness for c in freshness_checks}
        steps = {asset_key_str(c.asset_key): c.step_key for c in freshness_checks}
        for sensor in snapshot.sensors:
            if sensor.kind == snapshot_pb2.FRESHNESS_CHECKS:
                keys = [asset_key_str(k) for k in sensor.asset_selection]
                checks = {k: params[k] for k in keys if k in params}
                found.append(
                    FreshnessSensor(
                        handle.name,
                        sensor,
                        checks,
                        handle.state.snapshot_id or "",
                        {k: steps[k] for k in checks if steps.get(k)},
                    )
                )
    return found


@dataclass
class FreshnessCheckDaemon:
    engine: Engine
    workspace: WorkspaceManager
    clock: Callable[[], float] = time.time
    leader: LeaderElector | None = None
    _last_tick: dict[tuple[str, str], float] = field(default_factory=dict)

    def reset(self) -> None:
        self._last_tick.clear()

    def tick(self) -> int:
        """Evaluate every running freshness-check sensor that is due; returns how many ticked."""
        if self.leader is not None and not self.leader.is_leader():
            return 0
        sensors = freshness_sensors(self.workspace)
        if not sensors:
            return 0
        with self.engine.connect() as conn:
            states = {(s.location, s.name): s for s in tick_store.list_instigator_states(conn, kind=SENSOR)}
        done = 0
        for item in sensors:
            state = states.get((item.location, item.sensor.name))
            running = (
                state.status == InstigatorStatus.RUNNING
                if state is not None
                else item.sensor.default_status == snapshot_pb2.RUNNING
            )
            if running and self._due(item):
                self.evaluate(item)
                done += 1
        return done

    def _due(self, item: FreshnessSensor) -> bool:
        key = (item.location, item.sensor.name)
        if key not in self._last_tick:
            with self.engine.connect() as conn:
                newest = tick_store.list_ticks(conn, item.location, item.sensor.name, SENSOR, limit=1)
            self._last_tick[key] = newest[0].timestamp if newest else float("-inf")
        interval = item.sensor.minimum_interval_seconds or 30
        return self.clock() - self._last_tick[key] >= interval

    def evaluate(self, item: FreshnessSensor) -> TickRecord:
        """One tick: evaluate the due checks and store them with the tick, in one transaction."""
        now = self.clock()
        self._last_tick[(item.location, item.sensor.name)] = now
        try:
            results = [
                (key, freshness.evaluate_last_update(item.checks[key], last, now), item.checks[key].severity or "WARN")
                for key, _why, last in self.due_checks(item, now)
            ]
        except ConditionError as exc:
            return self._store(item, now, [], error=str(exc))
        return self._store(item, now, results)

    def due_checks(self, item: FreshnessSensor, now: float) -> list[tuple[str, str, float | None]]:
        """(asset key, why it is due, its last materialization) of each check the sensor evaluates now."""
        keys = sorted(item.checks)
        with self.engine.connect() as conn:
            latest = {k: r for (k, name), r in asset_store.latest_check_evaluations(conn).items() if name == CHECK_NAME}
            materialized = asset_store.latest_materializations(conn, keys) if keys else {}
        due = []
        for key in keys:
            found = latest.get(key)
            last = materialized[key].timestamp if key in materialized else None
            why = freshness.check_due(item.checks[key], (found.passed, found.timestamp) if found else None, last, now)
            if why:
                due.append((key, why, last))
        return due

    def _store(
        self, item: FreshnessSensor, now: float, results: list[tuple[str, freshness.CheckResult, str]], error: str = ""
    ) -> TickRecord:
        with self.engine.begin() as conn:
            if self.leader is not None:
                self.leader.check(conn)
            if error:
                return self._add_tick(conn, item, now, TickStatus.FAILURE, f"could not evaluate: {error}", error=error)
            if not results:
                reason = (
                    "No freshness checks need to be evaluated at this time, since all checks are either "
                    "currently evaluating, have failed, or are not yet overdue."
                    if item.checks
                    else "no asset it targets has a freshness check"
                )
                return self._add_tick(conn, item, now, TickStatus.SKIPPED, reason)
            tick = self._add_tick(conn, item, now, TickStatus.STARTED, "")
            run_id = str(uuid.uuid4())
            run_store.add_run(
                conn,
                RunRecord(
                    run_id=run_id,
                    location=item.location,
                    job_name=IMPLICIT_ASSET_JOB,
                    status=RunStatus.SUCCESS,
                    # a check-only run of the evaluated checks (their assets, their steps), as Dagster's sensor launches
                    asset_selection=tuple(key for key, _, _ in results),
                    step_selection=tuple(dict.fromkeys(item.steps[k] for k, _, _ in results if k in item.steps)),
                    run_config_json="{}",
                    tags={**TAGS, "dagster/sensor_name": item.sensor.name},
                    snapshot_id=item.snapshot_id,
                    created_at=now,
                    sensor_name=item.sensor.name,
                    run_key=f"freshness:{tick.tick_id}",
                    started_at=now,
                    ended_at=now,
                ),
            )
            event_store.add_events(conn, [event_store.event_record(e) for e in _events(run_id, now, results)])
            failed = sum(1 for _, r, _ in results if not r.passed)
            reason = f"evaluated {len(results)} freshness check(s): {len(results) - failed} passed, {failed} failed"
            return tick_store.update_tick(
                conn, tick.tick_id, status=TickStatus.SUCCESS, reason=reason, run_ids=[run_id]
            )

    def _add_tick(
        self, conn: Connection, item: FreshnessSensor, now: float, status: str, reason: str, error: str = ""
    ) -> TickRecord:
        return tick_store.add_tick(
            conn,
            location=item.location,
            name=item.sensor.name,
            kind=SENSOR,
            status=status,
            timestamp=now,
            reason=reason or None,
            error=error or None,
        )


def _events(
    run_id: str, now: float, results: list[tuple[str, freshness.CheckResult, str]]
) -> list[common_pb2.RunEvent]:
    events = [common_pb2.RunEvent(run_id=run_id, sequence=1, type=common_pb2.RUN_START, timestamp=now)]
    for key, result, severity in results:
        events.append(
            common_pb2.RunEvent(
                run_id=run_id,
                sequence=len(events) + 1,
                type=common_pb2.ASSET_CHECK_EVALUATION,
                timestamp=now,
                asset_key=common_pb2.AssetKey(path=key.split("/")),
                check_name=CHECK_NAME,
                check_passed=result.passed,
                check_severity=severity,
                message=result.description,
                metadata=result.metadata,
            )
        )
    events.append(
        common_pb2.RunEvent(run_id=run_id, sequence=len(events) + 1, type=common_pb2.RUN_SUCCESS, timestamp=now)
    )
    return events
