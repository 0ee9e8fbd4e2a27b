"""The host's side of the handshake and snapshot cache, against a real gRPC server that plays a code
server of another version."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest

from host.locations.client import GrpcLocationClient
from host.locations.snapshots import SnapshotCache
from host.locations.workspace import LocationHandle
from protos import wire
from protos.weir.v1 import codeserver_pb2, codeserver_pb2_grpc, common_pb2, host_pb2, snapshot_pb2


def _snapshot(*names: str) -> bytes:
    snap = snapshot_pb2.Snapshot(
        location_name="other",
        assets=[snapshot_pb2.AssetNode(key=common_pb2.AssetKey(path=[n]), is_executable=True) for n in names],
    )
    return snap.SerializeToString(deterministic=True)


class OtherVersionServer(codeserver_pb2_grpc.CodeServerServicer):
    """A code server speaking a given protocol version, counting snapshot fetches."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.data = _snapshot("a")
        self.fetches = 0

    @property
    def snapshot_id(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def Handshake(self, request, context):
        return codeserver_pb2.HandshakeReply(
            protocol_version=self.version, snapshot_id=self.snapshot_id, location_name="other", sdk_version="0.0.1"
        )

    def GetSnapshot(self, request, context):
        self.fetches += 1
        half = len(self.data) // 2
        for index, part in enumerate((self.data[:half], self.data[half:])):
            yield codeserver_pb2.SnapshotChunk(snapshot_id=self.snapshot_id, index=index, total=2, data=part)


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(servicer: OtherVersionServer) -> LocationHandle:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        codeserver_pb2_grpc.add_CodeServerServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return LocationHandle("other", lambda: GrpcLocationClient("other", f"127.0.0.1:{port}"))

    yield start
    for server in servers:
        server.stop(0)


def test_host_accepts_a_server_one_minor_version_older(serve, monkeypatch):
    monkeypatch.setattr(wire, "PROTOCOL_VERSION", "1.1")
    handle = serve(OtherVersionServer("1.0"))
    handle.refresh(SnapshotCache(), force=True)
    assert handle.state.status == host_pb2.LOCATION_LOADED
    assert [list(a.key.path) for a in handle.state.snapshot.assets] == [["a"]]


def test_host_refuses_another_major_version_naming_both(serve):
    handle = serve(OtherVersionServer("2.0"))
    handle.refresh(SnapshotCache(), force=True)
    assert handle.state.status == host_pb2.LOCATION_ERROR
    assert "speaks protocol 2.0" in handle.state.error_message
    assert f"the host speaks {wire.PROTOCOL_VERSION}" in handle.state.error_message


def test_snapshot_is_fetched_again_only_when_its_id_changes(serve):
    server = OtherVersionServer(wire.PROTOCOL_VERSION)
    handle = serve(server)
    cache = SnapshotCache()
    handle.refresh(cache, force=True)
    handle.refresh(cache, force=True)
    assert server.fetches == 1
    server.data = _snapshot("a", "b")
    handle.refresh(cache, force=True)
    assert server.fetches == 2
    assert len(handle.state.snapshot.assets) == 2
    assert set(cache) == {hashlib.sha256(_snapshot("a")).hexdigest(), server.snapshot_id}


def test_a_restarted_host_reads_an_unchanged_snapshot_from_disk(serve, tmp_path):
    server = OtherVersionServer(wire.PROTOCOL_VERSION)
    serve(server).refresh(SnapshotCache(tmp_path), force=True)
    again = serve(server)  # a new handle and a new cache, as after a host restart
    again.refresh(SnapshotCache(tmp_path), force=True)
    assert server.fetches == 1
    assert again.state.status == host_pb2.LOCATION_LOADED and len(again.state.snapshot.assets) == 1
    (tmp_path / f"{server.snapshot_id}.snapshot").write_bytes(b"damaged")
    serve(server).refresh(SnapshotCache(tmp_path), force=True)
    assert server.fetches == 2  # a file that does not hash to its name is fetched again
