"""The life of a run across failures, on SQLite and on PostgreSQL: the host killed mid-run, the code
server and worker killed mid-run, the run queue's limits, cancellation, an outdated schema."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from codeserver.journal import read_all
from host.storage.engine import migrate, open_engine
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, dev_host, processes_mentioning, wait_for

CODE = """
import os, time
from pathlib import Path
import sdk as dg

GATE = Path(os.environ["WEIR_TEST_GATE"])


def _wait_for(name: str, context) -> None:
    (GATE / f"{context.run_id}.started").touch()
    deadline = time.time() + 120
    while not (GATE / name).exists() and time.time() < deadline:
        time.sleep(0.05)


@dg.asset
def gated(context: dg.AssetExecutionContext) -> int:
    for i in range(20):
        context.log.info(f"before the gate {i}")
    _wait_for("open", context)
    for i in range(20):
        context.log.info(f"after the gate {i}")
    return 1


@dg.asset
def endless(context: dg.AssetExecutionContext) -> int:
    _wait_for("never", context)
    (GATE / f"{context.run_id}.finished").touch()
    return 2


@dg.asset
def quick() -> int:
    return 3


@dg.asset
def chatty(context: dg.AssetExecutionContext) -> int:
    _wait_for("open", context)
    for i in range(12_000):  # more than one batch of events still to collect once the worker has exited
        context.log.info(f"line {i}")
    return 4


defs = dg.Definitions(assets=[gated, endless, quick, chatty])
"""


class Env:
    """A test's files: the code location, the gate directory, WEIR_HOME, weir.yaml."""

    def __init__(self, tmp: Path, backend, host_config: dict | None = None) -> None:  # type: ignore[no-untyped-def]
        self.tmp, self.home, self.gate = tmp, tmp / "home", tmp / "gate"
        self.gate.mkdir()
        self.home.mkdir()
        (tmp / "lifecycle.py").write_text(CODE)
        if host_config:
            (self.home / "weir.yaml").write_text(yaml.safe_dump(host_config))
        self.env = {"WEIR_TEST_GATE": str(self.gate), **backend.env()}

    def host(self):  # type: ignore[no-untyped-def]
        return dev_host(self.home, ["-f", str(self.tmp / "lifecycle.py")], env=self.env)

    def launch(self, client, asset: str, tags: dict[str, str] | None = None) -> str:  # type: ignore[no-untyped-def]
        request = host_pb2.LaunchRunRequest(
            location="lifecycle", asset_selection=[common_pb2.AssetKey(path=[asset])], tags=tags or {}
        )
        return client.launch_run(request).run_id

    def started(self, run_id: str) -> bool:
        return (self.gate / f"{run_id}.started").exists()


def _ready(client) -> None:  # type: ignore[no-untyped-def]
    wait_for(
        lambda: any(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
        30,
        what="the location to load",
    )


def _status(client, run_id: str) -> str:  # type: ignore[no-untyped-def]
    return host_pb2.RunStatus.Name(client.get_run(run_id).status)


def test_host_killed_mid_run_finishes_the_run_with_every_event_once(tmp_path, backend):
    env = Env(tmp_path, backend)
    with env.host() as host:
        client = host.client()
        _ready(client)
        run_id = env.launch(client, "gated")
        wait_for(lambda: env.started(run_id), 30, what="the step to start")
        host.kill()  # kill -9 the host; its code server exits by itself, the run worker goes on
        (env.gate / "open").touch()
        journal = env.home / "runs" / "lifecycle" / run_id / "events.journal"
        wait_for(lambda: (journal.parent / "exit").exists(), 30, what="the worker to finish")
    with env.host() as host:
        client = host.client()
        wait_for(lambda: _status(client, run_id) == "SUCCESS", 30, what="the run to be SUCCESS")
        events = client.run_events(run_id).events
        sequences = [e.sequence for e in events]
        assert sequences == list(range(len(read_all(journal))))
        messages = [e.message for e in events if e.type == common_pb2.LOG]
        assert messages.count("before the gate 0") == 1 and messages.count("after the gate 19") == 1


def test_a_worker_that_finished_while_the_host_was_down_is_collected_whole(tmp_path, backend):
    env = Env(tmp_path, backend)
    with env.host() as host:
        client = host.client()
        _ready(client)
        run_id = env.launch(client, "chatty")
        wait_for(lambda: env.started(run_id), 30, what="the step to start")
        host.kill()
        (env.gate / "open").touch()
        journal = env.home / "runs" / "lifecycle" / run_id / "events.journal"
        wait_for(lambda: (journal.parent / "exit").exists(), 60, what="the worker to finish")
    with env.host() as host:
        client = host.client()
        wait_for(lambda: _status(client, run_id) in ("SUCCESS", "FAILURE"), 60, what="the run to end")
        assert _status(client, run_id) == "SUCCESS", client.get_run(run_id).failure_reason
        stored = [e for page in client.event_pages(run_id) for e in page.events]  # pages of 1000 by default
        assert len(stored) == len(read_all(journal)) > 12_000


def test_code_server_and_worker_killed_mid_run_fail_the_run_and_free_its_slot(tmp_path, backend):
    env = Env(tmp_path, backend, {"run_queue": {"max_concurrent_runs": 1}})
    with env.host() as host:
        client = host.client()
        _ready(client)
        run_id = env.launch(client, "gated")
        wait_for(lambda: env.started(run_id), 30, what="the step to start")
        worker_pid = int((env.home / "runs" / "lifecycle" / run_id / "pid").read_text())
        servers = [
            p
            for p in processes_mentioning(str(env.home / "runs" / "lifecycle"))
            if "codeserver start" in Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        ]
        assert len(servers) == 1
        for pid in (servers[0], worker_pid):
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: _status(client, run_id) == "FAILURE", 30, what="the run to be marked FAILURE")
        reason = client.get_run(run_id).failure_reason
        assert "disappeared" in reason or "lost" in reason, reason
        _ready(client)  # the host spawned the code server again
        after = env.launch(client, "quick")
        wait_for(lambda: _status(client, after) == "SUCCESS", 30, what="the next run to use the freed slot")


def test_max_concurrent_runs_one_runs_one_after_the_other(tmp_path, backend):
    env = Env(tmp_path, backend, {"run_queue": {"max_concurrent_runs": 1}})
    with env.host() as host:
        client = host.client()
        _ready(client)
        first, second = env.launch(client, "gated"), env.launch(client, "gated")
        wait_for(lambda: env.started(first), 30, what="the first run to start")
        assert _status(client, second) == "QUEUED"
        (env.gate / "open").touch()
        wait_for(lambda: _status(client, second) == "SUCCESS", 60, what="the second run to finish")
        a, b = client.get_run(first), client.get_run(second)
        assert host_pb2.RunStatus.Name(a.status) == "SUCCESS"
        assert b.started_at >= a.ended_at


def test_tag_limit_holds_back_only_runs_with_that_tag(tmp_path, backend):
    env = Env(tmp_path, backend, {"run_queue": {"tag_concurrency_limits": [{"key": "database", "limit": 1}]}})
    with env.host() as host:
        client = host.client()
        _ready(client)
        first = env.launch(client, "gated", {"database": "warehouse"})
        wait_for(lambda: env.started(first), 30, what="the first run to start")
        held = env.launch(client, "gated", {"database": "warehouse"})
        other = env.launch(client, "quick", {"team": "ops"})
        wait_for(lambda: _status(client, other) == "SUCCESS", 30, what="the untagged run to finish")
        assert _status(client, held) == "QUEUED"
        (env.gate / "open").touch()
        wait_for(lambda: _status(client, held) == "SUCCESS", 60, what="the held run to finish")
        listed = subprocess.run(
            [sys.executable, "-m", "host.cli", "runs", "--tag", "database=warehouse"],
            env=host.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert first in listed.stdout and held in listed.stdout and other not in listed.stdout


def test_canceled_run_ends_canceled_and_its_step_stops(tmp_path, backend):
    env = Env(tmp_path, backend)
    with env.host() as host:
        client = host.client()
        _ready(client)
        run_id = env.launch(client, "endless")
        wait_for(lambda: env.started(run_id), 30, what="the step to start")
        worker_pid = int((env.home / "runs" / "lifecycle" / run_id / "pid").read_text())
        out = subprocess.run(
            [sys.executable, "-m", "host.cli", "runs", "cancel", run_id],
            env=host.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert out.returncode == 0, out.stderr
        assert f"run {run_id} CANCELED" in out.stdout
        wait_for(
            lambda: (
                not Path(f"/proc/{worker_pid}").exists()
                or "Z" in Path(f"/proc/{worker_pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
            ),
            10,
            what="the worker process to exit",
        )
        assert not (env.gate / f"{run_id}.finished").exists()
        types = [e.type for e in client.run_events(run_id).events]
        assert types[-1] == common_pb2.RUN_CANCELED


OLD_DB = REPO / "tests" / "host" / "storage" / "fixtures" / "weir_rev0001.sqlite"


def _old_schema(env: Env, backend) -> None:  # type: ignore[no-untyped-def]
    if backend.url is None:
        shutil.copy(OLD_DB, env.home / "weir.db")
        return
    engine = open_engine(backend.url)
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO runs (run_id, location, job_name, status, asset_selection, run_config_json, tags,"
            " snapshot_id, run_key, created_at) VALUES ('old-1', 'sales', 'daily', 'SUCCESS', '[]', '{}', '{}',"
            " 'snap-old', '', 1600000000.0)"
        )
    engine.dispose()


def test_outdated_schema_refuses_to_start_until_migrated(tmp_path, backend):
    env = Env(tmp_path, backend)
    _old_schema(env, backend)
    cli = [sys.executable, "-m", "host.cli"]
    full_env = {**os.environ, "WEIR_HOME": str(env.home), **env.env}
    refused = subprocess.run(
        [*cli, "dev", "--port", "0", "-f", str(tmp_path / "lifecycle.py")],
        env=full_env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "weir storage migrate" in refused.stderr
    migrated = subprocess.run(
        [*cli, "storage", "migrate"], env=full_env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert migrated.returncode == 0, migrated.stderr
    with env.host() as host:
        client = host.client()
        listed = subprocess.run([*cli, "runs"], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=30)
        assert re.search(r"old-1\s+sales\s+daily\s+SUCCESS", listed.stdout), listed.stdout
        assert client.get_run("old-1").status == host_pb2.SUCCESS
