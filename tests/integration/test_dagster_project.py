"""A project laid out as Dagster's create-dagster scaffolds it (src/<pkg>/definitions.py with
@definitions + load_from_defs_folder, a defs folder, the location named in pyproject.toml) loads in
Weir after changing only the imports: `weir definitions validate` in the folder loads it as `weir dev`
would (pyproject discovery, the loader, the defs folder), in a fresh process, and `weir dev` in the
folder serves it and materializes its assets."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from protos.weir.v1 import host_pb2
from tests.support import REPO, dev_host, wait_for

DEFINITIONS = """
from pathlib import Path

import sdk as dg  # was: import dagster as dg


@dg.definitions
def defs():
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
"""

ASSETS = """
import sdk as dg  # was: import dagster as dg


@dg.asset
def customers() -> list[str]:
    return ["ada", "grace"]


@dg.asset
def customer_count(customers: list[str]) -> int:
    return len(customers)
"""


def _project(tmp_path: Path, tool: str) -> Path:
    package = tmp_path / "src" / "jaffle"
    (package / "defs").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "jaffle-shop"\n\n{tool}')
    (package / "__init__.py").write_text("")
    (package / "definitions.py").write_text(textwrap.dedent(DEFINITIONS))
    (package / "defs" / "__init__.py").write_text("")
    (package / "defs" / "assets.py").write_text(textwrap.dedent(ASSETS))
    return tmp_path


TOOL_DAGSTER = '[tool.dagster]\nmodule_name = "jaffle.definitions"\ncode_location_name = "jaffle-shop"\n'


@pytest.mark.parametrize(
    "tool",
    [
        '[tool.dg]\ndirectory_type = "project"\n\n[tool.dg.project]\nroot_module = "jaffle"\nregistry_modules = []\n',
        TOOL_DAGSTER,
    ],
    ids=["tool.dg.project", "tool.dagster"],
)
def test_a_dagster_scaffolded_project_loads_after_changing_the_imports(tmp_path: Path, tool: str) -> None:
    _project(tmp_path, tool)
    done = subprocess.run(
        [sys.executable, "-m", "host.cli", "definitions", "validate"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "jaffle-shop" in done.stdout and "2 assets" in done.stdout, done.stdout


def test_weir_dev_in_a_dagster_project_serves_and_materializes_it(tmp_path: Path) -> None:
    project = _project(tmp_path / "jaffle", TOOL_DAGSTER)
    with dev_host(tmp_path / "home", [], cwd=project, env={"PYTHONPATH": str(REPO)}) as host:
        client = host.client()
        wait_for(lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED], 60, what="load")
        assert [loc.name for loc in client.locations()] == ["jaffle-shop"]
        run = client.launch_run(host_pb2.LaunchRunRequest(location="jaffle-shop"))
        done = client.wait_for_run(run.run_id, timeout=60)
        assert done.status == host_pb2.SUCCESS, done.failure_reason
        materialized = {"/".join(a.node.key.path): a.latest_materialization.run_id for a in client.assets()}
        assert materialized == {"customers": run.run_id, "customer_count": run.run_id}
