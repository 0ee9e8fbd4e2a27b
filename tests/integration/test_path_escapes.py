"""Nothing a request names is written outside its place: partition keys are checked against their
partitions definition (dynamic keys when they are added), location names must be plain path
components, and every refusal is INVALID_ARGUMENT with a message. A real `weir dev` host, its code
server and run workers, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest

from protos import wire
from protos.weir.v1 import common_pb2, host_pb2, host_pb2_grpc
from tests.support import REPO, dev_host, host_json, wait_for, write_workspace

CODE = """
import sdk as dg

letters = dg.StaticPartitionsDefinition(["a", "b"])
files = dg.DynamicPartitionsDefinition(name="files")


@dg.asset(partitions_def=letters)
def by_letter(context: dg.AssetExecutionContext) -> str:
    return context.partition_key


@dg.asset(partitions_def=files)
def by_file(context: dg.AssetExecutionContext) -> str:
    return context.partition_key


@dg.asset
def plain() -> int:
    return 1


defs = dg.Definitions(assets=[by_letter, by_file, plain],
                      jobs=[dg.define_asset_job("letters_job", [by_letter], partitions_def=letters)])
"""
BAD_DYNAMIC_KEYS = ["../", "..", "", "nul\0key", "dir/file", "a...b", "a|b", "k" * 1000]


class RawHost:
    """The Host API as any gRPC client sees it: status codes, not the CLI's exceptions."""

    def __init__(self, weir_home: Path) -> None:
        info = host_json(weir_home)
        self.channel = wire.open_channel(info["address"])
        self.stub = host_pb2_grpc.HostStub(self.channel)
        self.metadata = wire.call_metadata(info["token"])

    def refused(self, method: Callable[..., Any], request: object) -> str:
        """The message of an INVALID_ARGUMENT refusal (fails on any other outcome)."""
        with pytest.raises(grpc.RpcError) as info:
            method(request, metadata=self.metadata, timeout=30)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, request, info.value.details())
        return info.value.details()


def _launch(asset: str = "", partition: str = "", job: str = "") -> host_pb2.LaunchRunRequest:
    selection = [common_pb2.AssetKey(path=[asset])] if asset else []
    return host_pb2.LaunchRunRequest(location="keys", asset_selection=selection, job_name=job, partition_key=partition)


def _files_below(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_bad_partition_keys_are_refused_and_nothing_is_written_outside_storage(tmp_path, backend):
    (tmp_path / "keys.py").write_text(CODE)
    sandbox = tmp_path / "sandbox"
    storage = sandbox / "deep" / "storage"
    env = {"WEIR_STORAGE_DIR": str(storage), **backend.env()}
    with dev_host(tmp_path / "home", ["-f", str(tmp_path / "keys.py")], env=env) as host:
        client = host.client()
        wait_for(lambda: client.locations()[0].status == host_pb2.LOCATION_LOADED, 60, what="the location")
        raw = RawHost(tmp_path / "home")

        def refuse_launch(request: host_pb2.LaunchRunRequest) -> str:
            return raw.refused(raw.stub.LaunchRun, request)

        for key in ("../../x/escape", "zzz", "a/../../b"):
            assert "is not a partition of asset 'by_letter'" in raw.refused(
                raw.stub.LaunchRun, _launch("by_letter", key)
            )
        assert "is not a partition of job 'letters_job'" in raw.refused(
            raw.stub.LaunchRun, _launch(job="letters_job", partition="zzz")
        )
        assert "not partitioned" in refuse_launch(_launch("plain", "a"))
        # partitioned assets without a key: refused (one output where partitions belong), as in Dagster
        assert "asset 'by_letter' is partitioned in location 'keys': pass a partition key" in raw.refused(
            raw.stub.LaunchRun, _launch("by_letter")
        )
        assert "job 'letters_job' is partitioned" in refuse_launch(_launch(job="letters_job"))
        assert "assets by_file, by_letter are partitioned" in refuse_launch(_launch())
        for key in BAD_DYNAMIC_KEYS:
            change = host_pb2.DynamicPartitionsChange(partitions_def_name="files", keys=["fine.csv", key])
            assert "key" in raw.refused(raw.stub.AddDynamicPartitions, change)
        assert list(client.dynamic_partitions("files").keys) == []  # a refused request adds nothing
        assert "is not a partition of asset 'by_file'" in refuse_launch(_launch("by_file", "new.csv"))
        client.add_dynamic_partitions("files", ["new.csv"])
        runs = [client.launch_run(_launch("by_file", "new.csv")), client.launch_run(_launch("by_letter", "a"))]
        assert [client.wait_for_run(r.run_id).status for r in runs] == [host_pb2.SUCCESS, host_pb2.SUCCESS]
        assert len(client.list_runs().runs) == 2
    assert _files_below(sandbox) == ["deep/storage/by_file/new.csv", "deep/storage/by_letter/a"]
    assert not (tmp_path / "x").exists()


def _weir(weir_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WEIR_HOME": str(weir_home)}
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_a_location_name_that_is_not_a_plain_directory_name_stops_the_host_with_one_error(tmp_path):
    (tmp_path / "keys.py").write_text(CODE)
    home = tmp_path / "deep" / "home"
    workspace = write_workspace(
        tmp_path / "workspace.yaml", [{"python_file": {"relative_path": "keys.py", "location_name": "../../x"}}]
    )
    done = _weir(home, "dev", "--port", "0", "-w", str(workspace))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "load_from.0: location name '../../x' contains a path separator" in done.stderr
    assert not (tmp_path / "x").exists() and not (home / "runs").exists() and not (home / "logs").exists()
    by_module = _weir(home, "dev", "--port", "0", "-m", ".relative")
    assert by_module.returncode == 1 and "Traceback" not in by_module.stderr
    assert "location name '' is empty" in by_module.stderr
