"""The code server as another process sees it: a real `python -m codeserver start` on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from protos import wire
from protos.weir.v1 import codeserver_pb2, common_pb2
from tests.support import RunningCodeServer, kill_processes_mentioning, wait_for

TOKEN = "test-token-123"
CODE = """
import os, time
from pathlib import Path
import sdk as dg

GATE = Path(os.environ.get("WEIR_TEST_GATE", "/nonexistent"))


@dg.asset(group_name="raw", description="Orders from the shop.")
def orders() -> int:
    return 1


@dg.asset(group_name="marts")
def revenue(orders: int) -> int:
    return orders * 2


@dg.asset
def gated(context: dg.AssetExecutionContext) -> int:
    (GATE / "started").touch()
    while not (GATE / "open").exists():
        time.sleep(0.05)
    context.log.info("through the gate")
    return 3


defs = dg.Definitions(assets=[orders, revenue, gated])
"""


@pytest.fixture
def code_file(tmp_path: Path) -> Path:
    (tmp_path / "gate").mkdir()
    path = tmp_path / "shop.py"
    path.write_text(CODE)
    return path


@pytest.fixture
def start_server(tmp_path: Path, code_file: Path) -> Iterator:
    servers: list[RunningCodeServer] = []

    def start() -> RunningCodeServer:
        server = RunningCodeServer(tmp_path, code_file, tmp_path / "runs", TOKEN)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    kill_processes_mentioning(str(tmp_path))


def test_snapshot_over_grpc_has_typed_assets_and_a_content_address(start_server):
    server = start_server()
    reply = server.wait_loaded()
    assert reply.location_name == "shop" and reply.protocol_version == wire.PROTOCOL_VERSION
    assert "snapshot_chunks" in reply.capabilities
    snapshot = server.snapshot()
    nodes = {"/".join(a.key.path): a for a in snapshot.assets}
    assert set(nodes) == {"orders", "revenue", "gated"}
    assert [list(d.path) for d in nodes["revenue"].deps] == [["orders"]]
    assert nodes["orders"].group_name == "raw" and nodes["orders"].description == "Orders from the shop."
    import hashlib

    assert hashlib.sha256(snapshot.SerializeToString(deterministic=True)).hexdigest() == reply.snapshot_id


def test_calls_without_the_token_are_rejected_but_health_is_open(start_server):
    server = start_server()
    server.wait_loaded()
    with pytest.raises(grpc.RpcError) as info:
        server.stub.Handshake(codeserver_pb2.HandshakeRequest(), timeout=5)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as info:
        server.stub.Handshake(codeserver_pb2.HandshakeRequest(), timeout=5, metadata=wire.call_metadata("wrong"))
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    health = health_pb2_grpc.HealthStub(server.channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    assert health.status == health_pb2.HealthCheckResponse.SERVING


def test_a_client_that_is_not_weirs_lists_asset_keys_through_reflection(start_server):
    from google.protobuf import descriptor_pool, json_format, message_factory
    from grpc_requests import Client

    server = start_server()
    server.wait_loaded()
    pool = descriptor_pool.DescriptorPool()  # empty: every type must come from the server's reflection
    client = Client.get_by_endpoint(server.address, descriptor_pool=pool)
    assert "weir.v1.CodeServer" in client.service_names
    auth = {"metadata": list(server.metadata)}
    handshake = client.request("weir.v1.CodeServer", "Handshake", {"protocol_version": "1.0"}, **auth)
    assert handshake["location_name"] == "shop"
    chunks = client.request("weir.v1.CodeServer", "GetSnapshot", {}, raw_output=True, **auth)
    snapshot_class = message_factory.GetMessageClass(pool.FindMessageTypeByName("weir.v1.Snapshot"))
    snapshot = json_format.MessageToDict(snapshot_class.FromString(b"".join(c.data for c in chunks)))
    keys = {"/".join(asset["key"]["path"]) for asset in snapshot["assets"]}
    assert keys == {"orders", "revenue", "gated"}


def _start_run(server: RunningCodeServer, run_id: str, asset: str) -> None:
    server.stub.StartRun(
        codeserver_pb2.StartRunRequest(run_id=run_id, asset_selection=[common_pb2.AssetKey(path=[asset])]),
        metadata=server.metadata,
        timeout=10,
    )


def _events(server: RunningCodeServer, run_id: str, after: int = -1) -> list[common_pb2.RunEvent]:
    events = []
    request = codeserver_pb2.WatchRunEventsRequest(run_id=run_id, after_sequence=after)
    for batch in server.stub.WatchRunEvents(request, metadata=server.metadata, timeout=60):
        events.extend(batch.events)
    return events


def test_run_worker_outlives_a_server_restart_and_the_new_server_adopts_it(start_server, tmp_path):
    first = start_server()
    first.wait_loaded()
    _start_run(first, "run1", "gated")
    wait_for(lambda: (tmp_path / "gate" / "started").exists(), 30, what="the step to start")
    worker_pid = int((tmp_path / "runs" / "run1" / "pid").read_text())
    first.stop()
    assert Path(f"/proc/{worker_pid}").exists()  # the worker lives on without its server
    second = start_server()
    second.wait_loaded()
    status = second.stub.GetRunWorker(codeserver_pb2.GetRunWorkerRequest(run_id="run1"), metadata=second.metadata)
    assert status.state == codeserver_pb2.WORKER_RUNNING and status.pid == worker_pid
    (tmp_path / "gate" / "open").touch()
    events = _events(second, "run1")
    assert [e.sequence for e in events] == list(range(len(events)))
    assert events[-1].type == common_pb2.RUN_SUCCESS
    assert "through the gate" in [e.message for e in events]


def test_cancel_stops_the_running_step(start_server, tmp_path):
    server = start_server()
    server.wait_loaded()
    _start_run(server, "run2", "gated")
    wait_for(lambda: (tmp_path / "gate" / "started").exists(), 30, what="the step to start")
    found = server.stub.CancelRun(common_pb2.CancelRunRequest(run_id="run2"), metadata=server.metadata)
    assert found.found
    events = _events(server, "run2")
    assert events[-1].type == common_pb2.RUN_CANCELED
    assert "through the gate" not in [e.message for e in events]


def test_reload_serves_new_code_and_a_failed_reload_keeps_the_last_good_snapshot(start_server, code_file):
    server = start_server()
    before = server.wait_loaded().snapshot_id
    code_file.write_text(
        CODE + "\n\n@dg.asset\ndef extra() -> int:\n    return 4\n\n"
        "defs = dg.Definitions(assets=[orders, revenue, gated, extra])\n"
    )
    reloaded = server.stub.Reload(codeserver_pb2.ReloadRequest(), metadata=server.metadata, timeout=60)
    assert reloaded.snapshot_id != before and not reloaded.HasField("error")
    assert "extra" in {"/".join(a.key.path) for a in server.snapshot().assets}
    code_file.write_text("raise ImportError('the vendor package is missing')\n")
    failed = server.stub.Reload(codeserver_pb2.ReloadRequest(), metadata=server.metadata, timeout=60)
    assert failed.snapshot_id == reloaded.snapshot_id
    assert failed.error.type == "ImportError" and "vendor package" in failed.error.message
    reply = server.handshake()
    assert reply.snapshot_id == reloaded.snapshot_id and reply.load_error.type == "ImportError"
    assert "extra" in {"/".join(a.key.path) for a in server.snapshot().assets}
