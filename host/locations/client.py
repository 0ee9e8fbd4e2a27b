"""How the host reaches one code location: the LocationClient interface and its gRPC implementation.

Daemon and queue logic depend only on the interface, so they can be tested with an in-process
location; everything real goes through GrpcLocationClient.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypeVar

import grpc

from host.errors import LocationUnavailable, from_rpc_error
from host.locations.instance_link import InstanceHandler, InstanceLink
from protos import wire
from protos.weir.v1 import codeserver_pb2, codeserver_pb2_grpc, common_pb2, snapshot_pb2

Req = TypeVar("Req")
Reply = TypeVar("Reply")
HANDSHAKE_TIMEOUT = 5.0
CALL_TIMEOUT = 30.0
SNAPSHOT_TIMEOUT = 120.0
RELOAD_TIMEOUT = 240.0  # longer than the code server's default import timeout (180 s)


class LocationClient(Protocol):
    """What the host asks of a code location."""

    def handshake(self) -> codeserver_pb2.HandshakeReply: ...

    def fetch_snapshot(self, snapshot_id: str) -> snapshot_pb2.Snapshot: ...

    def reload(self) -> codeserver_pb2.ReloadReply: ...

    def start_run(self, request: codeserver_pb2.StartRunRequest) -> codeserver_pb2.StartRunReply: ...

    def watch_run_events(self, run_id: str, after_sequence: int) -> Iterator[codeserver_pb2.RunEventBatch]: ...

    def run_worker(self, run_id: str) -> codeserver_pb2.RunWorker: ...

    def cancel_run(self, run_id: str, *, grace_seconds: float = 0.0, terminate: bool = False) -> bool:
        """Stop the run's worker (SIGTERM, SIGKILL after grace_seconds); terminate: the host has
        declared the run finished. False if the location never saw the run."""
        ...

    def evaluate_schedule(
        self, request: codeserver_pb2.EvaluateScheduleRequest, timeout: float
    ) -> codeserver_pb2.EvaluationReply: ...

    def evaluate_sensor(
        self, request: codeserver_pb2.EvaluateSensorRequest, timeout: float
    ) -> codeserver_pb2.EvaluationReply: ...

    def partition_keys(
        self, request: codeserver_pb2.GetPartitionKeysRequest
    ) -> codeserver_pb2.GetPartitionKeysReply: ...

    def close(self) -> None: ...


class GrpcLocationClient:
    """A LocationClient over a gRPC channel, with the location's token on every call."""

    def __init__(
        self, name: str, address: str, *, token: str | None = None, tls: bool = False, tls_ca: bytes | None = None
    ) -> None:
        self.name = name
        self.address = address
        self._channel = wire.open_channel(address, tls=tls, tls_ca=tls_ca)
        self._stub = codeserver_pb2_grpc.CodeServerStub(self._channel)
        self._metadata = wire.call_metadata(token)
        self._instance_link: InstanceLink | None = None

    def _call(self, method: grpc.UnaryUnaryMultiCallable[Req, Reply], request: Req, timeout: float) -> Reply:
        try:
            return method(request, timeout=timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            what = type(request).__name__.removesuffix("Request")
            raise from_rpc_error(exc, what=f"code location {self.name!r} ({self.address}) {what}") from None

    def handshake(self) -> codeserver_pb2.HandshakeReply:
        request = codeserver_pb2.HandshakeRequest(protocol_version=wire.PROTOCOL_VERSION, client_name="weir-host")
        return self._call(self._stub.Handshake, request, HANDSHAKE_TIMEOUT)

    def fetch_snapshot(self, snapshot_id: str) -> snapshot_pb2.Snapshot:
        """Fetch the snapshot in chunks and check the bytes against its content address."""
        import hashlib

        request = codeserver_pb2.GetSnapshotRequest(snapshot_id=snapshot_id)
        try:
            chunks = list(self._stub.GetSnapshot(request, timeout=SNAPSHOT_TIMEOUT, metadata=self._metadata))
        except grpc.RpcError as exc:
            raise from_rpc_error(exc, what=f"code location {self.name!r} snapshot") from None
        data = b"".join(c.data for c in sorted(chunks, key=lambda c: c.index))
        got = hashlib.sha256(data).hexdigest()
        if chunks and got != chunks[0].snapshot_id:
            raise LocationUnavailable(
                f"code location {self.name!r} sent a snapshot whose bytes hash to {got}, not {chunks[0].snapshot_id}"
            )
        return snapshot_pb2.Snapshot.FromString(data)

    def reload(self) -> codeserver_pb2.ReloadReply:
        return self._call(self._stub.Reload, codeserver_pb2.ReloadRequest(), RELOAD_TIMEOUT)

    def start_run(self, request: codeserver_pb2.StartRunRequest) -> codeserver_pb2.StartRunReply:
        return self._call(self._stub.StartRun, request, CALL_TIMEOUT)

    def watch_run_events(self, run_id: str, after_sequence: int) -> Iterator[codeserver_pb2.RunEventBatch]:
        request = codeserver_pb2.WatchRunEventsRequest(run_id=run_id, after_sequence=after_sequence)
        try:
            yield from self._stub.WatchRunEvents(request, metadata=self._metadata)
        except grpc.RpcError as exc:
            raise from_rpc_error(exc, what=f"code location {self.name!r} events of run {run_id}") from None

    def run_worker(self, run_id: str) -> codeserver_pb2.RunWorker:
        return self._call(self._stub.GetRunWorker, codeserver_pb2.GetRunWorkerRequest(run_id=run_id), CALL_TIMEOUT)

    def cancel_run(self, run_id: str, *, grace_seconds: float = 0.0, terminate: bool = False) -> bool:
        request = common_pb2.CancelRunRequest(run_id=run_id, grace_seconds=grace_seconds, terminate=terminate)
        reply = self._call(self._stub.CancelRun, request, CALL_TIMEOUT)
        return reply.found

    def evaluate_schedule(
        self, request: codeserver_pb2.EvaluateScheduleRequest, timeout: float
    ) -> codeserver_pb2.EvaluationReply:
        return self._call(self._stub.EvaluateSchedule, request, timeout + 5)

    def evaluate_sensor(
        self, request: codeserver_pb2.EvaluateSensorRequest, timeout: float
    ) -> codeserver_pb2.EvaluationReply:
        return self._call(self._stub.EvaluateSensor, request, timeout + 5)

    def partition_keys(self, request: codeserver_pb2.GetPartitionKeysRequest) -> codeserver_pb2.GetPartitionKeysReply:
        return self._call(self._stub.GetPartitionKeys, request, CALL_TIMEOUT)

    def serve_instance(self, handler: InstanceHandler) -> None:
        """Open the location's instance stream (once per client): `handler` answers what its runs and
        evaluations ask of context.instance."""
        if self._instance_link is None:
            self._instance_link = InstanceLink(self.name, self._stub, self._metadata, handler)

    def close(self) -> None:
        if self._instance_link is not None:
            self._instance_link.close()
        self._channel.close()
