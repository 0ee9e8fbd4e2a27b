"""Compute logs as a real code server's run workers journal them: what steps write to stdout and
stderr (print, sys.stderr, subprocesses; in-process and multiprocess steps) becomes COMPUTE_LOG events
of the step, live while the step runs, capped per step and stream without failing the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codeserver.journal import read_all
from protos import wire
from protos.weir.v1 import codeserver_pb2, common_pb2
from sdk.execution.capture import COMPUTE_LOG_STEP_CAP_BYTES
from tests.support import RunningCodeServer, serving, wait_for

TOKEN = "compute-logs-token"
CODE = """
import os, subprocess, sys, time
from pathlib import Path
import sdk as dg

GATE = Path(os.environ["WEIR_TEST_GATE"])
print("loading the shop")


@dg.asset
def chatty(context: dg.AssetExecutionContext) -> int:
    print("printed to stdout")
    sys.stderr.write("written to stderr\\n")
    subprocess.run(["echo", "echoed by a subprocess"], check=True)
    context.log.info("logged after the prints")
    os.write(2, b"invalid utf-8: \\xff\\xfe\\n")
    return 1


@dg.asset
def flood() -> int:
    line = "x" * 1023 + "\\n"
    for _ in range(12 * 1024):  # 12 MB
        sys.stdout.write(line)
    return 1


@dg.asset
def waits(context: dg.AssetExecutionContext) -> int:
    print("waiting for the gate")
    while not (GATE / f"{context.run_id}.open").exists():
        time.sleep(0.02)
    return 1


@dg.asset
def mp_first() -> int:
    print(f"first in its own process")
    subprocess.run(["sh", "-c", "echo from the shell of the first step >&2"], check=True)
    return 1


@dg.asset
def mp_second(mp_first: int) -> int:
    os.write(1, b"second, straight to fd 1\\n")
    return mp_first + 1


@dg.asset
def mp_dies() -> int:
    print("last words")
    os._exit(3)


defs = dg.Definitions(
    assets=[chatty, flood, waits, mp_first, mp_second, mp_dies],
    jobs=[dg.define_asset_job("mp_job", selection=["mp_first", "mp_second"], executor_def=dg.multiprocess_executor),
          dg.define_asset_job("dies_job", selection=["mp_first", "mp_dies"], executor_def=dg.multiprocess_executor)],
)
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningCodeServer]:
    with serving(tmp_path, CODE, TOKEN) as running:
        yield running


def _start(server: RunningCodeServer, run_id: str, assets: list[str], job: str = "") -> None:
    request = codeserver_pb2.StartRunRequest(
        run_id=run_id, job_name=job, asset_selection=[common_pb2.AssetKey(path=[a]) for a in assets]
    )
    server.stub.StartRun(request, metadata=server.metadata, timeout=30)


def _events(tmp_path: Path, run_id: str) -> list[common_pb2.RunEvent]:
    return read_all(tmp_path / "runs" / run_id / "events.journal")


def _finished(tmp_path: Path, run_id: str) -> list[common_pb2.RunEvent]:
    def done() -> list[common_pb2.RunEvent] | None:
        events = _events(tmp_path, run_id)
        return events if (tmp_path / "runs" / run_id / "exit").exists() else None

    return wait_for(done, 60, what=f"run {run_id} to end")


def _logs(events: list[common_pb2.RunEvent], step_key: str, stream: str) -> str:
    return "".join(
        e.message for e in events if e.type == common_pb2.COMPUTE_LOG and e.step_key == step_key and e.stream == stream
    )


def test_print_stderr_and_subprocess_output_become_the_steps_compute_logs(server, tmp_path):
    _start(server, "chatty", ["chatty"])
    events = _finished(tmp_path, "chatty")
    assert events[-1].type == common_pb2.RUN_SUCCESS
    assert _logs(events, "chatty", "stdout") == "printed to stdout\nechoed by a subprocess\n"
    assert _logs(events, "chatty", "stderr") == "written to stderr\ninvalid utf-8: \ufffd\ufffd\n"
    assert _logs(events, "", "stdout") == "loading the shop\n"  # the code's import, outside any step
    kinds = [(common_pb2.EventType.Name(e.type), e.stream, e.message) for e in events if e.step_key == "chatty"]
    assert kinds[0][0] == "STEP_START" and kinds[-1][0] == "STEP_SUCCESS"
    log_at = next(i for i, k in enumerate(kinds) if k[0] == "LOG")
    before = [k for k in kinds[:log_at] if k[0] == "COMPUTE_LOG"]  # in order around the step's own events
    assert "".join(m for _, s, m in before if s == "stdout") == "printed to stdout\nechoed by a subprocess\n"
    assert "".join(m for _, s, m in before if s == "stderr") == "written to stderr\n"
    assert all(e.ByteSize() < wire.MAX_EVENT_BYTES // 4 for e in events)


def test_a_step_printing_past_the_cap_keeps_the_cap_with_one_marker_and_succeeds(server, tmp_path):
    _start(server, "flood", ["flood"])
    events = _finished(tmp_path, "flood")
    assert events[-1].type == common_pb2.RUN_SUCCESS
    chunks = [e for e in events if e.type == common_pb2.COMPUTE_LOG and e.step_key == "flood"]
    markers = [e for e in chunks if e.dropped_bytes]
    assert len(markers) == 1 and markers[0].stream == "stdout"
    assert markers[0].dropped_bytes == 12 * 1024 * 1024 - COMPUTE_LOG_STEP_CAP_BYTES
    assert f"{markers[0].dropped_bytes:,} bytes of stdout" in markers[0].message
    kept = "".join(e.message for e in chunks if not e.dropped_bytes)
    assert len(kept.encode()) == COMPUTE_LOG_STEP_CAP_BYTES
    assert max(e.ByteSize() for e in chunks) < wire.MAX_EVENT_BYTES // 4
    step_end = next(i for i, e in enumerate(events) if e.type == common_pb2.STEP_SUCCESS)
    assert events.index(markers[0]) < step_end  # the marker closes the step's log before its end event


def test_output_is_journaled_while_the_step_still_runs(server, tmp_path):
    _start(server, "live", ["waits"])
    wait_for(
        lambda: "waiting for the gate\n" in _logs(_events(tmp_path, "live"), "waits", "stdout"),
        10,
        what="the print to be journaled while the step waits",
    )
    assert not (tmp_path / "runs" / "live" / "exit").exists()
    (tmp_path / "gate" / "live.open").touch()
    assert _finished(tmp_path, "live")[-1].type == common_pb2.RUN_SUCCESS


def test_output_of_multiprocess_steps_is_captured_per_step(server, tmp_path):
    _start(server, "mp", [], job="mp_job")
    events = _finished(tmp_path, "mp")
    assert events[-1].type == common_pb2.RUN_SUCCESS
    assert _logs(events, "mp_first", "stdout") == "first in its own process\n"
    assert _logs(events, "mp_first", "stderr") == "from the shell of the first step\n"
    assert _logs(events, "mp_second", "stdout") == "second, straight to fd 1\n"
    for key in ("mp_first", "mp_second"):
        steps = [e.type for e in events if e.step_key == key]
        assert steps[0] == common_pb2.STEP_START and steps[-1] == common_pb2.STEP_SUCCESS


def test_a_step_process_that_dies_hard_keeps_its_last_output(server, tmp_path):
    _start(server, "dies", [], job="dies_job")
    events = _finished(tmp_path, "dies")
    assert events[-1].type == common_pb2.RUN_FAILURE
    assert _logs(events, "mp_dies", "stdout") == "last words\n"
    failure = next(e for e in events if e.type == common_pb2.STEP_FAILURE)
    assert failure.step_key == "mp_dies" and "exited without a result" in failure.message


def test_the_workers_own_diagnostics_stay_in_its_log(server, tmp_path):
    _start(server, "chatty2", ["chatty"])
    _finished(tmp_path, "chatty2")
    log = (tmp_path / "runs" / "chatty2" / "worker.log").read_text()
    assert "printed to stdout" not in log and "loading the shop" not in log
