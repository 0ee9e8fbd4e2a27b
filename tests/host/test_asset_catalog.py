"""The asset catalog behind the web UI's `/assets`: every asset with its status from real SQLite storage
(materialized, failed, missing, in progress; check and partition counts), selections with `status:`,
an ETag that holds until storage changes, and the 5,000-asset figure (printed, not asserted)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from host.domain.asset_catalog import AssetCatalog
from host.domain.asset_selection import SelectionError
from host.locations.workspace import LocationHandle, WorkspaceManager
from host.storage import events, partitions, runs
from host.storage.engine import ensure_schema, open_engine
from host.storage.records import EventRecord, RunRecord
from protos.keys import parse_asset_key
from protos.weir.v1 import snapshot_pb2

NOW = 10_000.0


def asset(
    key: str, *deps: str, group: str = "default", executable: bool = True, **extra: Any
) -> snapshot_pb2.AssetNode:
    return snapshot_pb2.AssetNode(
        key=parse_asset_key(key),
        deps=[parse_asset_key(d) for d in deps],
        group_name=group,
        is_executable=executable,
        **extra,
    )


def workspace(**locations: list[snapshot_pb2.AssetNode]) -> WorkspaceManager:
    handles = []
    for name, nodes in locations.items():
        handle = LocationHandle(name, lambda: None)  # type: ignore[arg-type,return-value]
        handle.state.snapshot = snapshot_pb2.Snapshot(location_name=name, assets=nodes)
        handle.state.snapshot_id = hashlib.sha256(handle.state.snapshot.SerializeToString()).hexdigest()
        handles.append(handle)
    return WorkspaceManager(handles)


def run(run_id: str, created_at: float, status: str, *keys: str, job: str = "__ASSET_JOB", **extra: Any) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        location=extra.pop("location", "sales"),
        job_name=job,
        status=status,
        asset_selection=keys,
        run_config_json="{}",
        tags={},
        snapshot_id="s",
        created_at=created_at,
        **extra,
    )


def materialized(run_id: str, seq: int, key: str, at: float, partition: str | None = None) -> EventRecord:
    return EventRecord(run_id, seq, "ASSET_MATERIALIZATION", at, "s", key, partition, b"")


def evaluated(run_id: str, seq: int, key: str, check: str, passed: bool) -> EventRecord:
    return EventRecord(
        run_id, seq, "ASSET_CHECK_EVALUATION", NOW, "s", key, None, b"", check_name=check, check_passed=passed
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'weir.db'}")
    ensure_schema(engine)
    yield engine
    engine.dispose()


def rows(catalog: AssetCatalog, selection: str = "") -> dict[str, dict[str, Any]]:
    answer = json.loads(catalog.page(selection).body)
    return {row[0]: dict(zip(answer["fields"], row, strict=True)) for row in answer["assets"]}


SALES = [
    asset("raw", group="ingest", kinds=["python"], owners=["team:data"], tags={"tier": "gold"}, job_names=["daily"]),
    asset(
        "clean",
        "raw",
        description="Clean rows.\nSecond line.",
        job_names=["daily"],
        check_specs=[snapshot_pb2.AssetCheck(name="not_empty"), snapshot_pb2.AssetCheck(name="fresh")],
    ),
    asset("summary", "clean", "ext/fx"),
    asset("broken"),
    asset(
        "regions",
        partitions=snapshot_pb2.PartitionsDefinition(static=snapshot_pb2.StaticPartitions(keys=["eu", "us", "asia"])),
    ),
    asset(
        "customers",
        partitions=snapshot_pb2.PartitionsDefinition(dynamic=snapshot_pb2.DynamicPartitions(name="customers")),
    ),
]
FINANCE = [asset("summary", executable=False), asset("forecast", "summary", group="finance")]


def test_each_asset_gets_its_status_checks_and_partition_counts(engine: Engine) -> None:
    with engine.begin() as conn:
        runs.add_runs(
            conn,
            [
                run("r1", 100.0, "SUCCESS", "raw", "clean", "regions"),
                run("r2", 200.0, "FAILURE", "clean"),  # after clean's materialization: failed
                run("r3", 50.0, "FAILURE", "raw"),  # before raw's materialization: still materialized
                run("r4", 300.0, "FAILURE", "broken"),  # never materialized: failed
                run("r5", 400.0, "STARTED", job="daily"),  # a job run: its assets are in progress
            ],
        )
        events.add_events(
            conn,
            [
                materialized("r1", 1, "raw", 110.0),
                materialized("r1", 2, "clean", 120.0),
                materialized("r1", 3, "regions", 130.0, "eu"),
                materialized("r1", 4, "regions", 131.0, "us"),
                evaluated("r1", 5, "clean", "not_empty", True),
                evaluated("r1", 6, "clean", "fresh", False),
            ],
        )
        partitions.add_dynamic_partitions(conn, "customers", ["acme", "globex"])
    catalog = AssetCatalog(engine, workspace(sales=SALES, finance=FINANCE), lambda: NOW)
    found = rows(catalog)
    assert set(found) == {"raw", "clean", "summary", "broken", "regions", "customers", "forecast"}  # not ext/fx
    assert {k: (v["status"], v["status_run"]) for k, v in found.items()} == {
        "raw": ("in_progress", "r5"),
        "clean": ("in_progress", "r5"),
        "summary": ("missing", ""),
        "broken": ("failed", "r4"),
        "regions": ("materialized", ""),
        "customers": ("missing", ""),
        "forecast": ("missing", ""),
    }
    assert found["clean"]["checks"] == [1, 1, 2] and found["clean"]["description"] == "Clean rows."
    assert found["regions"]["partitions"] == [2, 3] and found["regions"]["latest"] == [131.0, "r1", "us"]
    assert found["customers"]["partitions"] == [0, 2] and found["raw"]["partitions"] is None
    assert found["summary"]["location"] == "sales" and found["summary"]["declared_in"] == ["finance"]
    assert found["raw"]["kinds"] == ["python"] and found["raw"]["tags"] == {"tier": "gold"}
    with engine.begin() as conn:
        runs.set_run_status(conn, "r5", "SUCCESS", at=500.0)
    found = rows(catalog)
    assert (found["clean"]["status"], found["clean"]["status_run"]) == ("failed", "r2")
    assert found["raw"]["status"] == "materialized"


def test_a_selection_narrows_the_catalog_and_knows_statuses(engine: Engine) -> None:
    with engine.begin() as conn:
        runs.add_runs(conn, [run("r1", 100.0, "FAILURE", "broken")])
    catalog = AssetCatalog(engine, workspace(sales=SALES, finance=FINANCE), lambda: NOW)
    assert set(rows(catalog, "+summary")) == {"summary", "clean"}
    assert set(rows(catalog, "group:ingest or status:failed")) == {"raw", "broken"}
    assert set(rows(catalog, "no_such_asset")) == set()  # a search box: nothing, not an error
    with pytest.raises(SelectionError, match="column"):
        catalog.page("group:(")
    with pytest.raises(Exception, match="pick from"):
        catalog.page("status:stale")


def test_the_etag_holds_until_storage_or_the_code_changes(engine: Engine) -> None:
    with engine.begin() as conn:
        runs.add_runs(conn, [run("r1", 100.0, "STARTED", "raw")])
    space = workspace(sales=SALES)
    catalog = AssetCatalog(engine, space, lambda: NOW)
    first = catalog.page()
    assert catalog.etag() == first.etag and catalog.page() == first
    assert catalog.etag("group:ingest") != first.etag
    with engine.begin() as conn:
        events.add_events(conn, [materialized("r1", 1, "raw", 150.0)])
    assert catalog.etag() != first.etag and rows(catalog)["raw"]["latest"] == [150.0, "r1", ""]
    second = catalog.etag()
    handle = space.get("sales")
    handle.state.snapshot = snapshot_pb2.Snapshot(location_name="sales", assets=SALES[:2])
    handle.state.snapshot_id = "another"
    assert catalog.etag() != second and set(rows(catalog)) == {"raw", "clean"}


def test_five_thousand_assets_with_status(engine: Engine) -> None:
    """Prints the figures of the issue's target (<= 100 ms for the JSON of 5,000 assets with status)."""
    n = 5000
    nodes = [asset(f"a{i}", *([f"a{i - 1}"] if i else []), group=f"g{i // 100}", kinds=["python"]) for i in range(n)]
    with engine.begin() as conn:
        runs.add_runs(conn, [run(f"r{j}", float(j), "SUCCESS", location="bench") for j in range(50)])
        runs.add_runs(conn, [run(f"f{j}", 1000.0 + j, "FAILURE", f"a{j}", location="bench") for j in range(200)])
        events.add_events(conn, [materialized(f"r{i % 50}", i, f"a{i}", 5000.0 + i) for i in range(0, n, 2)])
    catalog = AssetCatalog(engine, workspace(bench=nodes), time.time)
    start = time.perf_counter()
    body = catalog.page().body
    cold = time.perf_counter() - start
    with engine.begin() as conn:
        events.add_events(conn, [materialized("r1", n + 1, "a1", 9999.0)])
    start = time.perf_counter()
    catalog.page()
    status_only = time.perf_counter() - start
    start = time.perf_counter()
    catalog.etag()
    revalidate = time.perf_counter() - start
    statuses = [row[11] for row in json.loads(body)["assets"]]
    assert statuses.count("failed") == 100 and statuses.count("materialized") == 2500
    print(
        f"\nasset catalog, {n} assets: first answer {cold * 1000:.0f} ms (definitions + status + JSON, "
        f"{len(body) / 1e6:.2f} MB before gzip), after a new event {status_only * 1000:.0f} ms, "
        f"ETag check {revalidate * 1000:.1f} ms"
    )
