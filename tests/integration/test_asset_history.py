"""Asset history through a real `weir dev` host, on SQLite and PostgreSQL: `weir assets show KEY` gives
the definition, lineage across locations (a location's AssetSpec of another's asset joins them), the
materializations and observations with their metadata newest first, each check's evaluations and a
partitioned asset's status (an observation is listed but is not a materialization); the Host API pages
through the history; `--json` prints the same as one document."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from host.cli.client import HostClient
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, dev_host, wait_for

SHOP = """
import os
from pathlib import Path
import sdk as dg

PASS = Path(os.environ["WEIR_TEST_GATE"]) / "pass"


@dg.asset(group_name="sales", kinds={"python"}, owners=["team:sales"], code_version="v3",
          description="Orders of the day")
def orders(context: dg.AssetExecutionContext):
    yield dg.AssetObservation(asset_key="regions", partition="eu", metadata={"rows_seen": 3})
    yield dg.MaterializeResult(metadata={"run": context.run_id, "plot": dg.MetadataValue.md("x" * 5000)})


@dg.asset_check(asset=orders, description="orders are counted")
def orders_counted() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=PASS.exists(), metadata={"seen": PASS.exists()})


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["eu", "us"]))
def regions() -> None:
    return None


defs = dg.Definitions(assets=[orders, regions], asset_checks=[orders_counted])
"""
WAREHOUSE = """
import sdk as dg

orders = dg.AssetSpec("orders")


@dg.asset(deps=[orders])
def report() -> None:
    return None


defs = dg.Definitions(assets=[orders, report])
"""


def _host(tmp: Path, backend):  # type: ignore[no-untyped-def]
    (tmp / "gate").mkdir()
    (tmp / "shop.py").write_text(SHOP)
    (tmp / "warehouse.py").write_text(WAREHOUSE)
    workspace = tmp / "workspace.yaml"
    workspace.write_text(
        "load_from:\n  - python_file: {relative_path: shop.py}\n  - python_file: {relative_path: warehouse.py}\n"
    )
    return dev_host(tmp / "home", ["-w", str(workspace)], env={"WEIR_TEST_GATE": str(tmp / "gate"), **backend.env()})


def _weir(host, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _materialize_orders(client: HostClient, times: int) -> list[str]:
    run_ids = []
    for _ in range(times):
        request = host_pb2.LaunchRunRequest(location="shop", asset_selection=[common_pb2.AssetKey(path=["orders"])])
        run = client.launch_run(request)
        assert client.wait_for_run(run.run_id).status == host_pb2.SUCCESS
        run_ids.append(run.run_id)
    return run_ids


def test_assets_show_lineage_across_locations_history_checks_and_partitions(tmp_path, backend):
    with _host(tmp_path, backend) as host:
        client = host.client()
        wait_for(
            lambda: all(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
            60,
            what="both locations to load",
        )
        failing = _materialize_orders(client, 1)
        (tmp_path / "gate" / "pass").touch()
        run_ids = failing + _materialize_orders(client, 2)

        shown = _weir(host, "assets", "show", "orders")
        assert "asset orders\n  location      shop\n" in shown
        for line in (
            "group         sales",
            "description   Orders of the day",
            "kinds         python",
            "owners        team:sales",
            "code version  v3",
            "declared in   warehouse",
        ):
            assert line in shown
        assert "upstream: none" in shown
        downstream = shown.split("downstream:\n")[1].splitlines()
        assert downstream[1].split() == ["report", "warehouse", "-"]
        history = shown.split("materializations (newest first, at most 10):\n")[1].split("observations:")[0]
        assert [line.split("run ")[1] for line in history.splitlines() if " run " in line] == run_ids[::-1]
        assert f"run: {run_ids[2]}" in history and "plot: xxxx" in history and "(5,000 bytes)" in history
        checks = shown.split("checks:\n")[1].splitlines()
        assert checks[0] == "  orders_counted - orders are counted"
        verdicts = [line.split()[2] for line in checks[1:] if " run " in line]
        assert verdicts == ["passed", "passed", "FAILED"]

        report = _weir(host, "assets", "show", "report")
        upstream = report.split("upstream:\n")[1].splitlines()
        assert upstream[1].split() == ["orders", "shop", "warehouse"]
        spec = _weir(host, "assets", "show", "orders", "--location", "warehouse")
        assert "location      warehouse (declared, not materialized there)" in spec
        assert "materialized  shop" in spec and f"run {run_ids[2]}" in spec

        regions = _weir(host, "assets", "show", "regions")
        assert "partitions    static, 2 keys: eu, us" in regions
        assert "partitions:\n  asset regions in shop: 2 partitions" in regions
        assert "materializations: none" in regions and "checks: none" in regions
        assert "observations: none" in shown  # orders' observations are of regions
        # The observations of regions (partition eu) are its history, yet it was never materialized.
        assert "last run      never materialized" in regions
        observed = regions.split("observations (newest first, at most 10):\n")[1].split("checks:")[0]
        assert [line.split("run ")[1] for line in observed.splitlines() if " run " in line] == [
            f"{run_id}  partition eu" for run_id in run_ids[::-1]
        ]
        assert observed.count("rows_seen: 3") == 3
        assert client.asset_details("regions").latest_materialization.run_id == ""
        observations = list(client.asset_events("regions", limit=100, page_size=2))
        assert [(e.type, e.run_id, e.partition_key) for e in observations] == [
            (common_pb2.ASSET_OBSERVATION, run_id, "eu") for run_id in run_ids[::-1]
        ]
        assert [(m.key, m.value.int_value) for m in observations[0].metadata] == [("rows_seen", 3)]
        status = client.partition_status("shop", "regions")
        assert (status.materialized_count, status.missing_count) == (0, 2)

        paged = list(client.asset_events("orders", limit=100, page_size=1))
        assert len(paged) == 6 and len({(e.run_id, e.sequence) for e in paged}) == 6
        assert [e.run_id for e in paged if e.type == common_pb2.ASSET_MATERIALIZATION] == run_ids[::-1]
        checks_only = list(
            client.asset_events("orders", limit=100, page_size=2, types=[common_pb2.ASSET_CHECK_EVALUATION])
        )
        assert [e.check_passed for e in checks_only] == [True, True, False]

        document = json.loads(_weir(host, "assets", "show", "orders", "--json"))
        assert document["details"]["location"] == "shop"
        assert document["details"]["downstream"] == [{"asset_key": {"path": ["report"]}, "location": "warehouse"}]
        assert [m["run_id"] for m in document["materializations"]] == run_ids[::-1]
        metadata = {m["key"]: m["value"] for m in document["materializations"][0]["metadata"]}
        assert metadata == {"run": {"text": run_ids[2]}, "plot": {"md": "x" * 5000}}
        assert [e["check_passed"] for e in document["check_evaluations"]["orders_counted"][:2]] == [True, True]
        assert "check_passed" not in document["check_evaluations"]["orders_counted"][2]  # false: left out
        assert document["partition_status"] is None


def test_json_output_of_the_listing_commands_parses_and_matches(tmp_path, backend):
    with _host(tmp_path, backend) as host:
        client = host.client()
        wait_for(
            lambda: all(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
            60,
            what="both locations to load",
        )
        (run_id,) = _materialize_orders(client, 1)

        locations = json.loads(_weir(host, "locations", "--json"))["locations"]
        assert sorted(loc["name"] for loc in locations) == ["shop", "warehouse"]
        assert {loc["status"] for loc in locations} == {"LOCATION_LOADED"}
        assets = json.loads(_weir(host, "assets", "--json"))["assets"]
        assert sorted((a["location"], a["node"]["key"]["path"][0]) for a in assets) == [
            ("shop", "orders"),
            ("shop", "regions"),
            ("warehouse", "orders"),
            ("warehouse", "report"),
        ]
        runs = json.loads(_weir(host, "runs", "--json"))["runs"]
        assert [(r["run_id"], r["status"]) for r in runs] == [(run_id, "SUCCESS")]
        shown = json.loads(_weir(host, "runs", "show", run_id, "--json"))
        stored = [e for page in client.event_pages(run_id) for e in page.events]
        assert shown["run"]["run_id"] == run_id
        assert [int(e["sequence"]) if "sequence" in e else 0 for e in shown["events"]] == [e.sequence for e in stored]
        assert json.loads(_weir(host, "schedules", "list", "--json")) == {"schedules": []}
        assert json.loads(_weir(host, "sensors", "list", "--json")) == {"sensors": []}
        assert json.loads(_weir(host, "backfill", "list", "--json")) == {"backfills": []}
        partitions = json.loads(_weir(host, "assets", "partitions", "regions", "--json"))
        assert partitions["total"] == 2 and partitions["missing_count"] == 2
