"""The scheduler loop: cron evaluated on the host, user functions called only for due slots.

A pass looks at every running schedule. Most are not due, which costs one comparison against a
cached next slot. For a due schedule the pass lists the slots since the last one handled, applies the
catch-up policy, and handles each slot as a tick: the tick is stored STARTED (unique per schedule and
logical time, so a second attempt finds the first), the schedule is evaluated (in its location, or on
the host when it has no function), the runs are launched with the identity (schedule, logical time,
run key), and the tick ends SUCCESS, SKIPPED or FAILURE. A STARTED tick left by a crash is resumed.

A schedule function is user code that may be slow: its ticks are handled in a long-lived pool beside
the pass (host/daemon/evaluations.py), one evaluation per schedule at a time, so it delays only its own
schedule. Slots that come due meanwhile are handled when it is done, by the catch-up policy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Final, Literal

from sqlalchemy import Connection, Engine

from host.config import SchedulerConfig
from host.daemon.evaluations import EvaluationPool, tick_output
from host.daemon.launch import Target, error_text, evaluation_failure, launch, launch_request
from host.daemon.leader import LeaderElector, LostLeadership
from host.domain.cron import CronError, CronSchedule
from host.errors import WeirError
from host.locations.workspace import WorkspaceManager
from host.storage import instigators as tick_store
from host.storage.errors import DuplicateTickError
from host.storage.records import InstigatorKind, InstigatorState, InstigatorStatus, RunRecord, TickRecord, TickStatus
from protos.weir.v1 import codeserver_pb2, common_pb2, snapshot_pb2

log = logging.getLogger("weir.daemon.scheduler")

KIND = InstigatorKind.SCHEDULE
# A slot of a schedule without a function: decided by the host and recorded once, with its result.
DIRECT: Final = "DIRECT"
MISSED = "missed while the scheduler was down or this schedule's previous evaluation was still running"


@dataclass(frozen=True)
class SlotPlan:
    """What to do with one due slot: evaluate it, or record it SKIPPED with a reason."""

    logical_time: float
    evaluate: bool
    reason: str = ""


def plan_slots(slots: list[float], now: float, config: SchedulerConfig) -> list[SlotPlan]:
    """Apply the catch-up policy to the due slots (ascending); every slot gets a plan."""
    if not slots:
        return []
    policy = config.catch_up
    if policy == "all":
        keep = set(slots[-config.max_catch_up_ticks :])
        why = f"{MISSED}; catch_up: all runs at most the newest {config.max_catch_up_ticks} missed slots"
    elif policy == "none":
        newest = slots[-1]
        keep = {newest} if now - newest <= config.late_after_seconds else set()
        why = f"{MISSED}; catch_up: none runs no slot found more than {config.late_after_seconds:g} s late"
    else:
        keep = {slots[-1]}
        why = f"{MISSED}; catch_up: latest runs only the newest missed slot"
    return [SlotPlan(slot, slot in keep, "" if slot in keep else why) for slot in slots]


@lru_cache(maxsize=8192)
def _cron(expressions: tuple[str, ...], timezone: str) -> CronSchedule:
    """Parsing is cached: a pass over many schedules only compares times."""
    return CronSchedule(expressions, timezone)


def iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).isoformat(timespec="seconds")


@dataclass
class _Known:
    """What the scheduler remembers about one schedule between passes."""

    cron: CronSchedule
    started_at: float
    cursor: float  # the newest slot handled (or the moment the schedule started)
    next_due: float | None
    resume: list[float] = field(default_factory=list)  # STARTED ticks left by a crash, to finish first


@dataclass(frozen=True)
class _Outcome:
    status: TickStatus
    reason: str = ""
    error: str | None = None
    run_ids: list[str] = field(default_factory=list)
    output: str | None = None  # what the schedule function printed


@dataclass
class ScheduleItem:
    location: str
    schedule: snapshot_pb2.Schedule
    state: InstigatorState | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.location, self.schedule.name)

    @property
    def running(self) -> bool:
        if self.state is not None:
            return self.state.status == InstigatorStatus.RUNNING
        return self.schedule.default_status == snapshot_pb2.RUNNING


@dataclass(frozen=True)
class _Work:
    """One tick a pass records: STARTED (to evaluate), SKIPPED (with the reason) or DIRECT."""

    item: ScheduleItem
    logical_time: float
    status: TickStatus | Literal["DIRECT"]
    reason: str = ""


def list_schedules(engine: Engine, workspace: WorkspaceManager) -> list[ScheduleItem]:
    """Every schedule of every location with a snapshot, with its stored state (one query)."""
    with engine.connect() as conn:
        states = {(s.location, s.name): s for s in tick_store.list_instigator_states(conn, kind=KIND)}
    items = []
    for handle in workspace.handles():
        snapshot = handle.state.snapshot
        for schedule in snapshot.schedules if snapshot is not None else ():
            items.append(ScheduleItem(handle.name, schedule, states.get((handle.name, schedule.name))))
    return items


@dataclass
class Scheduler:
    engine: Engine
    workspace: WorkspaceManager
    config: SchedulerConfig
    clock: Callable[[], float] = time.time
    leader: LeaderElector | None = None
    on_launch: Callable[[], None] | None = None
    _known: dict[tuple[str, str], _Known] = field(default_factory=dict)
    _first_seen: dict[tuple[str, str], float] = field(default_factory=dict)
    _pool: EvaluationPool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pool = EvaluationPool(self.config.max_concurrent_evaluations, "weir-schedule-eval")

    def reset(self) -> None:
        """Forget cached cursors: another leader may have handled slots meanwhile."""
        self._known.clear()

    def tick(self) -> int:
        """One pass; returns how many ticks were recorded or resumed. Raises the error of a schedule
        function's tick that failed since the last pass (the loop logs and shows it)."""
        now = self.clock()
        items = [item for item in list_schedules(self.engine, self.workspace) if item.running]
        for item in items:
            self._first_seen.setdefault(item.key, now)
        if self.leader is not None and not self.leader.is_leader():
            return 0
        try:
            work = [w for item in items if not self._pool.busy(item.key) for w in self._due_work(item, now)]
            if work:
                self._start(self._record_ticks(work, now), now)
        except LostLeadership:
            log.warning("lost the daemon lease during a scheduler pass; the new leader goes on")
            self.reset()
            return 0
        except Exception:
            self.reset()  # cursors were advanced in memory; storage says what was really done
            raise
        self._pool.raise_errors()
        return len(work)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the schedule functions in flight (at most timeout seconds); returns whether all ended."""
        return self._pool.wait(timeout)

    def stop(self) -> None:
        """Queue no more evaluations and drop the queued ones; running ones end with their call."""
        self._pool.close()

    def _start(self, started: list[tuple[_Work, TickRecord | None]], now: float) -> None:
        """Finish the ticks decided on the host now; queue each schedule function's ticks in the pool."""
        calls: dict[tuple[str, str], list[tuple[_Work, TickRecord | None]]] = {}
        for pair in started:
            if pair[0].item.schedule.has_function:
                calls.setdefault(pair[0].item.key, []).append(pair)
        self._handle([pair for pair in started if not pair[0].item.schedule.has_function], now)
        for key, pairs in calls.items():
            self._pool.submit(key, partial(self._handle_in_pool, key, pairs, now))

    def _handle(self, started: list[tuple[_Work, TickRecord | None]], now: float) -> None:
        """Evaluate the slots, launch what they ask for, and finish their ticks in one transaction."""
        if started:
            outcomes = [(w, tick, self._run_tick(w, tick, self._evaluation(w))) for w, tick in started]
            self._finish_all(outcomes, now)

    def _handle_in_pool(self, key: tuple[str, str], started: list[tuple[_Work, TickRecord | None]], now: float) -> None:
        try:
            self._handle(started, now)
        except LostLeadership:
            log.warning(
                "lost the daemon lease while evaluating schedule %r of location %r; the new leader goes on",
                key[1],
                key[0],
            )
            self.reset()
        except Exception:
            self._known.pop(key, None)  # its STARTED ticks stay in storage and are resumed by a later pass
            raise

    def _known_for(self, item: ScheduleItem, now: float) -> _Known | None:
        """The cached cursor, rebuilt when the schedule changed, was restarted, or is new to this leader."""
        started_at = item.state.updated_at if item.state is not None else self._first_seen[item.key]
        try:
            cron = _cron(tuple(item.schedule.cron_schedules), item.schedule.execution_timezone)
        except CronError as exc:
            log.warning("schedule %r in %r cannot run: %s", item.schedule.name, item.location, exc)
            return None
        known = self._known.get(item.key)
        if known is not None and known.cron == cron and known.started_at == started_at:
            return known
        with self.engine.connect() as conn:
            latest = tick_store.list_ticks(conn, item.location, item.schedule.name, KIND, limit=1)
            unfinished = tick_store.list_ticks(
                conn, item.location, item.schedule.name, KIND, statuses=(TickStatus.STARTED,), limit=100
            )
        # Started by a person: from that moment on. Running by default: from its newest tick (so
        # downtime is caught up), or from when this host first saw it when it has never ticked.
        cursor = started_at
        if latest and latest[0].logical_time is not None:
            last = latest[0].logical_time
            cursor = max(cursor, last) if item.state is not None else last
        resume = sorted(t.logical_time for t in unfinished if t.logical_time is not None)
        known = _Known(cron, started_at, cursor, cron.next_after(cursor), resume)
        self._known[item.key] = known
        return known

    def _due_work(self, item: ScheduleItem, now: float) -> list[_Work]:
        """The ticks this pass records for one schedule; advances its cached cursor."""
        known = self._known_for(item, now)
        if known is None or (not known.resume and (known.next_due is None or known.next_due > now)):
            return []
        work = [_Work(item, slot, TickStatus.STARTED) for slot in known.resume]
        known.resume = []
        limit = self.config.max_missed_ticks + self.config.max_catch_up_ticks
        slots, truncated, next_due = known.cron.due(known.cursor, now, limit)
        if truncated:
            first = known.cron.next_after(known.cursor)
            if first is not None and first < slots[0]:
                reason = (
                    f"this slot and every slot after it until {iso(slots[0])} were missed while the "
                    f"scheduler was not running (more than max_missed_ticks={self.config.max_missed_ticks})"
                )
                work.append(_Work(item, first, TickStatus.SKIPPED, reason))
        # A function is user code that may be slow: its tick shows STARTED while it runs. A schedule
        # without one is decided here, and its tick is recorded once, with the result.
        evaluate: TickStatus | Literal["DIRECT"] = TickStatus.STARTED if item.schedule.has_function else DIRECT
        for plan in plan_slots(slots, now, self.config):
            work.append(_Work(item, plan.logical_time, evaluate if plan.evaluate else TickStatus.SKIPPED, plan.reason))
        if slots:
            known.cursor = slots[-1]
        known.next_due = next_due
        return work

    def _record_ticks(self, work: list[_Work], now: float) -> list[tuple[_Work, TickRecord | None]]:
        """One transaction for the pass: SKIPPED ticks as they are, STARTED ones (new or resumed) to run,
        DIRECT ones to run before anything is recorded."""
        started: list[tuple[_Work, TickRecord | None]] = [(w, None) for w in work if w.status == DIRECT]
        with self.engine.begin() as conn:
            if self.leader is not None:
                self.leader.check(conn)
            for w in work:
                if w.status == DIRECT:
                    continue
                name = w.item.schedule.name
                try:
                    tick = tick_store.add_tick(
                        conn,
                        location=w.item.location,
                        name=name,
                        kind=KIND,
                        status=w.status,
                        timestamp=now,
                        logical_time=w.logical_time,
                        reason=w.reason or None,
                    )
                except DuplicateTickError:  # recorded by an earlier attempt: finish it if it never was
                    found = tick_store.get_schedule_tick(conn, w.item.location, name, w.logical_time)
                    if found is None or found.status != TickStatus.STARTED:
                        continue
                    tick = found
                if tick.status == TickStatus.STARTED:
                    started.append((w, tick))
        return started

    def _evaluation(self, w: _Work) -> _Evaluation:
        try:
            return self._evaluate(w.item, w.logical_time)
        except _EvaluationFailed as failed:
            return failed

    def _run_tick(self, work: _Work, tick: TickRecord | None, evaluation: _Evaluation) -> _Outcome:
        """Launch what one slot's evaluation asked for. Safe to repeat: the runs' identities are unique."""
        output = tick_output(evaluation.output)
        if isinstance(evaluation, _EvaluationFailed):
            return _Outcome(TickStatus.FAILURE, evaluation.reason, error=evaluation.error, output=output)
        if not evaluation.requests:
            reason = evaluation.skip_reason or "the schedule function requested no runs"
            return _Outcome(TickStatus.SKIPPED, reason, output=output)
        known_runs = list(tick.run_ids) if tick is not None else []
        run_ids, errors = self._launch_all(work.item, work.logical_time, evaluation.requests, known_runs)
        if errors:
            return _Outcome(TickStatus.FAILURE, "; ".join(errors), run_ids=run_ids, output=output)
        return _Outcome(TickStatus.SUCCESS, "", run_ids=run_ids, output=output)

    def _finish_all(self, outcomes: list[tuple[_Work, TickRecord | None, _Outcome]], now: float) -> None:
        with self.engine.begin() as conn:
            if self.leader is not None:
                self.leader.check(conn)
            for work, tick, outcome in outcomes:
                if tick is None:  # DIRECT: recorded now, unless an earlier attempt recorded it
                    tick = self._add_final(conn, work, outcome, now)
                if tick is not None:
                    tick_store.update_tick(
                        conn,
                        tick.tick_id,
                        status=outcome.status,
                        reason=outcome.reason or None,
                        error=outcome.error,
                        run_ids=outcome.run_ids,
                        output=outcome.output,
                    )

    def _add_final(self, conn: Connection, work: _Work, outcome: _Outcome, now: float) -> TickRecord | None:
        """Record a DIRECT tick with its result; None once stored. An unfinished tick of the same slot
        (left by a crash) is returned to be finished."""
        schedule = work.item.schedule
        try:
            tick_store.add_tick(
                conn,
                location=work.item.location,
                name=schedule.name,
                kind=KIND,
                status=outcome.status,
                timestamp=now,
                logical_time=work.logical_time,
                reason=outcome.reason or None,
                run_ids=outcome.run_ids,
                error=outcome.error,
                output=outcome.output,
            )
            return None
        except DuplicateTickError:
            found = tick_store.get_schedule_tick(conn, work.item.location, schedule.name, work.logical_time)
            return found if found is not None and found.status == TickStatus.STARTED else None

    def preview(self, item: ScheduleItem, slot: float) -> codeserver_pb2.EvaluationReply:
        """Evaluate the schedule for the tick at `slot` as the scheduler would, launching nothing."""
        try:
            evaluated = self._evaluate(item, slot)
        except _EvaluationFailed as failed:
            return codeserver_pb2.EvaluationReply(
                error=common_pb2.UserCodeError(
                    type="EvaluationFailed", message=failed.reason, traceback=failed.error or ""
                ),
                output=failed.output,
            )
        return codeserver_pb2.EvaluationReply(
            run_requests=evaluated.requests, skip_reason=evaluated.skip_reason, output=evaluated.output
        )

    def _evaluate(self, item: ScheduleItem, slot: float) -> _Evaluated:
        schedule = item.schedule
        if not schedule.has_function:
            direct = common_pb2.RunRequest(
                job_name=schedule.job_name,
                asset_selection=schedule.asset_selection,
                run_config_json=schedule.run_config_json or "{}",
                tags=schedule.tags,
            )
            return _Evaluated([direct])
        timeout = self.config.evaluation_timeout_seconds
        what = f"schedule {schedule.name!r} of location {item.location!r}"
        request = codeserver_pb2.EvaluateScheduleRequest(
            schedule_name=schedule.name, scheduled_time=slot, timeout_seconds=timeout
        )
        try:
            reply = self.workspace.get(item.location).client.evaluate_schedule(request, timeout)
        except WeirError as exc:
            raise _EvaluationFailed(f"could not evaluate {what}: {exc}") from None
        if reply.HasField("error") or reply.timed_out:
            raise _EvaluationFailed(
                evaluation_failure(reply.error, reply.timed_out, what, timeout), error_text(reply.error), reply.output
            )
        return _Evaluated(list(reply.run_requests), reply.skip_reason, reply.output)

    def _launch_all(
        self, item: ScheduleItem, slot: float, requests: list[common_pb2.RunRequest], run_ids: list[str]
    ) -> tuple[list[str], list[str]]:
        schedule = item.schedule
        target = Target((schedule.job_name,) if schedule.job_name else (), tuple(schedule.asset_selection))
        errors: list[str] = []
        for request in requests:
            key = request.run_key
            try:
                launch_req = launch_request(item.location, request, target, f"schedule {schedule.name!r}", {})
                launched = launch(
                    self.engine,
                    self.workspace,
                    launch_req,
                    now=self.clock(),
                    identity={"schedule_name": schedule.name, "logical_time": slot, "run_key": key or None},
                    matches=partial(_same_slot, schedule.name, slot, key),
                )
            except WeirError as exc:
                errors.append(f"could not launch a run: {exc}")
                continue
            if launched.run_id and launched.run_id not in run_ids:
                run_ids.append(launched.run_id)
        if run_ids and self.on_launch is not None:
            self.on_launch()
        return run_ids, errors


@dataclass(frozen=True)
class _Evaluated:
    """What a schedule asked for at one slot, and what its function printed meanwhile."""

    requests: list[common_pb2.RunRequest]
    skip_reason: str = ""
    output: str = ""


class _EvaluationFailed(Exception):
    def __init__(self, reason: str, error: str | None = None, output: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.output = output


_Evaluation = _Evaluated | _EvaluationFailed


def _same_slot(name: str, slot: float, run_key: str, run: RunRecord) -> bool:
    """Whether a stored run is the one this schedule's slot (and run key) launched before."""
    return run.schedule_name == name and run.logical_time == slot and (run.run_key or "") == run_key
