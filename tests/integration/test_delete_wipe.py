"""`weir runs delete` and `weir assets wipe` through a real `weir dev` host, on SQLite and PostgreSQL: a
deleted run leaves `weir runs` and storage, and the asset's last materialization becomes the run that
remains; a run in progress is refused; a wipe makes an asset never materialized and resets its partition
status while its runs stay; without a terminal, both need --yes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from host.cli.client import HostClient
from host.errors import WeirError
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, dev_host, wait_for

SHOP = """
import os
import time
from pathlib import Path
import sdk as dg

GATE = Path(os.environ["WEIR_TEST_GATE"])


@dg.asset
def orders() -> None:
    return None


@dg.asset
def slow() -> None:
    (GATE / "started").touch()
    while not (GATE / "release").exists():
        time.sleep(0.05)


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["eu", "us"]))
def regions() -> None:
    return None


defs = dg.Definitions(assets=[orders, slow, regions])
"""


def _host(tmp: Path, backend):  # type: ignore[no-untyped-def]
    (tmp / "gate").mkdir()
    (tmp / "shop.py").write_text(SHOP)
    workspace = tmp / "workspace.yaml"
    workspace.write_text("load_from:\n  - python_file: {relative_path: shop.py, location_name: shop}\n")
    return dev_host(tmp / "home", ["-w", str(workspace)], env={"WEIR_TEST_GATE": str(tmp / "gate"), **backend.env()})


def _weir(host, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", *args],
        env=host.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == code, result.stdout + result.stderr
    return result


def _run(client: HostClient, asset: str, partition: str = "", wait: bool = True) -> str:
    request = host_pb2.LaunchRunRequest(
        location="shop", asset_selection=[common_pb2.AssetKey(path=[asset])], partition_key=partition
    )
    run = client.launch_run(request)
    if wait:
        assert client.wait_for_run(run.run_id).status == host_pb2.SUCCESS
    return run.run_id


def _last_materialized(host, asset: str) -> str:  # type: ignore[no-untyped-def]
    rows = [line.split() for line in _weir(host, "assets").stdout.splitlines()[1:]]
    return next(row[-1] for row in rows if row[1] == asset)


def _loaded(client: HostClient) -> None:
    wait_for(lambda: all(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()), 60, what="the load")


def test_delete_a_run_and_refuse_one_in_progress(tmp_path, backend):
    with _host(tmp_path, backend) as host:
        client = host.client()
        _loaded(client)
        first, second = _run(client, "orders"), _run(client, "orders")
        assert _last_materialized(host, "orders") == f"({second[:8]})"

        refused = _weir(host, "runs", "delete", second, code=2)
        assert "pass --yes" in refused.stderr and client.get_run(second).run_id == second
        assert f"run {second} deleted" in _weir(host, "runs", "delete", second, "--yes").stdout

        assert second not in _weir(host, "runs").stdout and first in _weir(host, "runs").stdout
        assert _last_materialized(host, "orders") == f"({first[:8]})"
        with pytest.raises(WeirError) as gone:
            client.run_events(second)
        assert gone.value.status == grpc.StatusCode.NOT_FOUND
        shown = _weir(host, "assets", "show", "orders").stdout
        assert f"run {first}" in shown and second not in shown
        unknown = _weir(host, "runs", "delete", second, "--yes", code=1)
        assert f"no run {second!r}" in unknown.stderr

        going = _run(client, "slow", wait=False)
        wait_for(lambda: (tmp_path / "gate" / "started").exists(), 60, what="the slow step to start")
        busy = _weir(host, "runs", "delete", going, "--yes", code=1)
        assert f"cancel it first (`weir runs cancel {going}`)" in busy.stderr
        (tmp_path / "gate" / "release").touch()
        assert client.wait_for_run(going).status == host_pb2.SUCCESS


def test_wipe_forgets_materializations_and_partitions_keeping_runs(tmp_path, backend):
    with _host(tmp_path, backend) as host:
        client = host.client()
        _loaded(client)
        orders = _run(client, "orders")
        eu, us = _run(client, "regions", "eu"), _run(client, "regions", "us")
        assert client.partition_status("shop", "regions").materialized_count == 2

        assert "pass --yes" in _weir(host, "assets", "wipe", "orders", code=2).stderr
        assert "wiped orders: 1 events forgotten" in _weir(host, "assets", "wipe", "orders", "--yes").stdout
        assert _last_materialized(host, "orders") == "never"
        assert "materializations: none" in _weir(host, "assets", "show", "orders").stdout

        wiped = _weir(host, "assets", "wipe", "regions", "--partition", "eu", "--yes").stdout
        assert "wiped regions (partitions eu): 1 events forgotten" in wiped
        status = client.partition_status("shop", "regions")
        assert (status.materialized_count, status.missing_count) == (1, 1)
        assert client.wipe_assets(["regions"]) == 1
        assert client.partition_status("shop", "regions").missing_count == 2

        listed = _weir(host, "runs").stdout
        assert all(run_id in listed for run_id in (orders, eu, us))
        assert any(e.type == common_pb2.ASSET_MATERIALIZATION for e in client.run_events(orders).events)
        unknown = _weir(host, "assets", "wipe", "nope", "--yes", code=1)
        assert "no asset 'nope' in any loaded location or in storage" in unknown.stderr
