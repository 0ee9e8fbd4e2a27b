"""celery_executor: each step of a run is a Celery task, executed by `weir celery worker` processes.

Two halves live here, both free of any import of celery at module level (importing the sdk must not
need it):
- the run worker's side (`run_celery`): sends a task per ready step, watches the tasks, and emits the
  events each task returns, so the run worker journals them as it does for its own steps (the host
  stays the only writer to storage);
- the Celery worker's side (`execute_step_task`): rebuilds the run's plan from the location's code
  and executes one step in a forked child, exactly as the multiprocess executor does, returning the
  child's framed events (compute logs included) in the task result.

Delivery choice: tasks are acknowledged when a worker starts them (Celery's default, not acks_late).
A message whose worker dies before starting it is redelivered (nothing ran); a started task whose
worker dies is never redelivered, so a step cannot run twice behind the run worker's back. The task
reports a heartbeat through the result backend while its step runs; when the beats stop for
`heartbeat_timeout` seconds and the worker does not answer a ping either, the run worker fails the
step naming the lost worker, or sends a new attempt when the step's RetryPolicy allows. Task ids
are `run:step:attempt`, and only the current attempt's result is read, so a late result of an
abandoned attempt is never journaled: no event is stored twice. Events travel in the final result,
so a lost worker's partial events are lost with it; the failure event the run worker writes says so.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import os
import pickle
import selectors
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sdk.errors import WeirError
from sdk.events import ErrorInfo, Event
from sdk.execution.step import RunState, StepOutcome, skip_reason

TASK_NAME = "weir.execute_step"
QUEUE_TAG = "dagster-celery/queue"
PRIORITY_TAG = "dagster-celery/priority"
DEFAULT_QUEUE = "weir"
DEFAULT_BROKER = "pyamqp://guest@localhost//"
BEAT_SECONDS = 1.0
READY_STATES = frozenset({"SUCCESS", "FAILURE", "REVOKED"})
_HEADER = struct.Struct("!I")


class CeleryRunError(WeirError):
    """The run cannot use the Celery executor as configured (raised before any step is sent)."""


@dataclass(frozen=True)
class RunOrigin:
    """What a Celery worker needs to rebuild the run: the snapshot id the run worker executes and the
    run's request (job, selection, config, tags, partition, re-execution)."""

    snapshot_id: str
    request: dict[str, Any]
    storage_dir: str


_origin: contextvars.ContextVar[RunOrigin | None] = contextvars.ContextVar("weir_celery_origin", default=None)


@contextlib.contextmanager
def run_origin(snapshot_id: str, request: Mapping[str, Any], storage_dir: str) -> Iterator[None]:
    """Set by the run worker around execute_run, so that a celery_executor run can describe itself."""
    token = _origin.set(RunOrigin(snapshot_id, dict(request), os.path.abspath(storage_dir)))
    try:
        yield
    finally:
        _origin.reset(token)


def default_backend(broker: str) -> str:
    """Redis stores results itself; an AMQP broker sends them back as messages (rpc://)."""
    return broker if broker.startswith(("redis://", "rediss://")) else "rpc://"


def make_app(broker: str, backend: str | None, config_source: Mapping[str, Any] | None = None) -> Any:
    """A Celery app with Weir's settings; celery is imported here, never when the sdk is."""
    try:
        from celery import Celery  # type: ignore[import-untyped]
    except ImportError as exc:
        raise CeleryRunError(
            "celery_executor needs the celery package in the code location's environment: "
            "pip install 'weir[celery]' (or celery[redis]) there."
        ) from exc
    app = Celery("weir", broker=broker, backend=backend or default_backend(broker))
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=False,  # see the module docstring: a started step is never redelivered
        worker_prefetch_multiplier=1,
        task_track_started=False,
        broker_connection_retry_on_startup=True,
        result_extended=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,  # a step's process captures fd 1 and 2 itself (compute logs)
    )
    if broker.startswith(("redis://", "rediss://")):
        # A worker takes a message only for a free slot: one it held unacked while busy would wait out
        # Redis's visibility timeout (an hour) if the worker died, and would dodge a revoke.
        app.conf.worker_disable_prefetch = True
    if config_source:
        app.conf.update(dict(config_source))
    return app


# ---- the run worker's side ---------------------------------------------------------------------


@dataclass
class _InFlight:
    task_id: str
    attempt: int
    result: Any
    beat: Any = None
    beat_seen: float = field(default_factory=time.monotonic)
    worker: str = ""
    hostname: str = ""


def executor_config(job: Any, execution: Mapping[str, Any]) -> dict[str, Any]:
    """The executor definition's config, overridden by run config `execution: config:`."""
    base = dict(job.executor_def.config) if job.executor_def is not None else {}
    return {**base, **{k: v for k, v in execution.items() if k != "executor"}}


def run_celery(
    state: RunState, config: Mapping[str, Any], should_cancel: Callable[[], bool]
) -> tuple[dict[str, Any], bool]:
    """Send each ready step as a task; emit the events of each finished task; returns (outcomes, canceled)."""
    origin = _origin.get()
    if origin is None:
        raise CeleryRunError(
            "celery_executor runs a job's steps on Celery workers and so only under a code server's run "
            "worker (weir dev / weir host); execute_in_process and materialize run steps in this process."
        )
    broker = str(config.get("broker") or os.environ.get("WEIR_CELERY_BROKER") or DEFAULT_BROKER)
    app = make_app(broker, config.get("backend"), config.get("config_source"))
    timeout = float(config.get("heartbeat_timeout") or 30.0)
    runner = _Runner(state, origin, app, config, timeout)
    # No app.close() when run() raises (a cancel arrives as an exception raised wherever this thread
    # is): a connection left halfway through a frame would wait forever for the broker's answer to
    # its goodbye. The run worker ends with the run, and its sockets with it.
    result = runner.run(should_cancel)
    with contextlib.suppress(Exception):
        app.close()
    return result


class _Runner:
    def __init__(self, state: RunState, origin: RunOrigin, app: Any, config: Mapping[str, Any], timeout: float):
        self.state, self.origin, self.app, self.config, self.timeout = state, origin, app, config, timeout
        self.outcomes: dict[str, Any] = {}
        self.inflight: dict[str, _InFlight] = {}
        self.retry_at: dict[str, tuple[float, int]] = {}  # step -> (when, attempt) of a resend after a lost worker
        self.replies = _RpcReplies(app) if _is_rpc(app) else None

    def run(self, should_cancel: Callable[[], bool]) -> tuple[dict[str, Any], bool]:
        try:
            return self._loop(should_cancel)
        except BaseException:  # the run worker's cancel arrives as an exception raised in this thread
            if self.replies is not None:
                self.replies.abandon()
            self._revoke_all()
            raise
        finally:
            if self.replies is not None:
                self.replies.close()

    def _loop(self, should_cancel: Callable[[], bool]) -> tuple[dict[str, Any], bool]:
        pending = list(self.state.plan.order)
        while pending or self.inflight or self.retry_at:
            if should_cancel():
                self._revoke_all()
                return self.outcomes, True
            self._launch_ready(pending)
            if self.replies is not None:
                self.replies.drain()
            for key in list(self.inflight):
                self._poll(key)
            for key, (when, attempt) in list(self.retry_at.items()):
                if time.monotonic() >= when:
                    del self.retry_at[key]
                    self._send(key, attempt)
            time.sleep(0.1)
        return self.outcomes, False

    def _launch_ready(self, pending: list[str]) -> None:
        for key in list(pending):
            step = self.state.plan.steps[key]
            if any(up not in self.outcomes for up in step.upstream):
                continue
            pending.remove(key)
            reason = skip_reason(step, self.outcomes)
            if reason:
                self.state.event("STEP_SKIPPED", step_key=key, message=reason)
                self.outcomes[key] = "skipped"
                continue
            self._send(key, 0)

    def _send(self, key: str, attempt: int) -> None:
        step = self.state.plan.steps[key]
        tags = {**self.state.tags, **step.tags, **getattr(step.op, "tags", {})}
        queue = tags.get(QUEUE_TAG) or self.config.get("default_queue") or DEFAULT_QUEUE
        priority = tags.get(PRIORITY_TAG) or self.config.get("default_priority")
        task_id = f"{self.state.run_id}:{key}:{attempt}"
        payload = {
            **self.origin.request,
            "run_id": self.state.run_id,
            "step_key": key,
            "attempt": attempt,
            "snapshot_id": self.origin.snapshot_id,
            "storage_dir": self.origin.storage_dir,
        }
        result = self.app.send_task(
            TASK_NAME,
            args=[payload],
            task_id=task_id,
            queue=str(queue),
            priority=int(priority) if priority not in (None, "") else None,
        )
        self.inflight[key] = _InFlight(task_id, attempt, result)

    def _poll(self, key: str) -> None:
        flight = self.inflight[key]
        meta = self._meta(flight.task_id)  # one read per poll, beats included
        status = meta.get("status")
        if status == "SUCCESS":
            del self.inflight[key]
            self._finish(key, flight, meta["result"])
        elif status in ("FAILURE", "REVOKED"):
            del self.inflight[key]
            message = f'Step "{key}" failed on its Celery worker: {meta.get("result")}'
            self._fail(key, ErrorInfo("CeleryTaskFailed", message, ""), message)
        elif status == "RUNNING":
            info = meta.get("result") or {}
            beat = info.get("beat")
            if beat != flight.beat:
                flight.beat, flight.beat_seen = beat, time.monotonic()
                flight.hostname = str(info.get("hostname") or "")
                flight.worker = f"{flight.hostname} (pid {info.get('pid')})"
            elif time.monotonic() - flight.beat_seen > self.timeout:
                if self._answers(flight.hostname):  # alive, only slow to beat (a busy machine): wait on
                    flight.beat_seen = time.monotonic()
                else:
                    del self.inflight[key]
                    self._lost(key, flight)
        if status in READY_STATES and self.replies is not None:
            self.replies.latest.pop(flight.task_id, None)  # read: a late reply of it changes nothing
        elif status in ("SUCCESS", "FAILURE"):
            with contextlib.suppress(Exception):
                flight.result.forget()

    def _meta(self, task_id: str) -> Mapping[str, Any]:
        """The task's latest state and result (PENDING while nothing came back yet)."""
        if self.replies is not None:
            return self.replies.latest.get(task_id) or {"status": "PENDING", "result": None}
        meta: Mapping[str, Any] = self.app.backend.get_task_meta(task_id)
        return meta

    def _answers(self, hostname: str) -> bool:
        """Whether the worker answers a ping within a second (its consumer, not the step, replies)."""
        if not hostname:
            return False
        try:
            replies = self.app.control.ping(destination=[hostname], timeout=1.0)
        except Exception:
            return False
        return any(hostname in reply for reply in replies or [])

    def _finish(self, key: str, flight: _InFlight, result: Mapping[str, Any]) -> None:
        self.state.event(
            "ENGINE_EVENT",
            step_key=key,
            message=(
                f'Step "{key}" executed by Celery worker {result["hostname"]} (pid {result["pid"]}, '
                f"task {flight.task_id})."
            ),
        )
        buf = bytearray(base64.b64decode(result["frames"]))
        _drain(self.state, buf, key, self.outcomes)
        if key not in self.outcomes:
            message = (
                f'The process of step "{key}" on Celery worker {result["hostname"]} exited without a result '
                f"(status {result['status']})."
            )
            self._fail(key, ErrorInfo("StepProcessDied", message, ""), message)

    def _lost(self, key: str, flight: _InFlight) -> None:
        with contextlib.suppress(Exception):
            self.app.control.revoke(flight.task_id)
        step = self.state.plan.steps[key]
        policy = step.retry_policy
        message = (
            f'The Celery worker {flight.worker} executing step "{key}" (task {flight.task_id}) was lost: '
            f"no heartbeat for {self.timeout:g} s and no answer to a ping. The events of that attempt are "
            "lost with it."
        )
        if policy is not None and flight.attempt < policy.max_retries:
            wait = policy.delay_for_attempt(flight.attempt + 1)
            self.state.event(
                "ENGINE_EVENT",
                step_key=key,
                message=f"{message} Retrying (attempt {flight.attempt + 2} of {policy.max_retries + 1}).",
            )
            self.retry_at[key] = (time.monotonic() + wait, flight.attempt + 1)
            return
        self._fail(key, ErrorInfo("CeleryWorkerLost", message, ""), message)

    def _fail(self, key: str, error: ErrorInfo, message: str) -> None:
        self.state.event("STEP_FAILURE", step_key=key, message=message, error=error)
        self.outcomes[key] = StepOutcome(False, error=error)

    def _revoke_all(self) -> None:
        ids = [flight.task_id for flight in self.inflight.values()]
        if ids:
            # on a connection of its own: a cancel arrives as an exception raised wherever this thread
            # is, possibly halfway through reading a reply on a pooled connection, which is then unusable
            with contextlib.suppress(Exception), self.app.connection_for_write() as connection:
                self.app.control.revoke(ids, terminate=True, signal="SIGKILL", connection=connection)
        self.inflight.clear()
        self.retry_at.clear()


def _is_rpc(app: Any) -> bool:
    from celery.backends.rpc import RPCBackend  # type: ignore[import-untyped]

    return isinstance(app.backend, RPCBackend)


class _RpcReplies:
    """The rpc:// backend's replies (an AMQP broker's), read off the run's reply queue once per pass.

    The backend's own get_task_meta, asked task by task, reads the whole reply queue for each task,
    requeues the state it returns unless final, and buffers the other tasks' states in memory; that
    buffering has been reworked across Celery releases (5.7's rpc.py names a final state circulating
    forever and a stale buffered state served after the final one), and a step that reads RUNNING
    after its result came waits forever (a layered run once hung on RabbitMQ in CI). Here every reply
    is consumed once, in order, and a task's final state is never replaced."""

    def __init__(self, app: Any):
        self.app = app
        self.latest: dict[str, Mapping[str, Any]] = {}
        self._connection: Any = None  # a connection of its own, outside the app's pool
        self._queue: Any = None

    def drain(self) -> None:
        backend = self.app.backend
        if self._queue is None:
            self._connection = self.app.connection_for_read()
            self._queue = backend.binding(self._connection.default_channel)
            self._queue.declare()
        while (message := self._queue.get(accept=backend.accept, no_ack=True)) is not None:
            properties = getattr(message, "properties", None) or {}
            task_id = str(properties.get("correlation_id") or message.payload.get("task_id"))
            if self.latest.get(task_id, {}).get("status") not in READY_STATES:
                self.latest[task_id] = backend.meta_from_decoded(message.payload)

    def abandon(self) -> None:
        """Drop the connection without a word to the broker: an exception may have left it halfway
        through a frame, and a closing handshake would then wait forever for the broker's answer."""
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.collect()
        self._connection = self._queue = None

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.release()
        self._connection = self._queue = None


def _drain(state: RunState, buf: bytearray, step_key: str, outcomes: dict[str, Any]) -> None:
    from sdk.execution.multiprocess import _drain as drain_frames

    drain_frames(state, buf, step_key, outcomes)


# ---- the Celery worker's side ------------------------------------------------------------------


def _frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def build_state(
    defs: Any,
    payload: Mapping[str, Any],
    storage_dir: str,
    emit: Callable[[Event], None],
    instance: Callable[[str], Any] | None = None,
) -> RunState:
    """The run's state as the run worker built it: same job, plan, config and resources; `instance(run_id)`
    gives context.instance (the worker's code server serves it: `weir celery worker --code-server`)."""
    from sdk.execution.partitioned import key_range_from_tags
    from sdk.execution.plan import build_plan, select_steps
    from sdk.execution.resources import ResourceManager
    from sdk.execution.run_config import resolve_run_config
    from sdk.execution.run_instance import HostInstanceUnavailable
    from sdk.keys import AssetKey
    from sdk.resources import FilesystemIOManager
    from sdk.selection import AssetSelection

    selection = [AssetKey(tuple(k)) for k in payload.get("asset_selection") or []]
    if payload.get("job_name"):
        job = defs.resolve_job_def(payload["job_name"])
        if selection:
            job = defs.subset_job(job, selection)
    else:
        job = defs.implicit_job(AssetSelection.keys(*selection) if selection else None)
    resource_defs = {"io_manager": FilesystemIOManager(base_dir=storage_dir), **job.resource_defs}
    plan = build_plan(job, defs.asset_graph)
    if getattr(job, "op_selection", None) is not None:
        from sdk.execution.op_selection import restrict_plan

        plan = restrict_plan(plan, job.op_selection)
    if payload.get("step_selection") or payload.get("output_runs"):
        plan = select_steps(plan, payload.get("step_selection") or [], payload.get("output_runs") or {})
    from sdk.partitioned_config import job_config_for_run

    job_config = job_config_for_run(job.config, payload.get("partition_key"), job.name)
    resolved = resolve_run_config(plan, job_config, payload.get("run_config") or {}, set(resource_defs), job.graph)
    run_id, tags, partition_key = (
        payload["run_id"],
        {**job.run_tags, **payload.get("tags", {})},
        payload.get("partition_key"),
    )
    resources = ResourceManager(resource_defs, resolved.resource_configs, run_id)
    state = RunState(run_id, job, plan, tags, partition_key, emit, resolved.op_configs, resources)
    state.partition_key_range, state.asset_graph = key_range_from_tags(tags, partition_key), defs.asset_graph
    state.input_configs = resolved.input_configs  # unconnected inputs given in run config, as in the run worker
    state.instance = (
        instance(run_id)
        if instance is not None
        else HostInstanceUnavailable(
            "a step on a Celery worker started without --code-server (give the worker its location's code "
            "server: `weir celery worker --code-server HOST:PORT` with the server's token in WEIR_CODE_SERVER_TOKEN)"
        )
    )
    return state


def execute_step_task(
    defs: Any,
    payload: Mapping[str, Any],
    storage_dir: str,
    beat: Callable[[], None],
    revoked: Callable[[], bool],
    instance: Callable[[str], Any] | None = None,
) -> dict[str, Any]:
    """Execute one step in a forked child; returns its framed events (base64) for the run worker.

    `beat` is called about every second, from a thread of its own, from the start of the task until
    it returns (the task's heartbeat: rebuilding the run's plan under load can take seconds, and beats
    stop only when the worker does); when `revoked` turns true the child is killed and the step ends
    without a result."""
    with _beating(beat):
        return _execute_step(defs, payload, storage_dir, revoked, instance)


@contextlib.contextmanager
def _beating(beat: Callable[[], None]) -> Iterator[None]:
    """`beat()` now and about every BEAT_SECONDS until the block ends; the last beat is over before
    the block's result is stored, so no RUNNING state can land after it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(BEAT_SECONDS):
            with contextlib.suppress(Exception):  # a missed beat is the run worker's to judge
                beat()

    beat()
    thread = threading.Thread(target=loop, name="weir-step-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _execute_step(
    defs: Any,
    payload: Mapping[str, Any],
    storage_dir: str,
    revoked: Callable[[], bool],
    instance: Callable[[str], Any] | None,
) -> dict[str, Any]:
    from sdk.execution.capture import StepPipes
    from sdk.execution.multiprocess import _child
    from sdk.instance import current_instance

    buf = bytearray()

    def emit(event: Event) -> None:
        buf.extend(_frame(("event", event)))

    state = build_state(defs, payload, storage_dir, emit, instance)
    key = str(payload["step_key"])
    if key not in state.plan.steps:
        raise WeirError(f'Step "{key}" is not in the plan of run {payload["run_id"]} on this worker.')
    read_fd, write_fd = os.pipe()
    pipes = StepPipes(key, emit)
    with current_instance(state.instance):
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _die_with_parent()
            _child(state, key, write_fd, pipes)
    os.close(write_fd)
    pipes.in_parent()
    status = _collect(pid, read_fd, buf, revoked)
    pipes.salvage()
    return {
        "frames": base64.b64encode(bytes(buf)).decode("ascii"),
        "status": status,
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
    }


def _collect(pid: int, fd: int, buf: bytearray, revoked: Callable[[], bool]) -> int:
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        while True:
            if revoked():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if sel.select(timeout=0.2):
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                buf.extend(chunk)
    finally:
        sel.close()
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return status


def _die_with_parent() -> None:
    """The step's process ends with its worker (Linux): a killed worker leaves no step running behind."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
