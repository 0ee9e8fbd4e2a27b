"""Run workers as the code server sees them: started, found again after a restart, watched, canceled.

Each run has a directory `<runs dir>/<run id>/` (see docs/design.md). Workers live in their own
session, so a restarted code server adopts them by scanning the runs dir.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from codeserver.journal import EXIT_DISK_FULL, JOURNAL, JournalReader, write_atomically
from codeserver.target import LoadTarget
from protos.weir.v1 import codeserver_pb2, common_pb2

WATCH_POLL_SECONDS = 0.02
WATCH_IDLE_BATCH_SECONDS = 1.0


class RunDirError(Exception):
    """The run's directory cannot be written (disk full, permissions): the run cannot start here."""


class RunWorkers:
    """The run workers of one location."""

    def __init__(self, runs_dir: Path, target: LoadTarget, python: str = sys.executable) -> None:
        self.runs_dir = runs_dir
        self._target = target
        self._python = python
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._start_lock = threading.Lock()  # check-then-spawn is one step: one worker per run id
        runs_dir.mkdir(parents=True, exist_ok=True)

    def start(self, request: codeserver_pb2.StartRunRequest, served_snapshot_id: str) -> int:
        """Start a worker for the run; starting the same run again returns the existing worker's pid."""
        run_dir = self.runs_dir / request.run_id
        with self._start_lock:
            existing = self.status(request.run_id)
            if existing.state != codeserver_pb2.WORKER_NOT_FOUND:
                return existing.pid
            try:
                proc = self._spawn(run_dir, request, served_snapshot_id)
            except OSError as exc:
                raise RunDirError(
                    f"cannot start run {request.run_id}: its directory {run_dir} cannot be "
                    f"written ({exc.strerror or exc})"
                ) from exc
            self._children[request.run_id] = proc
        return proc.pid

    def _spawn(
        self, run_dir: Path, request: codeserver_pb2.StartRunRequest, served_snapshot_id: str
    ) -> subprocess.Popen[bytes]:
        run_dir.mkdir(exist_ok=True)  # may exist without a worker: a server that died while starting it
        (run_dir / "request.bin").write_bytes(request.SerializeToString())
        (run_dir / "target.json").write_text(
            json.dumps({"args": self._target.to_args(), "served_snapshot_id": served_snapshot_id})
        )
        with open(run_dir / "worker.log", "ab") as log:
            proc = subprocess.Popen(
                [self._python, "-m", "codeserver.worker", str(run_dir)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        try:
            write_atomically(run_dir / "pid", str(proc.pid))  # known at once, before the worker runs
        except OSError:
            proc.kill()
            proc.wait()
            raise
        return proc

    def status(self, run_id: str) -> codeserver_pb2.RunWorker:
        """What became of a run's worker: running, exited (with code), lost, or never seen here."""
        run_dir = self.runs_dir / run_id
        worker = codeserver_pb2.RunWorker(run_id=run_id)
        if not run_dir.is_dir():
            worker.state = codeserver_pb2.WORKER_NOT_FOUND
            return worker
        child = self._children.get(run_id)
        if child is not None:
            child.poll()  # reap, so a finished child is not mistaken for a live zombie
            worker.pid = child.pid
        exit_file = run_dir / "exit"
        pid_text = _read(run_dir / "pid")
        if pid_text:
            worker.pid = int(pid_text)
        try:
            worker.heartbeat_age_seconds = max(0.0, time.time() - (run_dir / "heartbeat").stat().st_mtime)
        except FileNotFoundError:
            worker.heartbeat_age_seconds = 0.0
        if exit_file.exists():
            _set_exit(worker, int(_read(exit_file) or "1"))
        elif child is None and not pid_text:  # never started: the server died between mkdir and spawn
            worker.state = codeserver_pb2.WORKER_NOT_FOUND
        elif (child is not None and child.returncode is None) or _is_worker(worker.pid, run_dir):
            worker.state = codeserver_pb2.WORKER_RUNNING
        elif exit_file.exists():  # the worker finished between the two checks above
            _set_exit(worker, int(_read(exit_file) or "1"))
        elif child is not None and child.returncode is not None:
            _set_ended(worker, child.returncode, run_dir)
        else:
            _set_ended(worker, _read_ended(run_dir), run_dir)
        return worker

    def list(self) -> list[codeserver_pb2.RunWorker]:
        return [self.status(d.name) for d in sorted(self.runs_dir.iterdir()) if d.is_dir()]

    def cancel(self, run_id: str, grace_seconds: float = 0.0) -> bool:
        """Ask the worker to stop (it ends the run as CANCELED); SIGKILL its process group if it is
        still running `grace_seconds` later (0: never). False if this server never saw the run."""
        worker = self.status(run_id)
        if worker.state != codeserver_pb2.WORKER_RUNNING:
            return worker.state != codeserver_pb2.WORKER_NOT_FOUND
        (self.runs_dir / run_id / "cancel").touch()
        _signal_group(worker.pid, signal.SIGTERM)
        if grace_seconds > 0:
            timer = threading.Timer(grace_seconds, self._kill, args=(run_id, worker.pid))
            timer.daemon = True
            timer.start()
        return True

    def terminate(self, run_id: str, grace_seconds: float) -> bool:
        """The host declared the run finished: stop the worker as cancel does, then kill it for sure.

        A stopped (SIGSTOP) worker cannot act on SIGTERM; SIGKILL reaches it all the same."""
        worker = self.status(run_id)
        if worker.state == codeserver_pb2.WORKER_RUNNING:
            (self.runs_dir / run_id / "terminated").touch()
        return self.cancel(run_id, grace_seconds=max(grace_seconds, 0.001))

    def _kill(self, run_id: str, pid: int) -> None:
        if self.status(run_id).state == codeserver_pb2.WORKER_RUNNING:
            _signal_group(pid, signal.SIGKILL)
            child = self._children.get(run_id)
            if child is not None:
                child.wait()  # reap it, so its status reads as killed at once

    def watch(
        self, run_id: str, after_sequence: int, max_batch: int, is_active: Callable[[], bool]
    ) -> Iterator[codeserver_pb2.RunEventBatch]:
        """Batches of new events until the worker is gone and its journal drained."""
        reader = JournalReader(self.runs_dir / run_id / JOURNAL)
        last_sent = time.monotonic()
        while is_active():
            events = reader.read(after_sequence=after_sequence, limit=max_batch)
            worker = self.status(run_id)
            if not events and worker.state != codeserver_pb2.WORKER_RUNNING:
                events = reader.read(after_sequence=after_sequence, limit=max_batch)
                if not events:
                    yield _batch([], worker)
                    return
            if events:
                after_sequence = events[-1].sequence
                worker.last_sequence = after_sequence
                last_sent = time.monotonic()
                yield _batch(events, worker)
                continue
            if time.monotonic() - last_sent >= WATCH_IDLE_BATCH_SECONDS:
                last_sent = time.monotonic()
                yield _batch([], worker)  # tells the host the worker is alive
            time.sleep(WATCH_POLL_SECONDS)


def _batch(events: list[common_pb2.RunEvent], worker: codeserver_pb2.RunWorker) -> codeserver_pb2.RunEventBatch:
    return codeserver_pb2.RunEventBatch(events=events, worker=worker)


def _set_exit(worker: codeserver_pb2.RunWorker, code: int) -> None:
    worker.state = codeserver_pb2.WORKER_EXITED
    worker.exit_code = code
    if code == EXIT_DISK_FULL:
        worker.exit_reason = "the disk holding the run's journal is full"


def _set_ended(worker: codeserver_pb2.RunWorker, returncode: int | None, run_dir: Path) -> None:
    """A worker gone without its exit record: say how, when this server saw it end."""
    if returncode is None:
        worker.state = codeserver_pb2.WORKER_LOST
        worker.exit_reason = "it disappeared without an exit record: killed, or out of memory"
        return
    with contextlib.suppress(OSError):  # on a full disk, this server still knows; a restarted one will not
        write_atomically(run_dir / "ended", str(returncode))
    if returncode >= 0:
        _set_exit(worker, returncode)
        worker.exit_reason = worker.exit_reason or (
            f"it exited with code {returncode} without finishing (os._exit, or a crash of the interpreter)"
        )
        return
    worker.state = codeserver_pb2.WORKER_LOST
    worker.exit_signal = -returncode
    name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
    cause = {
        "SIGKILL": "killed, or out of memory",
        "SIGSEGV": "a segmentation fault in native code",
        "SIGABRT": "aborted by native code",
        "SIGBUS": "a bus error in native code",
    }.get(name, "")
    worker.exit_reason = f"it was ended by {name}" + (f" ({cause})" if cause else "")


def _read_ended(run_dir: Path) -> int | None:
    text = _read(run_dir / "ended")
    return int(text) if text else None


def _signal_group(pid: int, sig: int) -> None:
    """Signal the worker's process group (it leads its own session), so steps it forked get it too."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


def _is_worker(pid: int, run_dir: Path) -> bool:
    """True if pid is alive and is this run's worker (not a stranger that reused the pid)."""
    if pid <= 0:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state != "Z" and str(run_dir).encode() in cmdline
