"""`weir init demo && cd demo && weir dev`, as a new user does it: the scaffolded location serves a
Python asset and a SQL component that materialize into DuckDB; a defs.yaml with a wrong attribute
fails the location's load and `weir components check` with its file and line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, dev_host, location_venv, wait_for

DUCKDB = "duckdb==2.0.0"


def _weir(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_init_then_dev_serves_a_python_asset_and_a_sql_component_on_duckdb(tmp_path: Path) -> None:
    python = location_venv([DUCKDB])
    created = _weir(["init", "demo"], tmp_path)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "demo"
    # as the README has it: weir (with duckdb) installed in the project's venv, `weir dev` run from it
    with dev_host(tmp_path / "home", ["--no-ui"], cwd=project, python=python) as host:
        client = host.client()
        location = wait_for(
            lambda: next((loc for loc in client.locations() if loc.status == host_pb2.LOCATION_LOADED), None),
            60,
            what="location demo to load",
        )
        assert (location.name, location.asset_count) == ("demo", 2)
        keys = [common_pb2.AssetKey(path=[name]) for name in ("raw_orders", "orders_by_product")]
        run = client.launch_run(host_pb2.LaunchRunRequest(location="demo", asset_selection=keys))
        done = client.wait_for_run(run.run_id, timeout=60)
        assert done.status == host_pb2.SUCCESS, host.stderr()

        table = subprocess.run(
            [
                python,
                "-c",
                "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
                "print(c.execute('select product, quantity from orders_by_product order by product').fetchall())",
                str(project / "data" / "warehouse.duckdb"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert table.stdout.strip() == "[('apple', 5), ('pear', 5)]"

        defs_yaml = project / "src" / "demo" / "defs" / "orders_by_product" / "defs.yaml"
        defs_yaml.write_text(defs_yaml.read_text().replace("table: orders_by_product", "table: [orders]"))
        reloaded = client.reload_location("demo")
        assert f"{defs_yaml}:7: attributes.table: Input should be a valid string" in reloaded.load_error.message
