"""The CodeServer gRPC server: thin servicer methods over LocationCode and RunWorkers, and the one
place that assembles a server (health, reflection, auth, ports, shutdown)."""

from __future__ import annotations

import functools
import json
import os
import platform
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from codeserver.instance import InstanceBroker, call_timeout, endpoint_of, write_endpoint
from codeserver.location import DEFAULT_IMPORT_TIMEOUT, DEFAULT_POOL_SIZE, LocationCode
from codeserver.output import OutputTail
from codeserver.runs import RunDirError, RunWorkers
from codeserver.target import LoadTarget
from codeserver.userprocess import UserProcess, UserProcessError, UserProcessTimeout
from protos import wire
from protos.names import path_component_problem
from protos.weir.v1 import codeserver_pb2, codeserver_pb2_grpc, common_pb2

SNAPSHOT_CHUNK_BYTES = 1 << 20
CAPABILITIES = ("snapshot_chunks", "run_workers", "cancel", "reload", "evaluations", "instance")
DEFAULT_EVALUATION_TIMEOUT = 60.0
MAX_EVALUATION_TIMEOUT = 24 * 3600.0
# Each watched run holds a thread for its event stream; control-plane calls must still find one free.
WORKER_THREADS = 256


@functools.cache
def sdk_version() -> str:
    """The sdk's version, read from package metadata without importing sdk on the control plane."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("weir")
    except PackageNotFoundError:
        return "unknown"


class CodeServerServicer(codeserver_pb2_grpc.CodeServerServicer):
    """Translates CodeServer RPCs into calls on the location's code and its run workers."""

    def __init__(self, code: LocationCode, workers: RunWorkers, broker: InstanceBroker | None = None) -> None:
        self.code = code
        self.workers = workers
        self.broker = broker or InstanceBroker(code.location_name, workers.runs_dir)
        self.server_id = uuid.uuid4().hex
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def Handshake(
        self, request: codeserver_pb2.HandshakeRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.HandshakeReply:
        loaded = self.code.loaded
        reply = codeserver_pb2.HandshakeReply(
            protocol_version=wire.PROTOCOL_VERSION,
            capabilities=CAPABILITIES,
            sdk_version=sdk_version(),
            location_name=self.code.location_name,
            snapshot_id=loaded.snapshot_id if loaded else "",
            server_id=self.server_id,
            pid=os.getpid(),
            python_version=platform.python_version(),
            executable=sys.executable,
            loading=self.code.loading,
        )
        if self.code.load_error is not None:
            reply.load_error.CopyFrom(self.code.load_error)
        return reply

    def GetSnapshot(
        self, request: codeserver_pb2.GetSnapshotRequest, context: grpc.ServicerContext
    ) -> Iterator[codeserver_pb2.SnapshotChunk]:
        loaded = self.code.loaded
        if loaded is None:
            why = self.code.load_error.message if self.code.load_error else "still loading"
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"no snapshot: {why}")
        if request.snapshot_id and request.snapshot_id != loaded.snapshot_id:
            context.abort(
                grpc.StatusCode.NOT_FOUND,
                f"snapshot {request.snapshot_id} is no longer served (current: {loaded.snapshot_id})",
            )
        data = loaded.snapshot
        total = max(1, -(-len(data) // SNAPSHOT_CHUNK_BYTES))
        for index in range(total):
            chunk = data[index * SNAPSHOT_CHUNK_BYTES : (index + 1) * SNAPSHOT_CHUNK_BYTES]
            yield codeserver_pb2.SnapshotChunk(snapshot_id=loaded.snapshot_id, index=index, total=total, data=chunk)

    def Reload(
        self, request: codeserver_pb2.ReloadRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.ReloadReply:
        self.code.load()
        loaded = self.code.loaded
        reply = codeserver_pb2.ReloadReply(snapshot_id=loaded.snapshot_id if loaded else "")
        if self.code.load_error is not None:
            reply.error.CopyFrom(self.code.load_error)
        return reply

    def StartRun(
        self, request: codeserver_pb2.StartRunRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.StartRunReply:
        _check_run_id(request.run_id, context)
        loaded = self.code.loaded
        if loaded is None:
            context.abort(
                grpc.StatusCode.FAILED_PRECONDITION, f"location {self.code.location_name!r} has no loaded code to run"
            )
        try:
            pid = self.workers.start(request, loaded.snapshot_id)
        except RunDirError as exc:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
        return codeserver_pb2.StartRunReply(pid=pid, snapshot_id=loaded.snapshot_id)

    def WatchRunEvents(
        self, request: codeserver_pb2.WatchRunEventsRequest, context: grpc.ServicerContext
    ) -> Iterator[codeserver_pb2.RunEventBatch]:
        def active() -> bool:
            return context.is_active() and not self._stopping.is_set()

        _check_run_id(request.run_id, context)
        yield from self.workers.watch(request.run_id, request.after_sequence, request.max_batch or 5000, active)

    def GetRunWorker(
        self, request: codeserver_pb2.GetRunWorkerRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.RunWorker:
        _check_run_id(request.run_id, context)
        return self.workers.status(request.run_id)

    def ListRunWorkers(
        self, request: codeserver_pb2.ListRunWorkersRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.ListRunWorkersReply:
        return codeserver_pb2.ListRunWorkersReply(workers=self.workers.list())

    def CancelRun(
        self, request: common_pb2.CancelRunRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.CancelRunReply:
        _check_run_id(request.run_id, context)
        if request.terminate:
            return codeserver_pb2.CancelRunReply(found=self.workers.terminate(request.run_id, request.grace_seconds))
        return codeserver_pb2.CancelRunReply(found=self.workers.cancel(request.run_id, request.grace_seconds))

    def EvaluateSchedule(
        self, request: codeserver_pb2.EvaluateScheduleRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.EvaluationReply:
        what = f"schedule {request.schedule_name!r}"
        _check_timeout(request.timeout_seconds, context)
        with self.broker.evaluation("schedule", request.schedule_name) as evaluation_id:
            return self._evaluate("evaluate_schedule", request, request.timeout_seconds, what, evaluation_id)

    def EvaluateSensor(
        self, request: codeserver_pb2.EvaluateSensorRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.EvaluationReply:
        what = f"sensor {request.sensor_name!r}"
        _check_timeout(request.timeout_seconds, context)
        with self.broker.evaluation("sensor", request.sensor_name) as evaluation_id:
            return self._evaluate("evaluate_sensor", request, request.timeout_seconds, what, evaluation_id)

    def GetPartitionKeys(
        self, request: codeserver_pb2.GetPartitionKeysRequest, context: grpc.ServicerContext
    ) -> codeserver_pb2.GetPartitionKeysReply:
        try:
            body = self.code.call("partition_keys", request.SerializeToString(), DEFAULT_EVALUATION_TIMEOUT)
        except UserProcessError as exc:
            return codeserver_pb2.GetPartitionKeysReply(
                error=_process_error(exc, "partition keys", DEFAULT_EVALUATION_TIMEOUT)
            )
        return codeserver_pb2.GetPartitionKeysReply.FromString(body)

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

    def _evaluate(
        self, method: str, request: Message, timeout: float, what: str, evaluation_id: str = ""
    ) -> codeserver_pb2.EvaluationReply:
        """One evaluation in a pooled user process; a timeout or a dead process becomes a reply."""
        started = time.monotonic()
        output = OutputTail()  # what user code prints, kept also when the evaluation times out
        instance = {**self.broker.endpoint, "evaluation_id": evaluation_id} if self.broker.endpoint else None
        try:
            timeout = timeout or DEFAULT_EVALUATION_TIMEOUT
            body = self.code.call(method, request.SerializeToString(), timeout, output, instance)
        except UserProcessError as exc:
            reply = codeserver_pb2.EvaluationReply(
                error=_process_error(exc, what, timeout), timed_out=isinstance(exc, UserProcessTimeout)
            )
        else:
            reply = codeserver_pb2.EvaluationReply.FromString(body)
        reply.duration_seconds = time.monotonic() - started
        reply.output = output.text()
        return reply


def _check_timeout(seconds: float, context: grpc.ServicerContext) -> None:
    if not (0 <= seconds <= MAX_EVALUATION_TIMEOUT):  # also refuses NaN
        context.abort(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"timeout_seconds must be between 0 (the default, "
            f"{DEFAULT_EVALUATION_TIMEOUT:g} s) and {MAX_EVALUATION_TIMEOUT:g}, not {seconds}",
        )


def _check_run_id(run_id: str, context: grpc.ServicerContext) -> None:
    """A run id names the run's directory under the runs dir, so it must be one plain path component."""
    problem = path_component_problem(run_id)
    if problem:
        context.abort(
            grpc.StatusCode.INVALID_ARGUMENT, f"run id {run_id[:60]!r} {problem}; a run id names the run's directory"
        )


def _process_error(exc: Exception, what: str, timeout: float) -> common_pb2.UserCodeError:
    if isinstance(exc, UserProcessTimeout):
        return common_pb2.UserCodeError(
            type="EvaluationTimeout",
            message=(f"{what} did not finish within {timeout:g} s; its process was killed and replaced"),
        )
    return common_pb2.UserCodeError(type="UserProcessError", message=f"{what} could not be evaluated: {exc}")


@dataclass(frozen=True)
class ServerOptions:
    target: LoadTarget
    location_name: str
    host: str = "127.0.0.1"
    port: int = 0
    runs_dir: str | None = None
    ready_file: str | None = None
    token: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    exit_with_parent: bool = False
    pool_size: int = DEFAULT_POOL_SIZE
    import_timeout: float = DEFAULT_IMPORT_TIMEOUT


def create_server(
    servicer: codeserver_pb2_grpc.CodeServerServicer,
    address: str,
    *,
    token: str | None = None,
    tls_cert: bytes | None = None,
    tls_key: bytes | None = None,
) -> tuple[grpc.Server, int, health.HealthServicer]:
    """A started-ready (not yet started) server with the CodeServer, health and reflection services."""
    interceptors = [*([wire.TokenAuthInterceptor(token)] if token else []), wire.RequestGuard()]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKER_THREADS), interceptors=interceptors, options=wire.CHANNEL_OPTIONS
    )
    codeserver_pb2_grpc.add_CodeServerServicer_to_server(servicer, server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = (
        codeserver_pb2.DESCRIPTOR.services_by_name["CodeServer"].full_name,
        health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        reflection.SERVICE_NAME,
    )
    reflection.enable_server_reflection(services, server)
    port = wire.add_port(server, address, tls_cert=tls_cert, tls_key=tls_key)
    return server, port, health_servicer


def serve(first_load: UserProcess, options: ServerOptions) -> None:
    """Run a code server until SIGTERM/SIGINT (or the parent's death, with exit_with_parent).

    first_load is the user process already importing the code, started before this module's imports.
    """
    code = LocationCode(
        options.target, options.location_name, pool_size=options.pool_size, import_timeout=options.import_timeout
    )
    weir_home = Path(os.environ.get("WEIR_HOME", ".weir"))
    runs_dir = Path(options.runs_dir or weir_home / "runs" / options.location_name).resolve()
    servicer = CodeServerServicer(code, RunWorkers(runs_dir, options.target))
    server, port, health_servicer = create_server(
        servicer,
        f"{options.host}:{options.port}",
        token=options.token,
        tls_cert=_read_optional(options.tls_cert),
        tls_key=_read_optional(options.tls_key),
    )
    server.start()
    servicer.broker.endpoint = endpoint_of(options.host, port, options.token, options.tls_cert)
    write_endpoint(runs_dir, servicer.broker.endpoint)
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    if options.ready_file:
        _write_ready_file(Path(options.ready_file), port)
    print(
        f"weir code server for {options.location_name!r} listening on {options.host}:{port}",
        file=sys.stderr,
        flush=True,
    )
    threading.Thread(target=code.load, args=(first_load,), daemon=True).start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if options.exit_with_parent:
        threading.Thread(target=_watch_parent, args=(os.getppid(), stop), daemon=True).start()
    while not stop.wait(0.5):
        pass
    servicer.stop()
    health_servicer.enter_graceful_shutdown()
    code.close()
    server.stop(grace=1).wait()


def _read_optional(path: str | None) -> bytes | None:
    return Path(path).read_bytes() if path else None


def _write_ready_file(path: Path, port: int) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"port": port, "pid": os.getpid()}))
    tmp.replace(path)


def _watch_parent(parent_pid: int, stop: threading.Event) -> None:
    while not stop.is_set():
        if os.getppid() != parent_pid:
            stop.set()
            return
        time.sleep(0.5)
