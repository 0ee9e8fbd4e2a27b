"""Host API methods for captured step output (compute logs); HostServicer inherits them.

The batches come from a plain generator over storage, so following a run is testable without gRPC. The
sizes come from the run summary storage keeps at ingest: counting them reads none of the output.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from host.api import limits
from host.api.errors import grpc_errors, grpc_stream_errors
from host.domain import runs
from host.errors import ConfigError
from host.storage import events as event_store
from host.storage import run_summary
from host.storage.records import TERMINAL_RUN_STATUSES
from protos import wire
from protos.weir.v1 import common_pb2, host_pb2

if TYPE_CHECKING:
    import grpc

    from host.api.services import HostServices

STREAMS = ("stdout", "stderr")
FOLLOW_POLL_SECONDS = 0.2  # the run worker reads a step's pipes every 0.25 s


def log_batches(
    engine: Engine,
    request: host_pb2.WatchRunLogsRequest,
    *,
    is_active: Callable[[], bool] = lambda: True,
    poll_seconds: float = FOLLOW_POLL_SECONDS,
) -> Iterator[host_pb2.RunLogsBatch]:
    """Batches of a run's captured output after `request.after_sequence`; with `follow`, polls storage
    until the run has ended and its output is all sent (or the caller has gone).

    The run's status is read before its output: the watcher stores a run's end event and its status in
    one transaction, so output read after an ended status is the whole of it.
    """
    if request.stream and request.stream not in STREAMS:
        raise ConfigError(f"stream is {request.stream[:40]!r}: pass 'stdout', 'stderr', or '' for both")
    limit = limits.page_size(request.limit, limits.LOGS_PAGE)
    after = request.after_sequence
    while True:
        run = runs.get_run(engine, request.run_id)
        with engine.connect() as conn:
            chunks, after, more = event_store.compute_logs(
                conn,
                request.run_id,
                step_key=request.step_key or None,
                stream=request.stream or None,
                after_sequence=after,
                limit=limit,
                max_bytes=wire.MAX_PAGE_BYTES,
            )
        if chunks:
            yield host_pb2.RunLogsBatch(
                chunks=[_chunk(c) for c in chunks], last_sequence=after, run_status=host_pb2.RunStatus.Value(run.status)
            )
        if more:
            continue
        if not request.follow or run.status in TERMINAL_RUN_STATUSES or not is_active():
            return
        time.sleep(poll_seconds)


def log_sizes(engine: Engine, run_id: str) -> host_pb2.RunLogSizes:
    """The bytes of stdout and stderr each step of the run wrote (and dropped past the cap).

    Raises:
        RunNotFound: no run has this id.
    """
    runs.get_run(engine, run_id)
    with engine.connect() as conn:
        steps = run_summary.log_sizes(conn, run_id)
    return host_pb2.RunLogSizes(
        steps=[
            host_pb2.StepLogSize(
                step_key=s.step_key,
                stdout_bytes=s.stdout_bytes,
                stderr_bytes=s.stderr_bytes,
                dropped_bytes=s.dropped_bytes,
            )
            for s in steps
        ]
    )


def type_names(types: Iterable[common_pb2.EventType.ValueType]) -> list[str]:
    """The names of the event types a request lists; a number this host does not know names none."""
    known = set(common_pb2.EventType.values())
    return [common_pb2.EventType.Name(t) for t in types if t in known]


def _chunk(event: common_pb2.RunEvent) -> host_pb2.LogChunk:
    return host_pb2.LogChunk(
        sequence=event.sequence,
        step_key=event.step_key,
        stream=event.stream,
        text=event.message,
        timestamp=event.timestamp,
        dropped_bytes=event.dropped_bytes,
    )


class LogMethods:
    app: HostServices

    @grpc_stream_errors
    def WatchRunLogs(
        self, request: host_pb2.WatchRunLogsRequest, context: grpc.ServicerContext
    ) -> Iterator[host_pb2.RunLogsBatch]:
        yield from log_batches(self.app.engine, request, is_active=context.is_active)

    @grpc_errors
    def GetRunLogSizes(
        self, request: host_pb2.GetRunLogSizesRequest, context: grpc.ServicerContext
    ) -> host_pb2.RunLogSizes:
        return log_sizes(self.app.engine, request.run_id)
