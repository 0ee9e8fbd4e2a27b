"""The sensor loop: each running sensor is evaluated in its location every minimum_interval_seconds.

A sensor's cursor is the one left by its latest successful (SUCCESS or SKIPPED) tick, so a failed or
timed-out evaluation changes nothing and the next one starts from the same place. Runs are launched
with the identity (sensor, run key): a run key requested again, at any time in the sensor's life,
launches nothing. Whatever happens in user code, the loop records a tick and goes on.

A pass only queues the due sensors' evaluations in a long-lived pool (host/daemon/evaluations.py) and
returns: a sensor is evaluated at most once at a time, so a slow or hanging one delays only itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Engine

from host.config import SensorDaemonConfig
from host.daemon.evaluations import EvaluationPool, tick_output
from host.daemon.launch import Target, error_text, evaluation_failure, launch, launch_request
from host.daemon.leader import LeaderElector, LostLeadership
from host.daemon.sensor_inputs import finished_runs, new_materializations
from host.domain.instigators import SENSOR as KIND
from host.domain.instigators import current_cursor
from host.errors import ConfigError, WeirError
from host.locations.workspace import WorkspaceManager
from host.storage import instigators as tick_store
from host.storage import partitions as partition_store
from host.storage.records import InstigatorState, InstigatorStatus, TickRecord, TickStatus
from protos.keys import asset_key_str
from protos.weir.v1 import codeserver_pb2, snapshot_pb2

# Sensor kinds the host evaluates itself, never the code server (host/daemon/automation.py).
HOST_EVALUATED = (snapshot_pb2.AUTOMATION, snapshot_pb2.FRESHNESS_CHECKS)

log = logging.getLogger("weir.daemon.sensors")


@dataclass
class SensorItem:
    location: str
    sensor: snapshot_pb2.Sensor
    state: InstigatorState | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.location, self.sensor.name)

    @property
    def running(self) -> bool:
        if self.state is not None:
            return self.state.status == InstigatorStatus.RUNNING
        return self.sensor.default_status == snapshot_pb2.RUNNING


def list_sensors(engine: Engine, workspace: WorkspaceManager) -> list[SensorItem]:
    with engine.connect() as conn:
        states = {(s.location, s.name): s for s in tick_store.list_instigator_states(conn, kind=KIND)}
    items = []
    for handle in workspace.handles():
        snapshot = handle.state.snapshot
        for sensor in snapshot.sensors if snapshot is not None else ():
            if sensor.kind not in HOST_EVALUATED:  # evaluated on the host: host/daemon/automation.py
                items.append(SensorItem(handle.name, sensor, states.get((handle.name, sensor.name))))
    return items


@dataclass(frozen=True)
class _Outcome:
    status: TickStatus
    reason: str = ""
    run_ids: tuple[str, ...] = ()
    error: str | None = None
    cursor: str | None = None
    output: str | None = None  # what the evaluation printed


@dataclass
class SensorDaemon:
    engine: Engine
    workspace: WorkspaceManager
    config: SensorDaemonConfig
    clock: Callable[[], float] = time.time
    leader: LeaderElector | None = None
    on_launch: Callable[[], None] | None = None
    _last_tick: dict[tuple[str, str], float] = field(default_factory=dict)
    _last_run_key: dict[tuple[str, str], str] = field(default_factory=dict)
    _pool: EvaluationPool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pool = EvaluationPool(self.config.max_concurrent_evaluations, "weir-sensor-eval")

    def reset(self) -> None:
        """Forget cached tick times: another leader may have evaluated sensors meanwhile."""
        self._last_tick.clear()

    def tick(self) -> int:
        """One pass: queue the evaluations of the due sensors and return how many, without waiting for
        them. A sensor whose evaluation is still in flight is not due, so a slow one delays only itself.
        Raises the error of an evaluation that failed since the last pass (the loop logs and shows it)."""
        if self.leader is not None and not self.leader.is_leader():
            return 0
        now = self.clock()
        queued = 0
        for item in list_sensors(self.engine, self.workspace):
            if not item.running or self._pool.busy(item.key):
                continue
            last = self._last_tick_time(item)
            if last is None or now - last >= item.sensor.minimum_interval_seconds:
                self._last_tick[item.key] = now
                queued += self._pool.submit(item.key, partial(self._evaluate_in_pool, item, now))
        self._pool.raise_errors()
        return queued

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the evaluations in flight (at most timeout seconds); returns whether all ended."""
        return self._pool.wait(timeout)

    def stop(self) -> None:
        """Queue no more evaluations and drop the queued ones; running ones end with their call."""
        self._pool.close()

    def _evaluate_in_pool(self, item: SensorItem, now: float) -> None:
        try:
            self.evaluate(item, now)
        except LostLeadership:
            log.warning(
                "lost the daemon lease while evaluating sensor %r of location %r; the new leader goes on",
                item.sensor.name,
                item.location,
            )
            self.reset()

    def _last_tick_time(self, item: SensorItem) -> float | None:
        if item.key not in self._last_tick:
            with self.engine.connect() as conn:
                ticks = tick_store.list_ticks(conn, item.location, item.sensor.name, KIND, limit=1)
            if ticks:
                self._last_tick[item.key] = ticks[0].timestamp
        return self._last_tick.get(item.key)

    def evaluate(self, item: SensorItem, now: float) -> TickRecord:
        """Evaluate one sensor now and record its tick."""
        self._last_tick[item.key] = now
        cursor = current_cursor(self.engine, item.location, item.sensor.name)
        try:
            outcome = self._outcome(item, cursor, now)
        except WeirError as exc:
            outcome = _Outcome(TickStatus.FAILURE, f"could not evaluate sensor {item.sensor.name!r}: {exc}")
        return self._record(item, outcome, now)

    def preview(self, item: SensorItem, cursor: str | None, now: float) -> codeserver_pb2.EvaluationReply:
        """Evaluate the sensor as a tick would, from `cursor`, launching nothing and storing nothing."""
        timeout = self.config.evaluation_timeout_seconds
        request = codeserver_pb2.EvaluateSensorRequest(
            sensor_name=item.sensor.name,
            cursor=cursor or "",
            last_tick_time=self._last_tick.get(item.key, 0.0),
            timeout_seconds=timeout,
            evaluation_time=now,
        )
        host_cursor, nothing_new = self._history(item, request, cursor, now)
        if nothing_new:
            return codeserver_pb2.EvaluationReply(
                skip_reason=nothing_new, cursor=host_cursor or "", has_cursor=host_cursor is not None
            )
        reply = self.workspace.get(item.location).client.evaluate_sensor(request, timeout)
        if item.sensor.kind in (snapshot_pb2.ASSET, snapshot_pb2.RUN_STATUS) and not reply.HasField("error"):
            reply.cursor, reply.has_cursor = host_cursor or "", host_cursor is not None
        return reply

    def _outcome(self, item: SensorItem, cursor: str | None, now: float) -> _Outcome:
        sensor = item.sensor
        timeout = self.config.evaluation_timeout_seconds
        last = self._last_tick.get(item.key, 0.0)
        request = codeserver_pb2.EvaluateSensorRequest(
            sensor_name=sensor.name,
            cursor=cursor or "",
            last_tick_time=last,
            timeout_seconds=timeout,
            last_run_key=self._last_run_key.get(item.key, ""),
            evaluation_time=now,
        )
        host_cursor, nothing_new = self._history(item, request, cursor, now)
        if nothing_new:
            return _Outcome(TickStatus.SKIPPED, nothing_new, cursor=host_cursor)
        client = self.workspace.get(item.location).client
        reply = client.evaluate_sensor(request, timeout)
        what = f"sensor {sensor.name!r} of location {item.location!r}"
        output = tick_output(reply.output)
        if reply.HasField("error") or reply.timed_out:
            return _Outcome(
                TickStatus.FAILURE,
                evaluation_failure(reply.error, reply.timed_out, what, timeout),
                error=error_text(reply.error),
                output=output,
            )
        refused = self._store_partitions(reply.dynamic_partitions_requests)
        if refused:
            return _Outcome(
                TickStatus.FAILURE,
                f"{what} requested a dynamic partition that cannot be stored: {refused}",
                output=output,
            )
        run_ids, duplicates, errors = self._launch_all(item, reply)
        if errors:
            return _Outcome(TickStatus.FAILURE, "; ".join(errors), run_ids=tuple(run_ids), output=output)
        if sensor.kind in (snapshot_pb2.ASSET, snapshot_pb2.RUN_STATUS):
            new_cursor = host_cursor
        else:
            new_cursor = reply.cursor if reply.has_cursor else cursor
        reason = reply.skip_reason or ("" if run_ids or duplicates else "the sensor requested no runs")
        if duplicates:
            reason = (f"{reason}; " if reason else "") + (
                f"skipped {duplicates} run request(s) whose run key this sensor already used"
            )
        status = TickStatus.SUCCESS if run_ids else TickStatus.SKIPPED
        return _Outcome(status, reason, tuple(run_ids), cursor=new_cursor, output=output)

    def _store_partitions(self, changes: Sequence[codeserver_pb2.DynamicPartitionsRequest]) -> str:
        """Store the dynamic partitions a sensor adds or deletes before its runs launch, since they may be
        for the new keys (as in Dagster); a key storage refuses stores none of them: its reason."""
        if not changes:
            return ""
        try:
            with self.engine.begin() as conn:
                if self.leader is not None:
                    self.leader.check(conn)
                for change in changes:
                    partition_store.add_dynamic_partitions(conn, change.partitions_def_name, change.add_keys)
                    for key in change.delete_keys:
                        partition_store.delete_dynamic_partition(conn, change.partitions_def_name, key)
        except ConfigError as exc:
            return str(exc)
        return ""

    def _history(
        self, item: SensorItem, request: codeserver_pb2.EvaluateSensorRequest, cursor: str | None, now: float
    ) -> tuple[str | None, str]:
        """Fill the request with what an asset or run status sensor needs; (host cursor, skip reason)."""
        sensor = item.sensor
        limit = self.config.max_items_per_tick
        with self.engine.connect() as conn:
            if sensor.kind == snapshot_pb2.ASSET:
                keys = [asset_key_str(k) for k in sensor.monitored_assets]
                events, new_cursor = new_materializations(conn, keys, cursor, limit)
                request.materializations.extend(events)
                return new_cursor, "" if events else f"no new materializations of {', '.join(keys)}"
            if sensor.kind == snapshot_pb2.RUN_STATUS:
                runs, new_cursor = finished_runs(
                    conn,
                    item.location,
                    list(sensor.monitored_run_statuses),
                    list(sensor.monitored_jobs),
                    cursor,
                    now,
                    limit,
                )
                request.runs.extend(runs)
                statuses = "/".join(sensor.monitored_run_statuses) or "any status"
                return new_cursor, "" if runs else f"no new runs in {statuses}"
        return None, ""

    def _launch_all(self, item: SensorItem, reply: codeserver_pb2.EvaluationReply) -> tuple[list[str], int, list[str]]:
        sensor = item.sensor
        target = Target(tuple(sensor.job_names), tuple(sensor.asset_selection))
        run_ids: list[str] = []
        duplicates = 0
        errors: list[str] = []
        for request in reply.run_requests:
            try:
                launch_req = launch_request(item.location, request, target, f"sensor {sensor.name!r}", {})
                if self.leader is not None:
                    with self.engine.begin() as conn:
                        self.leader.check(conn)
                launched = launch(
                    self.engine,
                    self.workspace,
                    launch_req,
                    now=self.clock(),
                    identity={"sensor_name": sensor.name, "run_key": request.run_key or None},
                )
            except WeirError as exc:
                errors.append(f"could not launch a run: {exc}")
                continue
            if launched.duplicate:
                duplicates += 1
                continue
            run_ids.append(launched.run_id)
            if request.run_key:
                self._last_run_key[item.key] = request.run_key
        if run_ids and self.on_launch is not None:
            self.on_launch()
        return run_ids, duplicates, errors

    def _record(self, item: SensorItem, outcome: _Outcome, now: float) -> TickRecord:
        with self.engine.begin() as conn:
            if self.leader is not None:
                self.leader.check(conn)
            return tick_store.add_tick(
                conn,
                location=item.location,
                name=item.sensor.name,
                kind=KIND,
                status=outcome.status,
                timestamp=now,
                reason=outcome.reason or None,
                run_ids=outcome.run_ids,
                error=outcome.error,
                cursor=outcome.cursor if outcome.status != TickStatus.FAILURE else None,
                output=outcome.output,
            )
