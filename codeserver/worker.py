"""`python -m codeserver.worker RUN_DIR`: execute one run, journaling its events.

Runs in its own session under the location's interpreter, so it outlives the code server that
started it. It never talks to storage: the host collects the journal through the code server.
While the run executes, fd 1 and 2 are captured (sdk.execution.capture) and journaled as COMPUTE_LOG
events, since the host may be on another machine; before and after, they are worker.log.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from codeserver.journal import EXIT_DISK_FULL, JOURNAL, JournalFull, JournalWriter, read_all, write_atomically
from protos.weir.v1 import codeserver_pb2, common_pb2

HEARTBEAT_SECONDS = 1.0


class RunCanceled(BaseException):
    """Raised in the main thread when a cancel request arrives, to stop the step that is running.

    A BaseException so that user code's `except Exception` cannot swallow it."""


class Journal:
    """Numbers events in order and appends them to the run's journal."""

    def __init__(self, run_dir: Path, run_id: str) -> None:
        path = run_dir / JOURNAL
        existing = read_all(path)
        self._next = existing[-1].sequence + 1 if existing else 0
        self._writer = JournalWriter(path)
        self._run_id = run_id
        self._lock = threading.Lock()

    def add(self, event: common_pb2.RunEvent) -> None:
        with self._lock:
            event.run_id = self._run_id
            event.sequence = self._next
            self._next += 1
            self._writer.append(event)

    def add_sdk_event(self, event: Any) -> None:
        from codeserver.convert import event_to_proto

        with self._lock:
            self._writer.append(event_to_proto(event, self._run_id, self._next))
            self._next += 1

    def close(self) -> None:
        self._writer.close()


def _heartbeat(path: Path, stop: threading.Event) -> None:
    while not stop.is_set():
        path.touch()
        stop.wait(HEARTBEAT_SECONDS)


def _engine_event(
    type_: common_pb2.EventType.ValueType, message: str, error: common_pb2.UserCodeError | None = None
) -> common_pb2.RunEvent:
    event = common_pb2.RunEvent(type=type_, timestamp=time.time(), message=message)
    if error is not None:
        event.error.CopyFrom(error)
    return event


def run(run_dir: Path) -> int:
    """Execute the run described in run_dir; returns the process exit code."""
    from sdk.execution.capture import OutputCapture

    request = codeserver_pb2.StartRunRequest.FromString((run_dir / "request.bin").read_bytes())
    info = json.loads((run_dir / "target.json").read_text())
    journal = Journal(run_dir, request.run_id)
    canceled = threading.Event()

    def on_sigterm(signum: int, frame: Any) -> None:
        if not canceled.is_set():
            canceled.set()
            raise RunCanceled()

    signal.signal(signal.SIGTERM, on_sigterm)
    if request.snapshot_id and request.snapshot_id != info["served_snapshot_id"]:
        journal.add(
            _engine_event(
                common_pb2.ENGINE_EVENT,
                (
                    f"the run was planned against snapshot {request.snapshot_id[:12]}, but the code server now "
                    f"serves {info['served_snapshot_id'][:12]}: running the code as it is now"
                ),
            )
        )
    try:
        with OutputCapture(journal.add_sdk_event) as capture:
            return _load_and_execute(info, request, journal, capture, canceled, run_dir)
    finally:
        journal.close()


def _load_and_execute(
    info: dict[str, Any],
    request: codeserver_pb2.StartRunRequest,
    journal: Journal,
    capture: Any,
    canceled: threading.Event,
    run_dir: Path,
) -> int:
    """What the code prints while it loads is the run's output too (step key "")."""
    from codeserver.cli import parse_target
    from codeserver.loader import error_from_exception, load_definitions

    target, _ = parse_target(info["args"])
    try:
        defs = load_definitions(target)
    except BaseException as exc:
        with capture.in_order(final=True):
            journal.add(
                _engine_event(
                    common_pb2.RUN_FAILURE, f"the code location failed to load: {exc}", error_from_exception(exc)
                )
            )
        return 1
    return 0 if _execute(defs, request, journal, capture, canceled, info["served_snapshot_id"], run_dir) else 1


def _execute(
    defs: Any,
    request: codeserver_pb2.StartRunRequest,
    journal: Journal,
    capture: Any,
    canceled: threading.Event,
    snapshot_id: str,
    run_dir: Path,
) -> bool:
    from codeserver.instance import ENDPOINT_FILE
    from codeserver.instance_client import InstanceClient, host_instance
    from sdk.execution import default_storage_dir, execute_run
    from sdk.execution.celery import run_origin

    # context.instance: the host's history, asked through the code server that started this run
    client = InstanceClient(run_id=request.run_id, endpoint_file=run_dir.parent / ENDPOINT_FILE)
    instance = host_instance(client, f"run {request.run_id}")

    selection = [tuple(k.path) for k in request.asset_selection] or None
    params: dict[str, Any] = {
        "job_name": request.job_name or None,
        "asset_selection": selection,
        "run_config": json.loads(request.run_config_json or "{}"),
        "tags": dict(request.tags),
        "partition_key": request.partition_key or None,
        "step_selection": list(request.step_selection),
        "output_runs": dict(request.output_runs),
    }
    try:
        # celery_executor sends the run's request and the code's snapshot id with each step's task
        with run_origin(snapshot_id, params, default_storage_dir()):
            return execute_run(
                defs,
                run_id=request.run_id,
                on_event=capture.emit,
                should_cancel=canceled.is_set,
                output_capture=capture,
                instance=instance,
                **params,
            )
    except RunCanceled:
        import multiprocessing

        for child in multiprocessing.active_children():
            child.kill()
        with capture.in_order(final=True):
            journal.add(_engine_event(common_pb2.RUN_CANCELED, "the run was canceled"))
        return False


def main(argv: list[str]) -> None:
    run_dir = Path(argv[0]).resolve()
    write_atomically(run_dir / "pid", str(os.getpid()))
    # worker.log until the run's output is captured: show prints as they happen
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    stop = threading.Event()
    threading.Thread(target=_heartbeat, args=(run_dir / "heartbeat", stop), daemon=True).start()
    code = 1
    try:
        code = run(run_dir)
    except JournalFull as exc:
        code = EXIT_DISK_FULL
        with contextlib.suppress(OSError):  # the log may sit on the same full disk
            print(f"weir: the run's journal cannot be written, the disk is full ({exc})", file=sys.stderr)
    finally:
        stop.set()
        with contextlib.suppress(OSError):  # on a full disk the server learns the code from the exit status
            write_atomically(run_dir / "exit", str(code))
        _kill_stragglers()
    sys.exit(code)


def _kill_stragglers() -> None:
    """Processes that steps started in the worker's process group end with the run, not after it."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[-1].split()[2]) == me:  # field 5: the process group
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)


if __name__ == "__main__":
    main(sys.argv[1:])
