"""The walking skeleton end to end: a host under `weir dev`, code locations in their own
environments, runs recorded in SQLite."""

from __future__ import annotations

import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from protos.weir.v1 import common_pb2, host_pb2
from tests.support import (
    EXAMPLES,
    REPO,
    dev_host,
    example_entry,
    example_pythons,
    processes_mentioning,
    wait_for,
    write_workspace,
)

GOOD = """
import sdk as dg


@dg.asset
def history() -> list[int]:
    return [100, 110, 120]


@dg.asset
def next_week(history: list[int]) -> float:
    return history[-1] + 10.0


defs = dg.Definitions(assets=[history, next_week])
"""
BROKEN = """
import sdk as dg

raise RuntimeError("cannot reach the warehouse: check WAREHOUSE_URL")
"""


def _loaded(client, names: set[str]) -> bool:
    states = {loc.name: loc.status for loc in client.locations()}
    return all(states.get(n) == host_pb2.LOCATION_LOADED for n in names)


def _materialize(client, location: str, keys: list[str]) -> host_pb2.Run:
    request = host_pb2.LaunchRunRequest(
        location=location, asset_selection=[common_pb2.AssetKey(path=k.split("/")) for k in keys]
    )
    run = client.launch_run(request)
    return client.wait_for_run(run.run_id, timeout=60)


def _logs(client, run_id: str) -> list[str]:
    return [e.message for e in client.run_events(run_id).events if e.type == common_pb2.LOG]


@pytest.fixture(scope="module")
def location_pythons() -> dict[str, Path]:
    """Two environments that hold conflicting versions of the same package."""
    return example_pythons()


def test_two_locations_in_their_own_venvs_run_with_their_own_package_versions(tmp_path, location_pythons):
    workspace = write_workspace(tmp_path / "workspace.yaml", [example_entry(n, p) for n, p in location_pythons.items()])
    home = tmp_path / "home"
    with dev_host(
        home, ["-w", str(workspace)], env={"PYTHONPROFILEIMPORTTIME": "1"}, stderr_path=tmp_path / "host.stderr"
    ) as host:
        client = host.client()
        wait_for(lambda: _loaded(client, {"sales", "forecast"}), 60, what="both locations to load")
        keys = {(a.location, "/".join(a.node.key.path)) for a in client.assets()}
        assert ("sales", "sales/tabulate_version") in keys
        assert ("forecast", "forecast/tabulate_version") in keys
        assert ("sales", "revenue") in keys and ("forecast", "next_week") in keys

        sales = _materialize(client, "sales", ["sales/tabulate_version"])
        forecast = _materialize(client, "forecast", ["forecast/tabulate_version"])
        assert host_pb2.RunStatus.Name(sales.status) == "SUCCESS", sales.failure_reason
        assert host_pb2.RunStatus.Name(forecast.status) == "SUCCESS", forecast.failure_reason
        assert "sales sees tabulate 0.8.10" in _logs(client, sales.run_id)
        assert "forecast sees tabulate 0.9.0" in _logs(client, forecast.run_id)
        materialized = {"/".join(a.node.key.path): a.latest_materialization.run_id for a in client.assets()}
        assert materialized["sales/tabulate_version"] == sales.run_id

    with sqlite3.connect(home / "weir.db") as db:
        rows = db.execute("SELECT run_id, status FROM runs").fetchall()
        assert sorted(rows) == sorted([(sales.run_id, "SUCCESS"), (forecast.run_id, "SUCCESS")])
        for run in (sales, forecast):
            types = [
                t
                for (t,) in db.execute(
                    "SELECT event_type FROM events WHERE run_id = ? ORDER BY sequence", (run.run_id,)
                )
            ]
            lifecycle = [t for t in types if t != "COMPUTE_LOG"]  # output of the import may come before the start
            assert lifecycle[0] == "RUN_START" and lifecycle[-1] == "RUN_SUCCESS"
            assert {"STEP_START", "STEP_SUCCESS", "ASSET_MATERIALIZATION"} <= set(types)

    # -X importtime lists every module the host process imported: never the sdk, never user code.
    imported = set(
        re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)", (tmp_path / "host.stderr").read_text(), re.M)
    )
    assert {"host.serve.app", "host.locations.workspace", "grpc"} <= imported
    assert not {m for m in imported if m.split(".")[0] in ("sdk", "codeserver", "definitions", "tabulate")}


def test_location_that_fails_to_import_is_an_error_while_the_other_keeps_serving(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text(BROKEN)
    good = tmp_path / "forecast.py"
    good.write_text(GOOD)
    workspace = write_workspace(
        tmp_path / "workspace.yaml",
        [
            {"python_file": {"relative_path": str(broken), "location_name": "broken"}},
            {"python_file": {"relative_path": str(good), "location_name": "forecast"}},
        ],
    )
    home = tmp_path / "home"
    with dev_host(home, ["-w", str(workspace)]) as host:
        client = host.client()
        wait_for(lambda: _loaded(client, {"forecast"}), 30, what="forecast to load")
        wait_for(
            lambda: any(loc.status == host_pb2.LOCATION_ERROR for loc in client.locations()),
            30,
            what="broken to show as an error",
        )
        out = subprocess.run(
            [sys.executable, "-m", "host.cli", "locations"],
            env=host.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0, out.stderr
        assert re.search(r"broken\s+ERROR", out.stdout)
        assert "RuntimeError: cannot reach the warehouse: check WAREHOUSE_URL" in out.stdout
        assert "broken.py" in out.stdout  # the traceback points at the user's file

        run = _materialize(client, "forecast", ["history", "next_week"])
        assert host_pb2.RunStatus.Name(run.status) == "SUCCESS", run.failure_reason

        failed = subprocess.run(
            [sys.executable, "-m", "host.cli", "materialize", "--location", "broken"],
            env=host.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert failed.returncode == 1
        assert "failed to load" in failed.stderr and "cannot reach the warehouse" in failed.stderr


def test_cli_materialize_waits_and_exits_nonzero_when_the_run_fails(tmp_path):
    code = tmp_path / "jobs.py"
    code.write_text("""
import sdk as dg

@dg.asset
def fine() -> int:
    return 1

@dg.asset
def fails(fine: int) -> int:
    raise ValueError("the upstream file is empty")

defs = dg.Definitions(assets=[fine, fails])
""")
    home = tmp_path / "home"
    with dev_host(home, ["-f", str(code)]) as host:
        client = host.client()
        wait_for(lambda: _loaded(client, {"jobs"}), 30, what="the location to load")
        cli = [sys.executable, "-m", "host.cli"]
        ok = subprocess.run(
            [*cli, "materialize", "--location", "jobs", "--select", "fine"],
            env=host.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ok.returncode == 0, ok.stdout + ok.stderr
        assert "SUCCESS" in ok.stdout
        bad = subprocess.run(
            [*cli, "materialize", "--location", "jobs"],
            env=host.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert bad.returncode == 1
        assert "ValueError: the upstream file is empty" in bad.stdout
        run_id = re.search(r"run (\w+) FAILURE", bad.stdout).group(1)  # type: ignore[union-attr]
        shown = subprocess.run(
            [*cli, "runs", "show", run_id], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=30
        )
        assert "status    FAILURE" in shown.stdout and "STEP_FAILURE" in shown.stdout
        listed = subprocess.run([*cli, "runs"], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=30)
        assert run_id in listed.stdout and "FAILURE" in listed.stdout and "SUCCESS" in listed.stdout


def test_weir_dev_answers_within_5_seconds_and_ctrl_c_leaves_no_process(tmp_path, location_pythons):
    for name in ("sales", "forecast"):  # a copy, so that every process this test starts names tmp_path
        shutil.copytree(EXAMPLES / name, tmp_path / name, ignore=shutil.ignore_patterns(".venv"))
    workspace = write_workspace(
        tmp_path / "workspace.yaml",
        [
            {
                "python_file": {
                    "relative_path": f"{n}/definitions.py",
                    "location_name": n,
                    "working_directory": n,
                    "executable_path": str(location_pythons[n]),
                }
            }
            for n in ("sales", "forecast")
        ],
    )
    started = time.monotonic()
    with dev_host(tmp_path / "home", ["-w", str(workspace)]) as host:
        client = host.client()
        wait_for(lambda: _loaded(client, {"sales", "forecast"}), 10, what="both locations")
        elapsed = time.monotonic() - started
        assert elapsed < 5, f"weir dev took {elapsed:.1f} s to answer with both locations loaded"
        # the host, two code servers and their user processes
        assert len(processes_mentioning(str(tmp_path))) >= 5, processes_mentioning(str(tmp_path))
        assert host.stop(signal.SIGINT) == 0
        wait_for(lambda: not processes_mentioning(str(tmp_path)), 10, what="every process to exit")
