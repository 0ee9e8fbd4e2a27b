"""Re-execution and run retries through a real `weir dev` on SQLite and PostgreSQL: from failure only the
steps that failed run, loading their inputs through the IO managers; --select runs a part; a run that
fails is retried from failure, each retry linked to it, and exactly once per failed run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import yaml

from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, dev_host, wait_for

CODE = """
import os
from pathlib import Path
import sdk as dg

GATE = Path(os.environ["WEIR_TEST_GATE"])


def ran(context, name: str) -> None:
    with open(GATE / "executions", "a") as f:
        f.write(f"{context.run_id} {name}\\n")


@dg.asset
def raw(context: dg.AssetExecutionContext) -> int:
    ran(context, "raw")
    return 20


@dg.asset
def cleaned(context: dg.AssetExecutionContext, raw: int) -> int:
    ran(context, "cleaned")
    return raw + 1


@dg.asset
def report(context: dg.AssetExecutionContext, cleaned: int) -> dg.MaterializeResult:
    ran(context, "report")
    if not (GATE / "report_ok").exists():
        raise RuntimeError("the report's gate is closed")
    return dg.MaterializeResult(metadata={"input": cleaned})


@dg.asset
def flaky(context: dg.AssetExecutionContext) -> int:
    ran(context, "flaky")
    tries = (GATE / "executions").read_text().count(" flaky")
    if tries <= 2:
        raise RuntimeError(f"flaky failure {tries}")
    return tries


@dg.asset
def broken(context: dg.AssetExecutionContext) -> int:
    ran(context, "broken")
    raise RuntimeError("always")


@dg.op
def one(context) -> int:
    ran(context, "one")
    return 1


@dg.op
def two(context, x: int) -> int:
    ran(context, "two")
    return x + 1


@dg.op
def three(context, x: int) -> None:
    ran(context, "three")
    if not (GATE / "three_ok").exists():
        raise RuntimeError("the gate of three is closed")
    context.log.info(f"three got {x}")


@dg.job
def chain():
    three(two(one()))


defs = dg.Definitions(assets=[raw, cleaned, report, flaky, broken], jobs=[chain])
"""


def _host(tmp: Path, backend, host_config: dict | None = None):  # type: ignore[no-untyped-def]
    (tmp / "gate").mkdir()
    (tmp / "home").mkdir()
    (tmp / "chain_code.py").write_text(CODE)
    if host_config:
        (tmp / "home" / "weir.yaml").write_text(yaml.safe_dump(host_config))
    env = {"WEIR_TEST_GATE": str(tmp / "gate"), **backend.env()}
    return dev_host(tmp / "home", ["-f", str(tmp / "chain_code.py")], env=env)


def _weir(host, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    return result


def _run(client, assets=(), job: str = "", tags=None) -> host_pb2.Run:  # type: ignore[no-untyped-def]
    wait_for(
        lambda: any(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
        30,
        what="the location to load",
    )
    request = host_pb2.LaunchRunRequest(
        location="chain_code",
        job_name=job,
        tags=tags or {},
        asset_selection=[common_pb2.AssetKey(path=[a]) for a in assets],
    )
    return client.wait_for_run(client.launch_run(request).run_id, timeout=60)


def _executed(tmp: Path, run_id: str) -> list[str]:
    lines = (tmp / "gate" / "executions").read_text().splitlines()
    return [line.split()[1] for line in lines if line.startswith(run_id)]


def _new_run_id(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.split()[1]  # "run <id> queued in ..."


def test_reexecute_from_failure_runs_only_what_failed_loading_the_rest_and_select_runs_a_part(tmp_path, backend):
    with _host(tmp_path, backend) as host:
        client = host.client()
        failed = _run(client, ["raw", "cleaned", "report"])
        assert failed.status == host_pb2.FAILURE
        (tmp_path / "gate" / "report_ok").touch()

        result = _weir(host, "runs", "reexecute", failed.run_id, "--from-failure")
        child = client.get_run(_new_run_id(result))
        assert child.status == host_pb2.SUCCESS, result.stdout
        assert _executed(tmp_path, child.run_id) == ["report"]
        events = client.run_events(child.run_id).events
        values = [m.value for e in events if e.type == common_pb2.ASSET_MATERIALIZATION for m in e.metadata]
        assert [v.int_value for v in values] == [21]  # cleaned's value of the failed run, loaded
        assert (child.parent_run_id, child.root_run_id) == (failed.run_id, failed.run_id)
        assert [k.path[0] for k in child.asset_selection] == ["report"]
        assert child.run_config_json == failed.run_config_json
        shown = _weir(host, "runs", "show", child.run_id).stdout
        assert f"parent    {failed.run_id}" in shown and f"root      {failed.run_id}" in shown

        refused = _weir(host, "runs", "reexecute", child.run_id, "--from-failure", ok=False)
        assert "succeeded: nothing failed to re-execute" in refused.stderr + refused.stdout

        again = client.get_run(_new_run_id(_weir(host, "runs", "reexecute", child.run_id, "--select", "report")))
        assert again.status == host_pb2.SUCCESS
        assert _executed(tmp_path, again.run_id) == ["report"]
        assert (again.parent_run_id, again.root_run_id) == (child.run_id, failed.run_id)

        # an op job: three's input comes from two's output of the failed run, through the IO manager
        (tmp_path / "gate" / "report_ok").unlink()
        op_failed = _run(client, job="chain")
        assert op_failed.status == host_pb2.FAILURE
        (tmp_path / "gate" / "three_ok").touch()
        op_child = client.get_run(_new_run_id(_weir(host, "runs", "reexecute", op_failed.run_id, "--from-failure")))
        assert op_child.status == host_pb2.SUCCESS
        assert _executed(tmp_path, op_child.run_id) == ["three"]
        logs = [e.message for e in client.run_events(op_child.run_id).events if e.type == common_pb2.LOG]
        assert "three got 2" in logs
        op_select = client.get_run(_new_run_id(_weir(host, "runs", "reexecute", op_child.run_id, "--select", "two")))
        assert op_select.status == host_pb2.SUCCESS and _executed(tmp_path, op_select.run_id) == ["two"]


def test_a_failed_run_is_retried_from_failure_up_to_its_limit_and_exactly_once_per_failure(tmp_path, backend):
    with _host(tmp_path, backend, {"run_retries": {"max_retries": 1}}) as host:
        client = host.client()
        first = _run(client, ["flaky"], tags={"dagster/max_retries": "2"})
        assert first.status == host_pb2.FAILURE

        def chain(root: str) -> list[host_pb2.Run]:
            found = client.runs(limit=50, tags={"dagster/root_run_id": root})
            return sorted(found, key=lambda r: r.created_at)

        def ended(root: str, count: int) -> bool:
            runs = chain(root)
            return len(runs) == count and runs[-1].status in (host_pb2.SUCCESS, host_pb2.FAILURE)

        wait_for(
            lambda: ended(first.run_id, 2) and chain(first.run_id)[-1].status == host_pb2.SUCCESS,
            60,
            what="two retries, the second successful",
        )
        retries = chain(first.run_id)
        assert [r.status for r in retries] == [host_pb2.FAILURE, host_pb2.SUCCESS]
        assert [r.parent_run_id for r in retries] == [first.run_id, retries[0].run_id]
        assert [r.tags["dagster/retry_number"] for r in retries] == ["1", "2"]

        # weir.yaml's max_retries: 1 for a run without the tag: one retry, then no more
        always = _run(client, ["broken"])
        wait_for(lambda: ended(always.run_id, 1), 60, what="the retry of the broken run to end")
        time.sleep(3)  # several passes of the retry loop
        assert [r.status for r in chain(always.run_id)] == [host_pb2.FAILURE]
        assert len(_executed(tmp_path, always.run_id)) == 1
