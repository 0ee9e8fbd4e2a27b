"""A run id names the run's directory, so the code server refuses any id that is not one plain path
component, on every RPC that turns it into a path, and writes nothing outside its runs dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from protos.weir.v1 import codeserver_pb2, common_pb2
from tests.support import RunningCodeServer, kill_processes_mentioning

TOKEN = "run-ids-token"
CODE = """
import sdk as dg


@dg.asset
def orders() -> int:
    return 1


defs = dg.Definitions(assets=[orders])
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningCodeServer]:
    (tmp_path / "shop.py").write_text(CODE)
    running = RunningCodeServer(tmp_path, tmp_path / "shop.py", tmp_path / "sandbox" / "deep" / "runs", TOKEN)
    try:
        running.wait_loaded()
        yield running
    finally:
        running.stop()
        kill_processes_mentioning(str(tmp_path))


def _code(call) -> grpc.StatusCode:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value.code()


def test_run_ids_that_would_leave_the_runs_dir_are_invalid_arguments(server, tmp_path):
    outside = tmp_path / "outside"
    bad_ids = ["", ".", "..", "../x", "../../escape", str(outside), "a/b", "nul\0id", "x" * 500]
    for run_id in bad_ids:
        start = codeserver_pb2.StartRunRequest(run_id=run_id, asset_selection=[common_pb2.AssetKey(path=["orders"])])
        assert (
            _code(lambda r=start: server.stub.StartRun(r, metadata=server.metadata, timeout=10))
            == grpc.StatusCode.INVALID_ARGUMENT
        ), run_id
    request = codeserver_pb2.GetRunWorkerRequest(run_id="../x")
    assert (
        _code(lambda: server.stub.GetRunWorker(request, metadata=server.metadata, timeout=10))
        == grpc.StatusCode.INVALID_ARGUMENT
    )
    cancel = common_pb2.CancelRunRequest(run_id="..")
    assert (
        _code(lambda: server.stub.CancelRun(cancel, metadata=server.metadata, timeout=10))
        == grpc.StatusCode.INVALID_ARGUMENT
    )
    watch = codeserver_pb2.WatchRunEventsRequest(run_id="../../escape", after_sequence=-1)
    assert (
        _code(lambda: list(server.stub.WatchRunEvents(watch, metadata=server.metadata, timeout=10)))
        == grpc.StatusCode.INVALID_ARGUMENT
    )
    assert not outside.exists()
    assert sorted(p.name for p in (tmp_path / "sandbox").iterdir()) == ["deep"]
    assert sorted(p.name for p in (tmp_path / "sandbox" / "deep").iterdir()) == ["runs"]
    runs = tmp_path / "sandbox" / "deep" / "runs"
    assert [p.name for p in runs.iterdir()] == ["instance-endpoint.json"]  # the server's own file, no run dir


def test_a_location_name_that_would_leave_weir_home_is_refused_at_start(tmp_path: Path):
    import os
    import subprocess
    import sys

    from tests.support import REPO

    (tmp_path / "shop.py").write_text(CODE)
    home = tmp_path / "home"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "codeserver",
            "start",
            "-f",
            str(tmp_path / "shop.py"),
            "--location-name",
            "../escaped",
            "--port",
            "0",
        ],
        env={**os.environ, "WEIR_HOME": str(home)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2 and "location name '../escaped' contains a path separator" in out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "escaped").exists() and not home.exists()
