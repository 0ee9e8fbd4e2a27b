"""Freshness checks through a real `weir dev`: `build_last_update_freshness_checks` gives each asset a
`freshness_check` listed with the asset (snapshot, `weir assets show`), and `build_sensor_for_freshness_checks`
is a sensor the host evaluates itself on its ticks, storing PASSED/FAILED evaluations with their severity
and Dagster's metadata; the sensor is listed, stopped and started like any sensor."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from host.cli.client import HostClient
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, DevHost, dev_host, wait_for

CODE = """
from datetime import timedelta

import sdk as dg


@dg.asset
def orders() -> None:
    return None


@dg.asset
def vendor_feed() -> None:
    return None


hourly = dg.build_last_update_freshness_checks(assets=[orders], lower_bound_delta=timedelta(hours=1))
daily = dg.build_last_update_freshness_checks(
    assets=[vendor_feed],
    lower_bound_delta=timedelta(minutes=30),
    deadline_cron="0 9 * * *",
    timezone="Europe/Paris",
    severity=dg.AssetCheckSeverity.ERROR,
)
sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=[*hourly, *daily], minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING
)
defs = dg.Definitions(assets=[orders, vendor_feed], asset_checks=[*hourly, *daily], sensors=[sensor])
"""
SENSOR = "freshness_checks_sensor"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    tmp: Path = tmp_path_factory.mktemp("freshness_checks")
    (tmp / "defs.py").write_text(CODE)
    home = tmp / "home"
    home.mkdir()
    with dev_host(home, ["-f", str(tmp / "defs.py"), "--no-ui"]) as running:
        yield running


@pytest.fixture(scope="module")
def client(host: DevHost) -> HostClient:
    client = host.client()
    wait_for(
        lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED],
        timeout=60,
        what="the location",
    )
    return client


def _latest(client: HostClient, asset: str) -> common_pb2.RunEvent | None:
    (state,) = [c for c in client.asset_details(asset).checks if c.check.name == "freshness_check"]
    return state.latest_evaluation if state.HasField("latest_evaluation") else None


def _metadata(event: common_pb2.RunEvent) -> dict[str, object]:
    out: dict[str, object] = {}
    for entry in event.metadata:
        kind = entry.value.WhichOneof("value")
        value = getattr(entry.value, kind) if kind else None
        out[entry.key] = json.loads(value) if kind == "json" and isinstance(value, str) else value
    return out


def _weir(host: DevHost, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_checks_are_asset_checks_and_the_sensor_a_host_sensor(client: HostClient, host: DevHost) -> None:
    details = client.asset_details("orders")
    (check,) = [c.check for c in details.checks if c.check.name == "freshness_check"]
    assert check.last_update_freshness.lower_bound_delta_seconds == 3600
    assert check.last_update_freshness.severity == "WARN"
    sensors = {i.name: i for i in client.instigators(host_pb2.SENSOR)}
    assert sensors[SENSOR].sensor_kind == "FRESHNESS_CHECKS" and sensors[SENSOR].status == "RUNNING"


def test_the_sensor_evaluates_never_evaluated_checks_as_failed(client: HostClient, host: DevHost) -> None:
    orders = wait_for(lambda: _latest(client, "orders"), timeout=60, what="the sensor to evaluate orders' check")
    assert not orders.check_passed and orders.check_severity == "WARN"
    assert orders.message == "Asset has never been observed/materialized."
    vendor = wait_for(lambda: _latest(client, "vendor_feed"), timeout=30, what="vendor_feed's check")
    assert not vendor.check_passed and vendor.check_severity == "ERROR"
    meta = _metadata(vendor)
    assert meta["dagster/freshness_params"] == {
        "timezone": "Europe/Paris",
        "lower_bound_delta_seconds": 1800.0,
        "deadline_cron": "0 9 * * *",
        "severity": "ERROR",
    }
    deadline = meta["dagster/latest_cron_tick_timestamp"]
    assert meta["dagster/overdue_deadline_timestamp"] == deadline
    assert meta["dagster/freshness_lower_bound_timestamp"] == deadline - 1800  # type: ignore[operator]
    assert "dagster/last_updated_timestamp" not in meta
    run = client.get_run(orders.run_id)
    assert run.sensor_name == SENSOR and run.status == host_pb2.SUCCESS
    assert sorted("/".join(k.path) for k in run.asset_selection) == ["orders", "vendor_feed"]  # their checks
    shown = _weir(host, "assets", "show", "vendor_feed")
    assert "freshness_check" in shown and "FAIL" in shown.upper()
    refused = subprocess.run(
        [sys.executable, "-m", "host.cli", "runs", "reexecute", orders.run_id],
        env=host.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "nothing to re-execute" in refused.stderr, refused.stdout + refused.stderr


def test_a_failed_check_passes_once_its_asset_materializes(client: HostClient, host: DevHost) -> None:
    failed = wait_for(lambda: _latest(client, "orders"), timeout=60, what="orders' first evaluation")
    run = client.launch_run(
        host_pb2.LaunchRunRequest(location="defs", asset_selection=[common_pb2.AssetKey(path=["orders"])])
    )
    assert client.wait_for_run(run.run_id).status == host_pb2.SUCCESS
    materialized = client.asset_details("orders").latest_materialization.timestamp

    def passed() -> common_pb2.RunEvent | None:
        latest = _latest(client, "orders")
        return latest if latest is not None and latest.check_passed else None

    event = wait_for(passed, timeout=60, what="orders' freshness check to pass")
    assert event.timestamp > failed.timestamp
    meta = _metadata(event)
    assert meta["dagster/last_updated_timestamp"] == pytest.approx(materialized)
    assert meta["dagster/fresh_until_timestamp"] == pytest.approx(materialized + 3600)
    assert event.message.startswith("Asset is currently fresh.")
    evaluated_at = event.timestamp
    ticks = wait_for(
        lambda: [t for t in _sensor_ticks(client) if t.timestamp > evaluated_at + 1] or None,
        timeout=30,
        what="a later tick",
    )
    assert ticks[0].status == "SKIPPED"  # fresh for an hour: nothing to evaluate
    assert _latest(client, "orders").timestamp == evaluated_at  # type: ignore[union-attr]
    preview = _weir(host, "sensors", "preview", SENSOR, "--location", "defs")
    assert "orders:freshness_check" not in preview and "no freshness check needs to be evaluated now" in preview


def _sensor_ticks(client: HostClient) -> list[host_pb2.Tick]:
    return list(client.ticks(host_pb2.SENSOR, SENSOR, location="defs", limit=20))
