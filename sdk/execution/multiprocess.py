"""The multiprocess executor: each step in a child forked from this already-imported process.

Forking (not spawning) is the point: a step pays a fork, not a fresh interpreter and a re-import of
the framework and the user's code. Children send their events back through a pipe; only the parent
calls on_event, so the caller's journal has a single writer. When the run captures output, a child
captures its own fd 1 and 2 (capture.StepPipes) and sends the COMPUTE_LOG events with its others.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import selectors
import signal
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

from sdk.events import ErrorInfo, Event
from sdk.execution.capture import StepPipes
from sdk.execution.dynamic import expand, resolve_collects, settle, skip_template
from sdk.execution.resources import ResourceManager
from sdk.execution.step import RunState, StepOutcome, execute_step, skip_reason

_HEADER = struct.Struct("!I")


def _write(fd: int, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _child(state: RunState, step_key: str, fd: int, pipes: StepPipes | None) -> None:
    """Runs in the forked child: execute one step with its own resources, report, and exit hard."""
    code = 0
    try:

        def send(event: Event) -> None:
            try:
                _write(fd, ("event", event))
            except (pickle.PicklingError, TypeError, AttributeError):
                _write(
                    fd,
                    (
                        "event",
                        Event(
                            event.type,
                            event.timestamp,
                            event.step_key,
                            event.message,
                            event.asset_key,
                            event.partition_key,
                            {},
                            event.error,
                        ),
                    ),
                )

        capture = pipes.capture_in_child(send) if pipes is not None else None
        with capture if capture is not None else contextlib.nullcontext():
            _execute_in_child(state, step_key, fd, capture.emit if capture is not None else send)
    except BaseException:
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _execute_in_child(state: RunState, step_key: str, fd: int, emit: Callable[[Event], None]) -> None:
    state.emit = emit
    state.resources = ResourceManager(state.resources.defs, state.resources.configs, state.run_id)
    try:
        outcome = execute_step(state, state.plan.steps[step_key])
    finally:
        for key, err in state.resources.teardown():
            emit(
                Event(
                    "ENGINE_EVENT",
                    time.time(),
                    step_key=step_key,
                    error=ErrorInfo.from_exception(err),
                    message=f'Teardown of resource "{key}" failed: {err}',
                )
            )
    _write(fd, ("outcome", outcome.success, sorted(outcome.outputs), outcome.error, outcome.mapping_keys))


def run_multiprocess(
    state: RunState, max_concurrent: int, should_cancel: Callable[[], bool], capture_output: bool = False
) -> tuple[dict[str, Any], bool]:
    """Each ready step in a forked child, at most max_concurrent at once; with capture_output, what a
    child writes to fd 1 and 2 becomes its step's COMPUTE_LOG events."""
    plan = state.plan
    outcomes: dict[str, Any] = {}
    pending = list(plan.order)
    running: dict[int, tuple[str, int, bytearray]] = {}  # fd -> (step key, pid, buffer)
    outputs: dict[int, StepPipes] = {}  # fd -> the child's output pipes, when captured
    sel = selectors.DefaultSelector()
    canceled = False
    try:
        while pending or running:
            if should_cancel():
                canceled = True
                break
            _launch_ready(
                state, pending, running, outcomes, max(1, max_concurrent), sel, outputs if capture_output else None
            )
            if not running:
                if pending:
                    continue
                break
            for selkey, _ in sel.select(timeout=0.2):
                fd = selkey.fd
                chunk = os.read(fd, 1 << 16)
                step_key, pid, buf = running[fd]
                if chunk:
                    buf.extend(chunk)
                    _drain(state, buf, step_key, outcomes)
                    continue
                sel.unregister(fd)
                os.close(fd)
                del running[fd]
                _, status = os.waitpid(pid, 0)
                if fd in outputs:
                    outputs.pop(fd).salvage()
                if step_key not in outcomes:
                    message = f'The process of step "{step_key}" exited without a result (status {status}).'
                    error = ErrorInfo("StepProcessDied", message, "")
                    state.event("STEP_FAILURE", step_key=step_key, message=message, error=error)
                    outcomes[step_key] = StepOutcome(False, error=error)
    finally:
        for fd, (_key, pid, _buf) in list(running.items()):
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
            sel.unregister(fd)
            os.close(fd)
            if fd in outputs:
                outputs.pop(fd).salvage()
        sel.close()
    return outcomes, canceled


def _launch_ready(
    state: RunState,
    pending: list[str],
    running: dict,
    outcomes: dict[str, Any],
    limit: int,
    sel: selectors.BaseSelector,
    outputs: dict[int, StepPipes] | None,
) -> None:
    in_flight = {key for key, _pid, _buf in running.values()}
    settle(state, outcomes)
    for key in list(pending):
        if len(running) >= limit:
            return
        step = state.plan.steps[key]
        if any(up not in outcomes for up in step.upstream):
            continue
        pending.remove(key)
        if step.mapped_root is not None:  # a template: its steps, one per dynamic value, run next
            reason = skip_template(state, key, outcomes)
            if reason:
                state.event("STEP_SKIPPED", step_key=key, message=reason)
                outcomes[key] = "skipped"
            pending[:0] = expand(state, key, outcomes)
            settle(state, outcomes)
            continue
        reason = skip_reason(step, outcomes)
        if reason:
            state.event("STEP_SKIPPED", step_key=key, message=reason)
            outcomes[key] = "skipped"
            continue
        resolve_collects(state, step, outcomes)
        if key in in_flight:
            continue
        read_fd, write_fd = os.pipe()
        pipes = StepPipes(key, state.emit) if outputs is not None else None
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(state, key, write_fd, pipes)
        os.close(write_fd)
        running[read_fd] = (key, pid, bytearray())
        if pipes is not None and outputs is not None:
            pipes.in_parent()
            outputs[read_fd] = pipes
        sel.register(read_fd, selectors.EVENT_READ)


def _drain(state: RunState, buf: bytearray, step_key: str, outcomes: dict[str, Any]) -> None:
    while len(buf) >= _HEADER.size:
        (size,) = _HEADER.unpack_from(buf)
        if len(buf) < _HEADER.size + size:
            return
        message = pickle.loads(bytes(buf[_HEADER.size : _HEADER.size + size]))
        del buf[: _HEADER.size + size]
        if message[0] == "event":
            state.emit(message[1])
        else:
            _, success, outputs, error, mapping_keys = message
            outcomes[step_key] = StepOutcome(success, set(outputs), error, mapping_keys=mapping_keys)
