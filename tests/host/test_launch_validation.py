"""LaunchRun refuses what cannot run, before any run exists, with a message that says what is wrong
and what exists instead: unknown location, job or asset; run config that is not JSON or breaks the
job's schema. Checked twice: on the plain launch function in this process (over a real code server's
snapshot), and end to end through `weir materialize` against `weir dev`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from host.config import Workspace
from host.domain.runs import launch_run
from host.errors import ConfigError, DefinitionNotFound, LocationNotFound
from host.locations.workspace import WorkspaceManager, build_workspace
from host.storage.engine import ensure_schema, open_engine
from protos.keys import parse_asset_key
from protos.weir.v1 import host_pb2
from tests.support import REPO, RunningCodeServer, dev_host, kill_processes_mentioning, wait_for

CODE = """
import sdk as dg


class Rows(dg.Config):
    n: int
    label: str = "x"


@dg.op
def make(config: Rows) -> int:
    return config.n


@dg.job
def configured():
    make()


@dg.asset
def orders() -> int:
    return 1


class Limit(dg.Config):
    rows: int


@dg.asset
def sized(config: Limit) -> int:
    return config.rows


defs = dg.Definitions(assets=[orders, sized], jobs=[configured])
"""
TOKEN = "launch-token"
# (request fields, the error type, words the message must hold)
CASES = [
    (dict(location="nowhere"), LocationNotFound, ["no code location named 'nowhere'", "locations: shop"]),
    (
        dict(location="shop", job_name="nope"),
        DefinitionNotFound,
        ["location 'shop' has no job 'nope'", "jobs: configured"],
    ),
    (
        dict(location="shop", asset_selection=["missing"]),
        DefinitionNotFound,
        ["location 'shop' has no materializable asset missing", "assets: orders"],
    ),
    (
        dict(location="shop", job_name="configured", run_config_json="{not json"),
        ConfigError,
        ["run config is not valid JSON"],
    ),
    (
        dict(location="shop", job_name="configured", run_config_json='{"ops": {"make": {"config": {"n": "ten"}}}}'),
        ConfigError,
        ["invalid run config for job 'configured'", "ops.make.config.n", "'ten' is not of type 'integer'"],
    ),
    (
        dict(location="shop", job_name="configured", run_config_json="{}"),
        ConfigError,
        ["invalid run config for job 'configured'", "'ops' is a required property"],
    ),
    # No job named: each selected asset's config is checked against that asset's schema.
    (
        dict(
            location="shop", asset_selection=["sized"], run_config_json='{"ops": {"sized": {"config": {"rows": "x"}}}}'
        ),
        ConfigError,
        ["invalid run config for the assets sized", "ops.sized.config.rows", "'x' is not of type 'integer'"],
    ),
    (
        dict(location="shop", asset_selection=["orders", "sized"], run_config_json="{}"),
        ConfigError,
        ["invalid run config for the assets orders, sized", "'ops' is a required property"],
    ),
]


def _request(fields: dict) -> host_pb2.LaunchRunRequest:  # type: ignore[type-arg]
    keys = [parse_asset_key(k) for k in fields.pop("asset_selection", [])]
    return host_pb2.LaunchRunRequest(asset_selection=keys, **fields)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkspaceManager]:
    tmp = tmp_path_factory.mktemp("launch")
    (tmp / "shop.py").write_text(CODE)
    server = RunningCodeServer(tmp, tmp / "shop.py", tmp / "runs", TOKEN)
    server.wait_loaded()
    config = Workspace.model_validate(
        {
            "load_from": [
                {
                    "grpc_server": {
                        "host": "127.0.0.1",
                        "port": int(server.address.rsplit(":", 1)[1]),
                        "location_name": "shop",
                        "token_env": "LAUNCH_TEST_TOKEN",
                    }
                }
            ]
        }
    )
    os.environ["LAUNCH_TEST_TOKEN"] = TOKEN
    manager = build_workspace(config, tmp, tmp / "home")
    manager.start()
    try:
        wait_for(lambda: manager.get("shop").state.snapshot_id, 30, what="the snapshot")
        yield manager
    finally:
        manager.stop()
        server.stop()
        kill_processes_mentioning(str(tmp))


@pytest.mark.parametrize(("fields", "error", "words"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_launch_refuses_with_the_reason_and_creates_no_run(workspace, tmp_path, fields, error, words):
    engine = open_engine(f"sqlite:///{tmp_path / 'weir.db'}")
    ensure_schema(engine)
    with pytest.raises(error) as caught:
        launch_run(engine, workspace, _request(dict(fields)), now=1.0)
    for word in words:
        assert word in str(caught.value), str(caught.value)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM runs")).scalar() == 0
    engine.dispose()


def test_materialize_shows_each_refusal_as_one_line_and_no_run_exists(tmp_path):
    (tmp_path / "shop.py").write_text(CODE)
    with dev_host(tmp_path / "home", ["-f", str(tmp_path / "shop.py")]) as host:
        client = host.client()
        wait_for(lambda: client.locations()[0].snapshot_id, 30, what="the location to load")
        for fields, _, words in CASES:
            args = ["materialize", "--location", fields["location"]]
            if fields.get("job_name"):
                args += ["--job", fields["job_name"]]
            if fields.get("asset_selection"):
                args += ["--select", ",".join(fields["asset_selection"])]
            if fields.get("run_config_json"):
                args += ["--config", fields["run_config_json"]]
            out = subprocess.run(
                [sys.executable, "-m", "host.cli", *args],
                env=host.env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert "Traceback" not in out.stderr
            if fields.get("run_config_json") == "{not json":  # the CLI reads --config itself (JSON or YAML)
                assert out.returncode == 2 and "neither JSON nor YAML" in out.stderr, (args, out.stderr)
                continue
            assert out.returncode == 1 and out.stderr.startswith("Error: "), (args, out.stdout, out.stderr)
            for word in words:
                assert word in out.stderr, (args, out.stderr)
        assert not list(client.runs(limit=10))
