"""weir.yaml's run_launcher: which launcher a host uses, the errors a bad one gets, and the run worker
server a run container runs (`python -m codeserver run-worker`), driven over real gRPC as the docker
launcher drives it. The docker launcher itself runs for real in tests/docker/test_compose.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from host.api.instance import InstanceService
from host.config import load_host_config
from host.daemon.launchers import build_launcher
from host.daemon.launchers.default import CodeServerLauncher
from host.daemon.launchers.docker import DockerRunLauncher
from host.errors import ConfigError, WeirError
from host.locations.client import GrpcLocationClient
from host.locations.workspace import WorkspaceManager
from host.storage import runs as run_store
from host.storage.engine import ensure_schema, open_engine
from host.storage.records import RunRecord, RunStatus
from protos.weir.v1 import codeserver_pb2, common_pb2
from tests.support import REPO, kill_processes_mentioning, wait_for


def _config(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "weir.yaml"
    path.write_text(text)
    return load_host_config(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "run_launcher: {module: kubernetes}",
            "run_launcher: module 'kubernetes' is not a run launcher: choose one of default, docker",
        ),
        ("run_launcher: k8s", "module 'k8s' is not a run launcher: choose one of default, docker"),
        (
            "run_launcher: {module: docker, config: {netwrk: x}}",
            "run_launcher: docker launcher: config.netwrk: Extra inputs",
        ),
        ("run_launcher: {module: docker, config: {port: 0}}", "config.port: Input should be greater than 0"),
        ("run_launcher: {module: docker, config: {env_vars: ['=x']}}", "env_vars entry '=x' names no variable"),
        (
            "run_launcher: {module: docker, config: {locations: {a: {imag: x}}}}",
            "config.locations.a.imag: Extra inputs",
        ),
        ("run_launcher: {config: {image: x}}", "the default launcher takes no settings (got image)"),
        ("run_launcher: {module: docker, confg: {}}", "run_launcher.confg: Extra inputs"),
    ],
)
def test_bad_run_launcher_names_the_key_and_the_choices(tmp_path, text, expected):
    with pytest.raises(ConfigError) as info:
        _config(tmp_path, text)
    assert expected in str(info.value)
    assert str(tmp_path / "weir.yaml") in str(info.value)


def test_docker_launcher_without_the_docker_sdk_says_how_to_install_it(tmp_path, monkeypatch):
    config = _config(tmp_path, "run_launcher: docker").run_launcher
    monkeypatch.setitem(sys.modules, "host.daemon.launchers.docker", None)  # as if `docker` were not installed
    with pytest.raises(ConfigError) as info:
        build_launcher(config, WorkspaceManager([]))
    assert "pip install 'weir[docker]'" in str(info.value)


def test_launcher_is_chosen_by_weir_yaml(tmp_path):
    workspace = WorkspaceManager([])
    assert isinstance(build_launcher(_config(tmp_path, "{}").run_launcher, workspace), CodeServerLauncher)
    assert isinstance(
        build_launcher(_config(tmp_path, "run_launcher: default").run_launcher, workspace), CodeServerLauncher
    )
    docker = _config(
        tmp_path,
        "run_launcher:\n  module: docker\n"
        "  config:\n    network: weir_default\n    env_vars: [A]\n"
        "    locations: {sales: {image: weir-sales:1, env_vars: [B=2], volumes: ['d:/data']}}\n",
    )
    launcher = build_launcher(docker.run_launcher, workspace)  # the engine is reached on first use only
    assert isinstance(launcher, DockerRunLauncher)
    sales = docker.run_launcher.docker.location("sales")
    assert (sales.image, sales.env_vars, sales.volumes) == ("weir-sales:1", ["A", "B=2"], ["d:/data"])
    assert docker.run_launcher.docker.location("forecast").image is None
    # Dagster's form of the same setting is read as it is written in a dagster.yaml
    dagster = _config(tmp_path, "run_launcher: {module: dagster_docker, class: DockerRunLauncher, config: {image: x}}")
    assert dagster.run_launcher.module == "docker" and dagster.run_launcher.docker.image == "x"


DEFINITIONS = """
import sdk as dg


@dg.asset
def greeting(context: dg.AssetExecutionContext) -> str:
    context.log.info("hello from the run's own server")
    me = context.instance.get_run_by_id(context.run_id)
    context.log.info(f"the host says this run is {me.status.value} in {me.tags.get('where')}")
    return "hello"


defs = dg.Definitions(assets=[greeting])
"""


@pytest.fixture
def run_server(tmp_path: Path) -> Iterator[GrpcLocationClient]:
    """`python -m codeserver run-worker` for run r1 on a free port, as a run container runs it."""
    (tmp_path / "defs.py").write_text(DEFINITIONS)
    ready = tmp_path / "ready"
    env = {**os.environ, "WEIR_TOKEN": "t0ken", "WEIR_STORAGE_DIR": str(tmp_path / "storage")}
    with open(tmp_path / "server.log", "ab") as log:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "codeserver", "run-worker", "--run-id", "r1", "--host", "127.0.0.1"),
                *("--port", "0", "--ready-file", str(ready), "--runs-dir", str(tmp_path / "runs")),
                *("-f", str(tmp_path / "defs.py"), "--location-name", "shop"),
            ],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    client = None
    try:
        port = wait_for(lambda: ready.exists() and ready.read_text(), 30, what="the run worker server to bind")
        client = GrpcLocationClient("shop", f"127.0.0.1:{port}", token="t0ken")
        yield client
    finally:
        if client is not None:
            client.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        kill_processes_mentioning(str(tmp_path))


def _events(client: GrpcLocationClient, run_id: str) -> tuple[list[common_pb2.RunEvent], codeserver_pb2.RunWorker]:
    events: list[common_pb2.RunEvent] = []
    worker = codeserver_pb2.RunWorker()
    for batch in client.watch_run_events(run_id, -1):
        events += batch.events
        worker = batch.worker
    return events, worker


def test_run_worker_server_runs_its_one_run_and_serves_its_journal(run_server, tmp_path):
    client = run_server
    engine = open_engine(f"sqlite:///{tmp_path / 'weir.db'}")
    ensure_schema(engine)
    with engine.begin() as conn:  # the run as the host stores it: context.instance reads it from there
        run_store.add_run(
            conn,
            RunRecord(
                run_id="r1",
                location="shop",
                job_name="__ASSET_JOB",
                status=RunStatus.STARTED,
                asset_selection=("greeting",),
                run_config_json="{}",
                tags={"where": "a container"},
                snapshot_id="",
                created_at=time.time(),
            ),
        )
    client.serve_instance(InstanceService(engine).answer)
    # before StartRun the run is unknown there: the host's watcher then launches it (rule 10)
    assert client.run_worker("r1").state == codeserver_pb2.WORKER_NOT_FOUND
    request = codeserver_pb2.StartRunRequest(run_id="r1", asset_selection=[common_pb2.AssetKey(path=["greeting"])])
    pid = client.start_run(request).pid
    assert client.start_run(request).pid == pid  # starting it again returns the same worker
    wait_for(
        lambda: client.run_worker("r1").state == codeserver_pb2.WORKER_EXITED, 60, what="the run's worker to finish"
    )
    events, worker = _events(client, "r1")
    types = [common_pb2.EventType.Name(e.type) for e in events]
    assert types[0] == "RUN_START" and types[-1] == "RUN_SUCCESS", [
        (e.type, e.message, e.error.message) for e in events
    ]
    messages = [e.message for e in events]
    assert "hello from the run's own server" in messages
    assert "the host says this run is STARTED in a container" in messages, messages
    assert [e.sequence for e in events] == list(range(len(events)))
    assert worker.state == codeserver_pb2.WORKER_EXITED and worker.exit_code == 0

    with pytest.raises(WeirError, match="this server runs only run r1 of location 'shop', not 'r2'"):
        client.start_run(codeserver_pb2.StartRunRequest(run_id="r2"))
    with pytest.raises(WeirError, match="token"):
        GrpcLocationClient("shop", client.address, token="wrong").run_worker("r1")


def test_compose_recipe_weir_yaml_is_valid():
    """docker/compose.run-containers.yaml mounts docker/weir.run-containers.yaml as the host's weir.yaml."""
    config = load_host_config(REPO / "docker" / "weir.run-containers.yaml").run_launcher
    assert config.module == "docker" and config.docker.network == "weir_default"
    assert config.docker.location("sales").image == "weir-sales:latest"
