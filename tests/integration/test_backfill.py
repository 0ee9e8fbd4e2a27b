"""Backfills under real `weir dev`, with runs in real run workers: a host killed with kill -9 halfway
through resumes without duplicating runs; the CLI's backfill, partitions and assets partitions commands."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import yaml

from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, DevHost, dev_host, wait_for

CODE = """
import time
import sdk as dg

daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01")
files = dg.DynamicPartitionsDefinition(name="files")


@dg.asset(partitions_def=daily)
def daily_sales(context: dg.AssetExecutionContext) -> str:
    time.sleep(0.3)
    return context.partition_key


@dg.asset(partitions_def=daily, backfill_policy=dg.BackfillPolicy.multi_run(10))
def daily_totals(context: dg.AssetExecutionContext) -> dict:
    return {key: len(key) for key in context.partition_keys}


@dg.asset(partitions_def=files)
def file_rows(context: dg.AssetExecutionContext) -> str:
    if context.partition_key == "bad.csv":
        raise ValueError("bad file")
    return context.partition_key


defs = dg.Definitions(assets=[daily_sales, daily_totals, file_rows])
"""


def _home(tmp_path: Path, backend) -> tuple[Path, dict[str, str]]:  # type: ignore[no-untyped-def]
    (tmp_path / "backfills.py").write_text(CODE)
    home = tmp_path / "home"
    home.mkdir()
    (home / "weir.yaml").write_text(yaml.safe_dump({"run_queue": {"max_concurrent_runs": 3}}))
    return home, {"WEIR_STORAGE_DIR": str(tmp_path / "storage"), **backend.env()}


def _loaded(client) -> None:  # type: ignore[no-untyped-def]
    wait_for(
        lambda: any(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
        60,
        what="the location to load",
    )


def _succeeded(client, backfill_id: str) -> int:  # type: ignore[no-untyped-def]
    return client.get_backfill(backfill_id).partitions_by_status.get("SUCCESS", 0)


def test_backfill_of_31_days_survives_kill_9_of_the_host_without_duplicate_runs(tmp_path, backend):
    home, env = _home(tmp_path, backend)
    args = ["-f", str(tmp_path / "backfills.py")]
    with dev_host(home, args, env=env) as host:
        client = host.client()
        _loaded(client)
        created = client.launch_backfill(
            host_pb2.LaunchBackfillRequest(
                location="backfills",
                asset_selection=[common_pb2.AssetKey(path=["daily_sales"])],
                range_start="2024-01-01",
                range_end="2024-01-31",
            )
        )
        assert (created.partition_count, created.run_count) == (31, 31)
        wait_for(lambda: _succeeded(client, created.backfill_id) >= 12, 120, what="12 partitions to succeed")
        host.kill()  # kill -9; the run workers go on (dev_host's clean-up would stop them: restart inside)
        restarted = DevHost(home, args, env=env)
        try:
            _finishes_after_restart(restarted.client(), created)
        finally:
            restarted.stop()


def _finishes_after_restart(client, created: host_pb2.Backfill) -> None:  # type: ignore[no-untyped-def]
    """31 successful partitions, one run each, every partition materialized."""
    wait_for(
        lambda: client.get_backfill(created.backfill_id).status in ("COMPLETED", "FAILED"),
        180,
        what="the backfill to finish after the restart",
    )
    final = client.get_backfill(created.backfill_id, with_partitions=True)
    runs = [r for r in client.list_runs(limit=500).runs if r.backfill_id == created.backfill_id]
    failures = [(r.partition_key, r.failure_reason) for r in runs if r.status != host_pb2.SUCCESS]
    assert final.status == "COMPLETED" and dict(final.partitions_by_status) == {"SUCCESS": 31}, failures
    assert sorted(r.partition_key for r in runs) == [p.partition_key for p in final.partitions]
    assert len({r.run_id for r in runs}) == 31
    status = client.partition_status("backfills", "daily_sales")
    assert (status.materialized_count, status.missing_count, status.failed_count) == (31, 0, 0)


def _weir(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WEIR_HOME": str(home)}
    env.pop("WEIR_HOST_ADDRESS", None)
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=180
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def test_cli_backfills_by_policy_dynamic_partitions_and_partition_status(tmp_path, backend):
    home, env = _home(tmp_path, backend)
    with dev_host(home, ["-f", str(tmp_path / "backfills.py")], env=env) as host:
        client = host.client()
        _loaded(client)
        done = _weir(
            home,
            "backfill",
            "--location",
            "backfills",
            "--select",
            "daily_totals",
            "--partitions",
            "2024-01-01...2024-01-25",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "25 partitions in 3 runs" in done.stdout and "COMPLETED" in done.stdout
        assert "backfill" in done.stderr  # the progress bar
        shown = _words(_weir(home, "assets", "partitions", "daily_totals").stdout)
        assert "materialized 25 2024-01-01...2024-01-25" in shown and "missing 6 2024-01-26...2024-01-31" in shown
        added = _weir(home, "partitions", "add", "files", "a.csv", "bad.csv", "c.csv")
        assert "added 3 keys" in added.stdout, added.stderr
        assert client.partition_keys("backfills", "file_rows").computed_by == "storage"
        failed = _weir(home, "backfill", "--location", "backfills", "--select", "file_rows", "--partitions", "*")
        assert failed.returncode == 1 and "FAILED" in failed.stdout
        backfill_id = failed.stdout.split()[1].rstrip(":")
        show = _words(_weir(home, "backfill", "show", backfill_id).stdout)
        assert "bad.csv FAILURE" in show and "a.csv SUCCESS" in show, show
        status = _words(_weir(home, "assets", "partitions", "file_rows", "--location", "backfills").stdout)
        assert "materialized 2 a.csv, c.csv" in status and "failed 1 bad.csv" in status, status
        assert "backfills" in _weir(home, "backfill", "list").stdout
        _weir(home, "partitions", "delete", "files", "c.csv")
        assert _weir(home, "partitions", "list", "files").stdout.split() == ["a.csv", "bad.csv"]


ORDERED = """
import time
import sdk as dg

daily = dg.DailyPartitionsDefinition(start_date="2023-01-20", end_date="2023-01-26")


@dg.asset(partitions_def=daily)
def events(context: dg.AssetExecutionContext) -> str:
    time.sleep(0.5)  # the sibling run of the next day would read it too early if runs overlapped
    return context.partition_key


@dg.asset(partitions_def=daily, ins={"events": dg.AssetIn(partition_mapping=dg.TimeWindowPartitionMapping(
    start_offset=-1, end_offset=-1, allow_nonexistent_upstream_partitions=True))})
def day_over_day(context: dg.AssetExecutionContext, events) -> str:
    return f"{context.partition_key} after {events}"


defs = dg.Definitions(assets=[events, day_over_day])
"""


def test_a_backfill_reading_the_previous_day_runs_its_partitions_in_order(tmp_path, backend):
    (tmp_path / "ordered.py").write_text(ORDERED)
    home = tmp_path / "home"
    home.mkdir()
    (home / "weir.yaml").write_text(yaml.safe_dump({"run_queue": {"max_concurrent_runs": 4}}))
    env = {"WEIR_STORAGE_DIR": str(tmp_path / "storage"), **backend.env()}
    with dev_host(home, ["-f", str(tmp_path / "ordered.py")], env=env) as host:
        _loaded(host.client())
        done = _weir(
            home,
            "backfill",
            "--location",
            "ordered",
            "--select",
            "events,day_over_day",
            "--partitions",
            "2023-01-20...2023-01-25",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "6 partitions in 6 runs" in done.stdout and "COMPLETED" in done.stdout
        runs = sorted(host.client().runs(limit=10), key=lambda r: r.partition_key)
        assert [r.partition_key for r in runs] == [f"2023-01-2{d}" for d in range(6)]
        assert all(later.started_at >= earlier.ended_at for earlier, later in itertools.pairwise(runs))
