"""`python -m codeserver run-worker --run-id ID --port P -f FILE | -m MODULE`: one run's own server,
what a run container runs (the host's docker run launcher, docs/deploy.md).

It serves the CodeServer API's run methods for that one run (StartRun, WatchRunEvents, GetRunWorker,
CancelRun) over RunWorkers, the same code a code server uses for its runs: the worker, its journal
and the host's collection of it do not depend on where the run executes (rule 10). `context.instance`
goes the same way as from a code server's runs: the host opens ServeInstance, the worker calls
CallInstance, an InstanceBroker scopes the call to the run (codeserver/instance.py). It never imports
the location's code (the run worker does), and it serves until SIGTERM: the host removes the
container once it has stored the run's events, so the journal is there until then.
"""

from __future__ import annotations

import os
import platform
import signal
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2

from codeserver.instance import InstanceBroker, call_timeout, endpoint_of, write_endpoint
from codeserver.runs import RunDirError, RunWorkers
from codeserver.server import create_server, sdk_version
from codeserver.target import LoadTarget
from protos import wire
from protos.weir.v1 import codeserver_pb2, codeserver_pb2_grpc, common_pb2

CAPABILITIES = ("run_workers", "cancel", "instance")


class RunWorkerServicer(codeserver_pb2_grpc.CodeServerServicer):
    """The CodeServer API's run methods, for the one run this server was started for."""

    def __init__(self, run_id: str, location_name: str, workers: RunWorkers) -> None:
        self.run_id = run_id
        self.location_name = location_name
        self.workers = workers
        self.broker = InstanceBroker(location_name, workers.runs_dir)
        self.server_id = uuid.uuid4().hex
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def _check(self, run_id: str, context: grpc.ServicerContext) -> None:
        if run_id != self.run_id:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"this server runs only run {self.run_id} of location {self.location_name!r}, not {run_id[:60]!r}",
            )

    def Handshake(
        self, request: codeserver_pb2.HandshakeRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.HandshakeReply:
        return codeserver_pb2.HandshakeReply(
            protocol_version=wire.PROTOCOL_VERSION,
            capabilities=CAPABILITIES,
            sdk_version=sdk_version(),
            location_name=self.location_name,
            server_id=self.server_id,
            pid=os.getpid(),
            python_version=platform.python_version(),
            executable=sys.executable,
        )

    def StartRun(
        self, request: codeserver_pb2.StartRunRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.StartRunReply:
        """The run executes the code of this container's image: the snapshot it was planned against."""
        self._check(request.run_id, context)
        try:
            pid = self.workers.start(request, request.snapshot_id)
        except RunDirError as exc:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
        return codeserver_pb2.StartRunReply(pid=pid, snapshot_id=request.snapshot_id)

    def WatchRunEvents(
        self, request: codeserver_pb2.WatchRunEventsRequest, context: grpc.ServicerContext
    ) -> Iterator[codeserver_pb2.RunEventBatch]:
        def active() -> bool:
            return context.is_active() and not self._stopping.is_set()

        self._check(request.run_id, context)
        yield from self.workers.watch(request.run_id, request.after_sequence, request.max_batch or 5000, active)

    def GetRunWorker(
        self, request: codeserver_pb2.GetRunWorkerRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.RunWorker:
        self._check(request.run_id, context)
        return self.workers.status(request.run_id)

    def ListRunWorkers(
        self, request: codeserver_pb2.ListRunWorkersRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.ListRunWorkersReply:
        return codeserver_pb2.ListRunWorkersReply(workers=self.workers.list())

    def ServeInstance(
        self, request_iterator: Iterator[codeserver_pb2.InstanceReply], context: grpc.ServicerContext
    ) -> Iterator[codeserver_pb2.InstanceRequest]:
        def active() -> bool:
            return context.is_active() and not self._stopping.is_set()

        yield from self.broker.serve(request_iterator, active)

    def CallInstance(
        self, request: codeserver_pb2.InstanceCall, context: grpc.ServicerContext
    ) -> codeserver_pb2.InstanceResult:
        return self.broker.call(request, call_timeout(context.time_remaining()))

    def CancelRun(
        self, request: common_pb2.CancelRunRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.CancelRunReply:
        self._check(request.run_id, context)
        if request.terminate:
            return codeserver_pb2.CancelRunReply(found=self.workers.terminate(request.run_id, request.grace_seconds))
        return codeserver_pb2.CancelRunReply(found=self.workers.cancel(request.run_id, request.grace_seconds))


@dataclass(frozen=True)
class RunWorkerOptions:
    run_id: str
    target: LoadTarget
    location_name: str
    runs_dir: Path
    host: str = "0.0.0.0"
    port: int = 4266
    token: str | None = None
    ready_file: str | None = None


def serve_run(options: RunWorkerOptions) -> None:
    """Serve the run until SIGTERM/SIGINT."""
    # The other CodeServer methods (snapshots, evaluations, ...) answer UNIMPLEMENTED, as the base class does.
    servicer = RunWorkerServicer(  # type: ignore[abstract]
        options.run_id, options.location_name, RunWorkers(options.runs_dir.resolve(), options.target)
    )
    server, port, health_servicer = create_server(servicer, f"{options.host}:{options.port}", token=options.token)
    servicer.broker.endpoint = endpoint_of(options.host, port, options.token, None)
    write_endpoint(servicer.workers.runs_dir, servicer.broker.endpoint)  # where the run's worker finds it
    server.start()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    if options.ready_file:
        tmp = Path(options.ready_file + ".tmp")
        tmp.write_text(str(port))
        tmp.replace(options.ready_file)
    print(
        f"weir run worker server for run {options.run_id} of {options.location_name!r} listening on "
        f"{options.host}:{port}",
        file=sys.stderr,
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    servicer.stop()
    health_servicer.enter_graceful_shutdown()
    server.stop(grace=1).wait()
