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
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from codeserver.journal import JournalReader
from codeserver.loader import LoadTarget
from protos.weir.v1 import codeserver_pb2, common_pb2

WATCH_POLL_SECONDS = 0.02
WATCH_IDLE_BATCH_SECONDS = 1.0


class RunWorkers:
    """The run workers of one location."""

    def __init__(self, runs_dir: Path, target: LoadTarget, python: str = sys.executable) -> None:
        self.runs_dir = runs_dir
        self._target = target
        self._python = python
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        runs_dir.mkdir(parents=True, exist_ok=True)

    def start(self, request: codeserver_pb2.StartRunRequest, served_snapshot_id: str) -> int:
        """Start a worker for the run; starting the same run again returns the existing worker's pid."""
        run_dir = self.runs_dir / request.run_id
        existing = self.status(request.run_id)
        if existing.state != codeserver_pb2.WORKER_NOT_FOUND:
            return existing.pid
        run_dir.mkdir(exist_ok=True)  # may exist without a worker: a server that died while starting it
        (run_dir / "request.bin").write_bytes(request.SerializeToString())
        (run_dir / "target.json").write_text(json.dumps({
            "args": self._target.to_args(), "served_snapshot_id": served_snapshot_id}))
        with open(run_dir / "worker.log", "ab") as log:
            proc = subprocess.Popen(
                [self._python, "-m", "codeserver.worker", str(run_dir)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            )
        self._children[request.run_id] = proc
        return proc.pid

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
            worker.state = codeserver_pb2.WORKER_EXITED
            worker.exit_code = int(_read(exit_file) or "1")
        elif child is None and not pid_text:  # never started: the server died between mkdir and spawn
            worker.state = codeserver_pb2.WORKER_NOT_FOUND
        elif (child is not None and child.returncode is None) or _is_worker(worker.pid, run_dir):
            worker.state = codeserver_pb2.WORKER_RUNNING
        elif exit_file.exists():  # the worker finished between the two checks above
            worker.state = codeserver_pb2.WORKER_EXITED
            worker.exit_code = int(_read(exit_file) or "1")
        else:
            worker.state = codeserver_pb2.WORKER_LOST
        return worker

    def list(self) -> list[codeserver_pb2.RunWorker]:
        return [self.status(d.name) for d in sorted(self.runs_dir.iterdir()) if d.is_dir()]

    def cancel(self, run_id: str) -> bool:
        """Ask the worker to stop: it ends the run as CANCELED."""
        worker = self.status(run_id)
        if worker.state != codeserver_pb2.WORKER_RUNNING:
            return worker.state != codeserver_pb2.WORKER_NOT_FOUND
        (self.runs_dir / run_id / "cancel").touch()
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGTERM)
        return True

    def watch(self, run_id: str, after_sequence: int, max_batch: int,
              is_active: Callable[[], bool]) -> Iterator[codeserver_pb2.RunEventBatch]:
        """Batches of new events until the worker is gone and its journal drained."""
        reader = JournalReader(self.runs_dir / run_id / "events.journal")
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
