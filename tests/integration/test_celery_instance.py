"""context.instance in steps on Celery workers: a worker given its location's code server
(`weir celery worker --code-server HOST:PORT`, token in WEIR_CODE_SERVER_TOKEN) reads the host's
storage through it, scoped to the step's run; a worker without one fails the step saying how to give
it one; `--code-server` without a token is refused at start.

Needs Redis on 127.0.0.1:6379 (`redis-server --daemonize yes --port 6379`); skipped when it is down.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, RunningCodeServer, dev_host, wait_for

BROKER = "redis://127.0.0.1:6379/0"
TOKEN = "celery-instance-token"

CODE = """
import sdk as dg

celery = dg.celery_executor.configured({"broker": BROKER, "default_queue": QUEUE})


@dg.asset
def reads_its_run(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    run = context.instance.get_run_by_id(context.run_id)
    return dg.MaterializeResult(metadata={"job_seen": run.job_name, "status_seen": str(run.status)})


@dg.asset
def no_instance(context: dg.AssetExecutionContext) -> None:
    context.instance.get_run_by_id(context.run_id)


reads_job = dg.define_asset_job("reads_job", selection=["reads_its_run"], executor_def=celery)
bare_job = dg.define_asset_job(
    "bare_job", selection=["no_instance"], executor_def=celery,
    tags={"dagster-celery/queue": QUEUE + "-bare"},
)
@dg.op
def add_one(context: dg.OpExecutionContext, x: int) -> int:
    context.log.info(f"add_one got {x} on Celery")
    return x + 1


@dg.job(executor_def=celery)
def adds() -> None:
    add_one()  # x from run config


defs = dg.Definitions(assets=[reads_its_run, no_instance], jobs=[reads_job, bare_job, adds])
"""


def _redis_up() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 6379), timeout=1):
        return True
    return False


pytestmark = pytest.mark.skipif(
    not _redis_up(), reason="Redis is not running on 127.0.0.1:6379; redis-server --daemonize yes --port 6379"
)


def _celery_worker(tmp: Path, *extra: str) -> list[str]:
    """`weir celery worker` for location "shop" (the code server's name for it, so the snapshot ids match)."""
    command = [sys.executable, "-m", "host.cli", "celery", "worker", "--location", "shop", "-f", str(tmp / "code.py")]
    return [*command, "--broker", BROKER, *extra]


def _worker(tmp: Path, env: dict[str, str], name: str, queue: str, *extra: str) -> subprocess.Popen[bytes]:
    log = open(tmp / f"{name}.log", "ab")  # noqa: SIM115 - the worker's log outlives this call
    command = _celery_worker(tmp, "-Q", queue, "-c", "2", "-n", f"{name}@{tmp.name}", "-l", "WARNING", *extra)
    return subprocess.Popen(command, env=env, cwd=tmp, stdout=log, stderr=log, start_new_session=True)


def test_steps_on_celery_read_the_instance_through_their_code_server(tmp_path: Path) -> None:
    queue = f"weir-instance-{uuid.uuid4().hex[:10]}"
    (tmp_path / "code.py").write_text(f"BROKER, QUEUE = {BROKER!r}, {queue!r}\n" + CODE)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = RunningCodeServer(tmp_path, tmp_path / "code.py", tmp_path / "runs", TOKEN)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        (tmp_path / "workspace.yaml").write_text(
            "load_from:\n  - grpc_server:\n      host: 127.0.0.1\n"
            f"      port: {server.address.split(':')[1]}\n      location_name: shop\n      token_env: SHOP_TOKEN\n"
        )
        refused = subprocess.run(
            _celery_worker(tmp_path, "--code-server", server.address),
            env={k: v for k, v in env.items() if k != "WEIR_CODE_SERVER_TOKEN"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode != 0 and "needs that server's token in WEIR_CODE_SERVER_TOKEN" in refused.stderr

        workers.append(
            _worker(tmp_path, {**env, "WEIR_CODE_SERVER_TOKEN": TOKEN}, "w", queue, "--code-server", server.address)
        )
        workers.append(_worker(tmp_path, env, "bare", queue + "-bare"))
        names = [f"w@{tmp_path.name}", f"bare@{tmp_path.name}"]
        app = Celery("weir-test", broker=BROKER)
        try:
            wait_for(
                lambda: {n for r in (app.control.ping(destination=names, timeout=1.0) or []) for n in r} >= set(names),
                60,
                interval=0.2,
                what="both Celery workers to answer a ping",
            )
        finally:
            app.close()
        with dev_host(
            tmp_path / "home", ["-w", str(tmp_path / "workspace.yaml")], env={**env, "SHOP_TOKEN": TOKEN}
        ) as host:
            client = host.client()
            wait_for(
                lambda: any(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
                60,
                what="the location to load",
            )
            run = client.launch_run(host_pb2.LaunchRunRequest(location="shop", job_name="reads_job"))
            done = client.wait_for_run(run.run_id, timeout=90)
            events = [e for page in client.event_pages(run.run_id) for e in page.events]
            assert done.status == host_pb2.SUCCESS, [e.message for e in events][-10:]
            (materialized,) = [e for e in events if e.type == common_pb2.ASSET_MATERIALIZATION]
            seen = {
                m.key: json.loads(m.value.json) if m.value.HasField("json") else m.value.text
                for m in materialized.metadata
            }
            assert seen["job_seen"] == "reads_job"
            assert "STARTED" in str(seen["status_seen"])  # the host's record of this very run, read mid-run

            config = json.dumps({"ops": {"add_one": {"inputs": {"x": 41}}}})  # an unconnected input's value
            given = client.launch_run(
                host_pb2.LaunchRunRequest(location="shop", job_name="adds", run_config_json=config)
            )
            assert client.wait_for_run(given.run_id, timeout=90).status == host_pb2.SUCCESS
            logged = [e.message for page in client.event_pages(given.run_id) for e in page.events]
            assert "add_one got 41 on Celery" in logged

            bare = client.launch_run(host_pb2.LaunchRunRequest(location="shop", job_name="bare_job"))
            failed = client.wait_for_run(bare.run_id, timeout=90)
            assert failed.status == host_pb2.FAILURE
            messages = "\n".join(e.message for page in client.event_pages(bare.run_id) for e in page.events)
            assert "started without --code-server" in messages and "WEIR_CODE_SERVER_TOKEN" in messages
    finally:
        for proc in workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        server.stop()
