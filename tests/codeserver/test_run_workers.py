"""Run workers as a real code server starts and stops them: one worker per run id however many
StartRun calls race, signals that reach every process of a run, exit reasons that say what happened."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest

from codeserver.journal import EXIT_DISK_FULL, read_all
from protos.weir.v1 import codeserver_pb2, common_pb2
from tests.support import RunningCodeServer, alive, kill_processes_mentioning, serving, wait_for

TOKEN = "run-workers-token"
CODE = """
import ctypes, os, signal, subprocess, sys, time
from pathlib import Path
import sdk as dg

GATE = Path(os.environ["WEIR_TEST_GATE"])


@dg.asset
def counted(context: dg.AssetExecutionContext) -> int:
    with open(GATE / "executions", "a") as f:  # one line per execution, as the workers see it
        f.write(f"{context.run_id} {os.getpid()}\\n")
    return 1


@dg.asset
def stubborn(context: dg.AssetExecutionContext) -> int:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    (GATE / f"{context.run_id}.child").write_text(str(child.pid))
    while True:
        time.sleep(0.05)


@dg.asset
def exits_hard() -> int:
    os._exit(3)


@dg.asset
def segfaults() -> int:
    ctypes.string_at(0)
    return 0


@dg.asset
def leaves_a_child(context: dg.AssetExecutionContext) -> int:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    (GATE / f"{context.run_id}.child").write_text(str(child.pid))
    return 1


@dg.asset
def verbose(context: dg.AssetExecutionContext) -> int:
    for i in range(100):
        context.log.info(f"{i} " + "z" * 100_000)
    return 1


defs = dg.Definitions(assets=[counted, stubborn, exits_hard, segfaults, leaves_a_child, verbose])
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningCodeServer]:
    with serving(tmp_path, CODE, TOKEN) as running:
        yield running


def _start(server: RunningCodeServer, run_id: str, asset: str) -> codeserver_pb2.StartRunReply:
    request = codeserver_pb2.StartRunRequest(run_id=run_id, asset_selection=[common_pb2.AssetKey(path=[asset])])
    return server.stub.StartRun(request, metadata=server.metadata, timeout=30)


def _worker(server: RunningCodeServer, run_id: str) -> codeserver_pb2.RunWorker:
    return server.stub.GetRunWorker(
        codeserver_pb2.GetRunWorkerRequest(run_id=run_id), metadata=server.metadata, timeout=10
    )


def _ended(server: RunningCodeServer, run_id: str) -> codeserver_pb2.RunWorker | None:
    worker = _worker(server, run_id)
    return worker if worker.state in (codeserver_pb2.WORKER_EXITED, codeserver_pb2.WORKER_LOST) else None


def test_racing_start_requests_for_one_run_start_one_worker(server, tmp_path):
    run_ids = [f"race{i}" for i in range(5)]
    calls = [run_id for run_id in run_ids for _ in range(8)]  # 8 concurrent StartRun calls per run
    with ThreadPoolExecutor(len(calls)) as pool:
        replies = list(pool.map(lambda run_id: (run_id, _start(server, run_id, "counted").pid), calls))
    for run_id in run_ids:
        assert len({pid for rid, pid in replies if rid == run_id}) == 1  # every caller got the same worker
        wait_for(lambda run_id=run_id: _ended(server, run_id), 60, what=f"run {run_id} to end")
    lines = (tmp_path / "gate" / "executions").read_text().split()
    assert sorted(lines[0::2]) == sorted(run_ids)  # each run executed exactly once


def test_cancel_kills_a_step_that_ignores_sigterm_and_what_it_started(server, tmp_path):
    _start(server, "stubborn", "stubborn")
    child_file = tmp_path / "gate" / "stubborn.child"
    wait_for(child_file.exists, 30, what="the step to start its child")
    child = int(child_file.read_text())
    request = common_pb2.CancelRunRequest(run_id="stubborn", grace_seconds=1.0)
    assert server.stub.CancelRun(request, metadata=server.metadata, timeout=10).found
    started = time.monotonic()
    worker = wait_for(lambda: _ended(server, "stubborn"), 10, what="the worker to be killed")
    assert time.monotonic() - started < 5
    assert worker.exit_signal == signal.SIGKILL and "SIGKILL" in worker.exit_reason
    wait_for(lambda: not alive(child), 5, what="the step's child process to be killed with it")


def test_terminate_kills_a_stopped_worker(server, tmp_path):
    pid = _start(server, "stopped", "stubborn").pid
    wait_for((tmp_path / "gate" / "stopped.child").exists, 30, what="the step to start")
    os.kill(pid, signal.SIGSTOP)
    request = common_pb2.CancelRunRequest(run_id="stopped", grace_seconds=0.5, terminate=True)
    assert server.stub.CancelRun(request, metadata=server.metadata, timeout=10).found
    wait_for(lambda: not alive(pid), 5, what="the stopped worker to be killed")


@pytest.mark.parametrize(
    ("asset", "expected"),
    [
        ("exits_hard", "exited with code 3"),
        ("segfaults", "SIGSEGV"),
    ],
)
def test_a_worker_that_dies_says_how(server, asset, expected):
    _start(server, asset, asset)
    worker = wait_for(lambda: _ended(server, asset), 60, what="the worker to die")
    assert expected in worker.exit_reason, worker.exit_reason


def test_the_code_server_knows_how_a_worker_died_after_a_restart(server, tmp_path):
    _start(server, "hard", "exits_hard")
    wait_for(lambda: _ended(server, "hard"), 60, what="the worker to die")
    server.stop()
    again = RunningCodeServer(tmp_path, tmp_path / "shop.py", tmp_path / "runs", TOKEN)
    try:
        again.wait_loaded()
        assert "exited with code 3" in _worker(again, "hard").exit_reason
        assert read_all(tmp_path / "runs" / "hard" / "events.journal")[0].type == common_pb2.RUN_START
    finally:
        again.stop()


def test_processes_a_step_left_behind_end_with_the_run(server, tmp_path):
    _start(server, "leaver", "leaves_a_child")
    worker = wait_for(lambda: _ended(server, "leaver"), 60, what="the run to end")
    assert worker.state == codeserver_pb2.WORKER_EXITED and worker.exit_code == 0
    child = int((tmp_path / "gate" / "leaver.child").read_text())
    wait_for(lambda: not alive(child), 5, what="the step's leftover process to be killed")


def test_a_full_disk_is_reported_as_such(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(small)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"needs root to mount a 2 MB tmpfs as the runs dir ({mounted.stderr.decode().strip()})")
    try:
        (tmp_path / "gate").mkdir()
        (tmp_path / "shop.py").write_text(CODE)
        running = RunningCodeServer(tmp_path, tmp_path / "shop.py", small / "runs", TOKEN)
        try:
            running.wait_loaded()
            _start(running, "full", "verbose")
            worker = wait_for(lambda: _ended(running, "full"), 60, what="the worker to stop")
            _fill(small / "filler")
            with pytest.raises(grpc.RpcError) as refused:
                _start(running, "next", "counted")
        finally:
            running.stop()
            kill_processes_mentioning(str(tmp_path))
        assert worker.exit_code == EXIT_DISK_FULL and "disk" in worker.exit_reason and "full" in worker.exit_reason
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "cannot be written (No space left on device)" in (refused.value.details() or "")
    finally:
        subprocess.run(["umount", "-l", str(small)], check=False)


def _fill(path: Path) -> None:
    with contextlib.suppress(OSError), open(path, "wb") as f:
        while True:
            f.write(b"\0" * 4096)
            f.flush()
