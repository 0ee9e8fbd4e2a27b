"""Declarative automation through a real `weir dev` (two locations, one automation tick a second): an
eager asset in one location runs once after its dep in another location does; a partitioned eager asset
runs only the partitions whose dep changed; on_missing runs a wiped asset once; the sensor is listed,
stops and starts like any sensor; `weir automation explain` prints why, `weir automation ticks` what."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from host.cli.client import HostClient
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, DevHost, dev_host, wait_for

SENSOR = "default_automation_condition_sensor"

UPSTREAM = """
import sdk as dg

REGIONS = dg.StaticPartitionsDefinition(["eu", "us"])


@dg.asset
def raw() -> None:
    return None


@dg.asset(partitions_def=REGIONS)
def regional() -> None:
    return None


defs = dg.Definitions(assets=[raw, regional])
"""

DOWNSTREAM = """
from datetime import timedelta

import sdk as dg

AC = dg.AutomationCondition
REGIONS = dg.StaticPartitionsDefinition(["eu", "us"])


@dg.asset(deps=["raw"], automation_condition=AC.eager())
def clean() -> None:
    return None


@dg.asset(deps=["regional"], partitions_def=REGIONS, automation_condition=AC.eager())
def regional_report() -> None:
    return None


@dg.asset(automation_condition=AC.on_missing(), freshness_policy=dg.FreshnessPolicy.time_window(timedelta(hours=1)))
def lookup() -> None:
    return None


STALE = dg.AssetSpec("stale", freshness_policy=dg.FreshnessPolicy.cron("0 6 * * *", timedelta(hours=1)))
EXTERNAL = [dg.AssetSpec("raw"), dg.AssetSpec("regional", partitions_def=REGIONS)]
defs = dg.Definitions(assets=[clean, regional_report, lookup, STALE, *EXTERNAL])
"""


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    tmp = tmp_path_factory.mktemp("automation")
    (tmp / "upstream.py").write_text(UPSTREAM)
    (tmp / "downstream.py").write_text(DOWNSTREAM)
    workspace = tmp / "workspace.yaml"
    workspace.write_text(
        "load_from:\n"
        "  - python_file: {relative_path: upstream.py, location_name: upstream}\n"
        "  - python_file: {relative_path: downstream.py, location_name: downstream}\n"
    )
    home = tmp / "home"
    home.mkdir()
    (home / "weir.yaml").write_text("automation: {interval_seconds: 0.5}\n")
    with dev_host(home, ["-w", str(workspace), "--no-ui"]) as running:
        yield running


@pytest.fixture(scope="module")
def client(host: DevHost) -> HostClient:
    client = host.client()
    wait_for(
        lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED] * 2,
        timeout=60,
        what="both locations to load",  # a tick can come first: the tests launch runs in both
    )
    wait_for(lambda: _ticks(client), timeout=60, what="the first automation tick")
    return client


def _ticks(client: HostClient) -> list[host_pb2.AutomationTick]:
    return list(client.automation_evaluations(host_pb2.ListAutomationEvaluationsRequest(limit=200)).ticks)


def _materialize(client: HostClient, location: str, *assets: str, partition: str = "") -> None:
    """Launch a run per asset ("asset" or "asset:partition"), all at once, and wait for them to succeed."""
    run_ids = []
    for item in assets:
        asset, _, part = item.partition(":")
        request = host_pb2.LaunchRunRequest(
            location=location, asset_selection=[common_pb2.AssetKey(path=[asset])], partition_key=part or partition
        )
        run_ids.append(client.launch_run(request).run_id)
    for run_id in run_ids:
        assert client.wait_for_run(run_id).status == host_pb2.SUCCESS


def _automated(client: HostClient, asset: str) -> list[host_pb2.Run]:
    runs = client.runs(limit=500, location="downstream")
    return [r for r in runs if r.sensor_name == SENSOR and asset in ["/".join(k.path) for k in r.asset_selection]]


def _settle(client: HostClient, ticks: int = 2) -> None:
    """Wait for a few more ticks, so a second request (if any) would have been made."""
    newest = max(t.tick_id for t in _ticks(client))
    wait_for(lambda: max(t.tick_id for t in _ticks(client)) >= newest + ticks, timeout=30, what="more ticks")


def _done(client: HostClient, asset: str, count: int) -> list[host_pb2.Run]:
    def finished() -> list[host_pb2.Run] | None:
        runs = _automated(client, asset)
        return runs if len(runs) >= count and all(r.status == host_pb2.SUCCESS for r in runs) else None

    return wait_for(finished, timeout=60, what=f"{count} automated run(s) of {asset} to succeed")


def _weir(host: DevHost, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_eager_asset_runs_once_after_its_dep_in_another_location_updates(host: DevHost, client: HostClient) -> None:
    assert _automated(client, "clean") == []
    _materialize(client, "upstream", "raw", "regional:eu", "regional:us")  # the next tests' assets too
    _materialize(client, "downstream", "lookup")
    (run,) = _done(client, "clean", 1)
    assert run.tags["dagster/from_automation_condition"] == "true"
    _settle(client)
    assert [r.run_id for r in _automated(client, "clean")] == [run.run_id]
    text = _weir(host, "automation", "explain", "clean")
    assert "clean in location 'downstream': not requested" in text
    assert "eager (AND)  false" in text
    assert "├─ SINCE  false" in text  # handled: nothing new since it ran
    tick = next(t for t in _ticks(client) if run.run_id in t.run_ids)
    requested = _weir(host, "automation", "explain", "clean", "--tick", str(tick.tick_id))
    assert f"requested at tick {tick.tick_id}" in requested and run.run_id in requested
    assert "dep raw  true" in requested  # the dep in the other location had updated
    table = _weir(host, "automation", "ticks", "--limit", "500")
    assert f"{tick.tick_id}" in table and "clean" in table and run.run_id in table


def test_partitioned_eager_asset_runs_only_the_partitions_whose_dep_changed(client: HostClient) -> None:
    first = _done(client, "regional_report", 2)  # both partitions of its dep were materialized above
    assert sorted(r.partition_key for r in first) == ["eu", "us"]
    _materialize(client, "upstream", "regional:us")
    runs = _done(client, "regional_report", 3)
    assert sorted(r.partition_key for r in runs) == ["eu", "us", "us"]
    _settle(client)
    assert len(_automated(client, "regional_report")) == 3
    newest = max(runs, key=lambda r: r.created_at)
    tick = next(t for t in _ticks(client) if newest.run_id in t.run_ids)
    request = host_pb2.ListAutomationEvaluationsRequest(tick_id=tick.tick_id)
    (evaluation,) = [e for e in client.automation_evaluations(request).evaluations if e.asset_key == "regional_report"]
    assert evaluation.num_requested == 1 and [(r.first, r.last) for r in evaluation.result.true_partitions] == [
        ("us", "us")
    ]


def test_on_missing_runs_a_wiped_asset_once(client: HostClient) -> None:
    assert _automated(client, "lookup") == []  # on_missing: only what becomes missing after it applies
    client.wipe_assets(["lookup"])
    _done(client, "lookup", 1)
    _settle(client)
    assert len(_automated(client, "lookup")) == 1


def test_the_automation_sensor_is_a_sensor_that_stops_and_starts(client: HostClient) -> None:
    sensors = {(i.location, i.name): i for i in client.instigators(host_pb2.SENSOR)}
    sensor = sensors[("downstream", SENSOR)]
    assert sensor.status == "RUNNING" and sensor.sensor_kind == "AUTOMATION"
    assert ("upstream", SENSOR) not in sensors  # no conditions there
    client.set_instigator_status(host_pb2.SENSOR, SENSOR, "STOPPED", location="downstream")
    stopped_at = max(t.tick_id for t in _ticks(client))
    time.sleep(1.5)  # three intervals: a running sensor would have ticked
    assert max(t.tick_id for t in _ticks(client)) <= stopped_at + 1  # at most the one in flight
    client.set_instigator_status(host_pb2.SENSOR, SENSOR, "RUNNING", location="downstream")
    _settle(client, ticks=1)


def test_each_automated_assets_newest_evaluation_is_listed(client: HostClient) -> None:
    request = host_pb2.ListAutomationEvaluationsRequest(latest_per_asset=True)
    newest = {e.asset_key: e for e in client.automation_evaluations(request).evaluations}
    assert sorted(newest) == ["clean", "lookup", "regional_report"]
    assert newest["clean"].result.label == "eager" and newest["clean"].location == "downstream"


def test_freshness_is_listed_with_the_asset(host: DevHost, client: HostClient) -> None:
    entries = {"/".join(e.node.key.path): e for e in client.assets("downstream")}
    assert entries["lookup"].freshness.state == "PASS"  # materialized by the tests above, within the hour
    assert entries["stale"].freshness.state == "UNKNOWN" and entries["stale"].freshness.reason == "never materialized"
    assert not entries["clean"].HasField("freshness")
    listing = _weir(host, "assets", "--location", "downstream")
    assert "FRESHNESS" in listing and "UNKNOWN" in listing
    shown = _weir(host, "assets", "show", "lookup")
    assert "freshness     PASS: last materialized" in shown and "automation    on_missing" in shown


def test_lineage_crosses_locations(host: DevHost, client: HostClient) -> None:
    details = client.asset_details("clean")
    assert [(r.asset_key.path[0], r.location, list(r.declared_in)) for r in details.upstream] == [
        ("raw", "upstream", ["downstream"])
    ]
    downstream = client.asset_details("raw").downstream
    assert [(r.asset_key.path[0], r.location) for r in downstream] == [("clean", "downstream")]


def test_explaining_an_asset_never_evaluated_says_what_to_do(host: DevHost) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", "automation", "explain", "raw"],
        env=host.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "has no automation evaluation" in result.stderr and "automation_condition=" in result.stderr
