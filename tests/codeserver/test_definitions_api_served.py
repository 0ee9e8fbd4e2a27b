"""Dagster's definitions API under a real code server and run worker: a file with no `defs` but one
@repository loads; assets gathered by load_assets_from_modules (group and prefix) are in the snapshot;
a job's tags are in the snapshot for the host to put on its runs; hooks run in the worker's forked step
processes and a custom logger gets the run's records there; a job mapping over a dynamic output runs
its expanded steps in the worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codeserver.journal import read_all
from protos.weir.v1 import codeserver_pb2, common_pb2
from tests.support import RunningCodeServer, serving, wait_for

TOKEN = "definitions-api-token"
ASSETS = """
import sdk as dg


@dg.asset
def orders() -> list:
    return [1, 2]


@dg.asset
def revenue(orders: list) -> int:
    return sum(orders)
"""
CODE = """
import json
import logging
import os
from pathlib import Path

import sdk as dg

import shop_assets

GATE = Path(os.environ["WEIR_TEST_GATE"])


def note(line: str) -> None:
    with open(GATE / "notes", "a") as f:
        f.write(line + "\\n")


@dg.success_hook
def on_success(context: dg.HookContext) -> None:
    note(f"hook {context.op.name} {context.op_output_values} pid={os.getpid()}")


class ToGate(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        note(f"log {record.levelname} {record.dagster_meta['step_key']} {record.dagster_meta['orig_message']}")


@dg.logger
def gate_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    made = logging.Logger("gate", logging.INFO)
    made.addHandler(ToGate())
    return made


@dg.op
def first(context: dg.OpExecutionContext) -> int:
    context.log.info("tags " + json.dumps(context.run.tags, sort_keys=True))
    return 1


@dg.op
def second(x: int) -> int:
    return x + 1


@dg.job(tags={"team": "sales"}, hooks={on_success}, logger_defs={"gate": gate_logger})
def tagged() -> None:
    second(first())


@dg.op(out=dg.DynamicOut())
def parts():
    for key in ("x", "y"):
        yield dg.DynamicOutput(key, mapping_key=key)


@dg.op
def shout(part: str) -> str:
    return part.upper()


@dg.op
def gather(context: dg.OpExecutionContext, parts: list) -> None:
    context.log.info("gathered " + "".join(parts))


@dg.job
def fanned() -> None:
    gather(parts().map(shout).collect())


@dg.repository
def shop():
    return [*dg.load_assets_from_modules([shop_assets], group_name="shop", key_prefix="s"), tagged, fanned]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningCodeServer, Path]]:
    tmp = tmp_path_factory.mktemp("definitions_api")
    (tmp / "shop_assets.py").write_text(ASSETS)
    with serving(tmp, CODE, TOKEN) as running:
        yield running, tmp


def test_a_repository_file_loads_with_loaded_assets_and_the_jobs_run_tags(server) -> None:  # type: ignore[no-untyped-def]
    running, _tmp = server
    snapshot = running.snapshot()
    assert sorted(("/".join(a.key.path), a.group_name) for a in snapshot.assets) == [
        ("s/orders", "shop"),
        ("s/revenue", "shop"),
    ]
    revenue = next(a for a in snapshot.assets if a.key.path == ["s", "revenue"])
    assert ["/".join(d.path) for d in revenue.deps] == ["s/orders"]
    job = next(j for j in snapshot.jobs if j.name == "tagged")
    assert dict(job.run_tags) == {"team": "sales"}


def test_hooks_and_a_custom_logger_run_in_the_run_worker(server) -> None:  # type: ignore[no-untyped-def]
    running, tmp = server
    request = codeserver_pb2.StartRunRequest(run_id="hooked", job_name="tagged", tags={"team": "sales", "by": "host"})
    worker_pid = running.stub.StartRun(request, metadata=running.metadata, timeout=30).pid
    run_dir = tmp / "runs" / "hooked"
    wait_for(lambda: (run_dir / "exit").exists(), 60, what="the run to end")
    events = read_all(run_dir / "events.journal")
    assert events[-1].type == common_pb2.RUN_SUCCESS, [e.message for e in events]
    logged = [e.message for e in events if e.type == common_pb2.LOG]
    assert 'tags {"by": "host", "team": "sales"}' in logged
    notes = (tmp / "gate" / "notes").read_text().splitlines()
    hooks = sorted(n.split(" pid=")[0] for n in notes if n.startswith("hook "))
    assert hooks == ["hook first {'result': 1}", "hook second {'result': 2}"]
    hook_pids = {int(n.split(" pid=")[1]) for n in notes if n.startswith("hook ")}
    assert worker_pid not in hook_pids  # the multiprocess executor forked each step; hooks ran there
    assert 'log INFO first tags {"by": "host", "team": "sales"}' in notes
    assert not [n for n in notes if n.startswith("log DEBUG")]  # the logger's own level holds


def test_a_dynamic_job_expands_in_the_run_worker(server) -> None:  # type: ignore[no-untyped-def]
    running, tmp = server
    request = codeserver_pb2.StartRunRequest(run_id="fanned", job_name="fanned")
    running.stub.StartRun(request, metadata=running.metadata, timeout=30)
    run_dir = tmp / "runs" / "fanned"
    wait_for(lambda: (run_dir / "exit").exists(), 60, what="the run to end")
    events = read_all(run_dir / "events.journal")
    assert events[-1].type == common_pb2.RUN_SUCCESS, [e.message for e in events]
    succeeded = sorted(e.step_key for e in events if e.type == common_pb2.STEP_SUCCESS)
    assert succeeded == ["gather", "parts", "shout[x]", "shout[y]"]
    assert "gathered XY" in [e.message for e in events if e.type == common_pb2.LOG]
