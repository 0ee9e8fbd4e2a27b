"""The snapshot: typed, complete, deterministic and small."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import sdk as dg
from codeserver.snapshot import build_snapshot
from protos.weir.v1 import snapshot_pb2

REPO = Path(__file__).resolve().parents[2]
GEN = REPO / "bench" / "gen_workload.py"  # the repo's copy of the shared workload generator


class Params(dg.Config):
    factor: int = 1
    label: str


class Store(dg.ConfigurableResource):
    """Where things go."""

    prefix: str = "x"


@dg.asset(
    group_name="raw",
    metadata={"rows": 3},
    tags={"tier": "gold"},
    owners=["team:data"],
    kinds={"python"},
    code_version="7",
    partitions_def=dg.StaticPartitionsDefinition(["a", "b"]),
    check_specs=[dg.AssetCheckSpec("non_empty", asset="orders", blocking=True)],
)
def orders(config: Params, store: Store) -> int:
    return config.factor


@dg.asset
def revenue(orders: int) -> int:
    return orders


@dg.asset_check(asset=revenue, description="positive")
def revenue_positive(revenue: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=revenue > 0)


@dg.op
def one() -> int:
    return 1


@dg.op
def plus(x: int) -> int:
    return x + 1


@dg.graph
def inner(x):
    return plus(x)


@dg.job(executor_def=dg.in_process_executor, tags={"k": "v"})
def op_job():
    inner(plus.alias("first")(one()))


orders_job = dg.define_asset_job("orders_job", selection=[orders])


@dg.schedule(
    cron_schedule="0 3 * * *",
    job=orders_job,
    execution_timezone="Europe/Paris",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly(context):
    return dg.RunRequest()


@dg.asset_sensor(asset_key=dg.AssetKey("orders"), job=op_job)
def on_orders(context, asset_event):
    return dg.SkipReason("no")


@dg.run_failure_sensor
def alert(context):
    pass


defs = dg.Definitions(
    assets=[orders, revenue, dg.AssetSpec("external_src", description="from elsewhere")],
    asset_checks=[revenue_positive],
    jobs=[orders_job, op_job],
    schedules=[nightly, dg.ScheduleDefinition(name="twice", job=op_job, cron_schedule=["0 1 * * *", "0 2 * * *"])],
    sensors=[on_orders, alert],
    resources={"store": Store(), "io_manager": dg.FilesystemIOManager(base_dir="x")},
)


def _snap() -> snapshot_pb2.Snapshot:
    blob = build_snapshot(defs, "loc")
    assert blob.snapshot_id == hashlib.sha256(blob.data).hexdigest()
    snap = snapshot_pb2.Snapshot()
    snap.ParseFromString(blob.data)
    return snap


def test_asset_nodes_carry_every_field() -> None:
    snap = _snap()
    nodes = {tuple(a.key.path): a for a in snap.assets}
    node = nodes[("orders",)]
    assert node.group_name == "raw" and node.tags == {"tier": "gold"} and list(node.owners) == ["team:data"]
    assert list(node.kinds) == ["python"] and node.code_version == "7"
    assert node.metadata[0].key == "rows" and node.metadata[0].value.int_value == 3
    assert list(node.partitions.static.keys) == ["a", "b"]
    assert [c.name for c in node.check_specs] == ["non_empty"] and node.check_specs[0].blocking
    assert list(node.required_resource_keys) == ["store"] and list(node.job_names) == ["orders_job"]
    assert node.is_executable and node.op_name == "orders" and node.io_manager_key == "io_manager"
    schema = json.loads(node.config_schema)
    assert schema["properties"]["factor"]["type"] == "integer" and schema["required"] == ["label"]
    assert [tuple(d.path) for d in nodes[("revenue",)].deps] == [("orders",)]
    assert not nodes[("external_src",)].is_executable


def test_checks_jobs_schedules_sensors_resources() -> None:
    snap = _snap()
    assert [(c.name, tuple(c.asset_key.path)) for c in snap.asset_checks] == [
        ("non_empty", ("orders",)),
        ("revenue_positive", ("revenue",)),
    ]
    jobs = {j.name: j for j in snap.jobs}
    assert set(jobs) == {"orders_job", "op_job"}
    assert jobs["orders_job"].is_asset_job and jobs["orders_job"].executor == "multiprocess"
    run_schema = json.loads(jobs["orders_job"].config_schema)
    assert run_schema["properties"]["ops"]["required"] == ["orders"]
    assert "store" in run_schema["properties"]["resources"]["properties"]
    op_job_msg = jobs["op_job"]
    assert op_job_msg.executor == "in_process" and op_job_msg.tags == {"k": "v"}
    nodes = {n.name: n for n in op_job_msg.nodes}
    assert set(nodes) == {"one", "first", "inner"}
    assert nodes["first"].op_name == "plus" and nodes["first"].inputs[0].upstream_node == "one"
    assert [c.name for c in nodes["inner"].children] == ["plus"]
    schedules = {s.name: s for s in snap.schedules}
    assert schedules["nightly"].execution_timezone == "Europe/Paris"
    assert schedules["nightly"].default_status == snapshot_pb2.RUNNING and schedules["nightly"].has_function
    assert list(schedules["twice"].cron_schedules) == ["0 1 * * *", "0 2 * * *"]
    sensors = {s.name: s for s in snap.sensors}
    assert sensors["on_orders"].kind == snapshot_pb2.ASSET and list(sensors["on_orders"].job_names) == ["op_job"]
    assert sensors["alert"].kind == snapshot_pb2.RUN_STATUS and list(sensors["alert"].monitored_run_statuses) == [
        "FAILURE"
    ]
    resources = {r.key: r for r in snap.resources}
    assert resources["store"].type_name == "Store" and json.loads(resources["store"].config_schema)
    assert resources["io_manager"].is_io_manager


def test_snapshot_is_deterministic_across_processes(tmp_path: Path) -> None:
    module = tmp_path / "loc.py"
    module.write_text(
        subprocess.run(
            [sys.executable, str(GEN), "200", "layered", "sdk"], capture_output=True, text=True, check=True
        ).stdout
    )
    code = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import loc; "
        "from codeserver.snapshot import build_snapshot; print(build_snapshot(loc.defs, 'l').snapshot_id)"
    )
    ids = {
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path), str(REPO)],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(ids) == 1


def test_layered_5000_snapshot_is_small() -> None:
    namespace: dict = {}
    source = subprocess.run(
        [sys.executable, str(GEN), "5000", "layered", "sdk"], capture_output=True, text=True, check=True
    ).stdout
    exec(compile(source, "layered5000", "exec"), namespace)
    blob = build_snapshot(namespace["defs"], "big")
    assert blob.asset_count == 5000 and len(blob.data) < 5 * 1024 * 1024
