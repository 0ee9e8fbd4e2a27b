"""How `context.instance` travels: from a run worker or an evaluation, through the code server, to the host.

The host opens ServeInstance on each code server it is connected to (the code server may not reach the
host, so the host is the caller) and answers the InstanceRequests sent down that stream. Processes the
code server started call CallInstance on it; InstanceBroker checks the call against what the code
server started (a run in its runs dir, an evaluation it is running), stamps it with that scope and
forwards it on the newest host stream, waiting for the answer within a deadline. The callers' end is
codeserver/instance_client.py (this module is the control plane's and never imports the sdk).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protos.names import path_component_problem
from protos.weir.v1 import codeserver_pb2

if TYPE_CHECKING:
    from codeserver.journal import JournalReader

ENDPOINT_FILE = "instance-endpoint.json"  # in the runs dir: where a run worker finds its code server
DEFAULT_CALL_SECONDS = 30.0


def call_timeout(remaining: float | None) -> float:
    """How long a forwarded call may wait for the host: the caller's gRPC deadline less a margin for the
    answer to travel back (DEFAULT_CALL_SECONDS when it set none)."""
    return DEFAULT_CALL_SECONDS if remaining is None else max(0.0, min(remaining - 0.5, 3600.0))


HOST_WAIT_SECONDS = 3.0  # how long a call waits for a host to (re)open its stream
_CLOSED = object()


def _result(error: str, error_type: str) -> codeserver_pb2.InstanceResult:
    return codeserver_pb2.InstanceResult(error=error, error_type=error_type)


@dataclass
class _HostLink:
    """One host's ServeInstance stream: requests waiting to go down it, calls waiting for answers."""

    outgoing: queue.Queue[Any] = field(default_factory=queue.Queue)
    pending: dict[str, tuple[threading.Event, list[codeserver_pb2.InstanceResult]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False

    def ask(self, request: codeserver_pb2.InstanceRequest, timeout: float) -> codeserver_pb2.InstanceResult | None:
        done, slot = threading.Event(), list[codeserver_pb2.InstanceResult]()
        with self.lock:
            if self.closed:
                return None
            self.pending[request.request_id] = (done, slot)
        self.outgoing.put(request)
        done.wait(timeout)
        with self.lock:
            self.pending.pop(request.request_id, None)
        return slot[0] if slot else None

    def answer(self, reply: codeserver_pb2.InstanceReply) -> None:
        with self.lock:
            waiting = self.pending.get(reply.request_id)
        if waiting is not None:
            waiting[1].append(reply.result)
            waiting[0].set()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            waiting = list(self.pending.values())
        for done, _ in waiting:
            done.set()  # no answer: the caller reports the host as gone
        self.outgoing.put(_CLOSED)


class InstanceBroker:
    """The code server's side of the facade: host streams in, calls from its children out."""

    def __init__(self, location_name: str, runs_dir: Path) -> None:
        self.location_name = location_name
        self.runs_dir = runs_dir
        self.endpoint: dict[str, str] = {}  # how children reach this server (set once it listens)
        self._links: list[_HostLink] = []
        self._evaluations: dict[str, codeserver_pb2.InstanceScope] = {}
        self._lock = threading.Lock()
        self._link_added = threading.Condition(self._lock)
        self._ids = itertools.count(1)
        self._journals = _JournalMarks(runs_dir)

    @property
    def host_connected(self) -> bool:
        with self._lock:
            return bool(self._links)

    def serve(
        self, replies: Iterator[codeserver_pb2.InstanceReply], is_active: Callable[[], bool]
    ) -> Iterator[codeserver_pb2.InstanceRequest]:
        """One host's stream: send it the calls, hand its replies to the callers, until it goes."""
        link = _HostLink()
        with self._lock:
            self._links.append(link)
            self._link_added.notify_all()

        def read_replies() -> None:
            import grpc  # here: run workers import this module for its constants and need no grpc

            with contextlib.suppress(grpc.RpcError, ValueError):  # the stream ended or broke
                for reply in replies:
                    link.answer(reply)
            link.close()

        threading.Thread(target=read_replies, name="instance-replies", daemon=True).start()
        try:
            while is_active():
                try:
                    request = link.outgoing.get(timeout=0.5)
                except queue.Empty:
                    continue
                if request is _CLOSED:
                    return
                yield request
        finally:
            with self._lock:
                self._links.remove(link)
            link.close()

    @contextlib.contextmanager
    def evaluation(self, kind: str, name: str) -> Iterator[str]:
        """An id for one schedule or sensor evaluation: its calls carry it, and it ends with the evaluation."""
        evaluation_id = secrets.token_hex(16)
        scope = codeserver_pb2.InstanceScope(
            location_name=self.location_name, instigator_kind=kind, instigator_name=name
        )
        with self._lock:
            self._evaluations[evaluation_id] = scope
        try:
            yield evaluation_id
        finally:
            with self._lock:
                self._evaluations.pop(evaluation_id, None)

    def call(self, call: codeserver_pb2.InstanceCall, timeout: float) -> codeserver_pb2.InstanceResult:
        """Forward one call to the host, stamped with its scope; refusals and failures come back as data."""
        scope = self._scope(call)
        if isinstance(scope, str):
            return _result(scope, "invalid")
        with self._lock:  # a host reconnecting (its restart, this server's) gets a moment to come back
            self._link_added.wait_for(lambda: bool(self._links), min(timeout, HOST_WAIT_SECONDS))
            link = self._links[-1] if self._links else None
        if link is None:
            return _result(self._not_connected(), "unavailable")
        request = codeserver_pb2.InstanceRequest(
            request_id=str(next(self._ids)), scope=scope, method=call.method, arguments_json=call.arguments_json
        )
        result = link.ask(request, timeout)
        if result is None:
            why = "did not answer" if not link.closed else "disconnected before answering"
            return _result(
                f"the host {why} DagsterInstance call {call.method!r} of location {self.location_name!r} "
                f"within {timeout:g} s; try again once the host is up",
                "unavailable",
            )
        return result

    def _not_connected(self) -> str:
        return (
            f"the host is not connected to location {self.location_name!r}: context.instance is served by a "
            "Weir host through this code server, and none has opened its instance stream. Start the host "
            "(`weir dev` or `weir host start`) with this location in its workspace"
        )

    def _scope(self, call: codeserver_pb2.InstanceCall) -> codeserver_pb2.InstanceScope | str:
        if call.evaluation_id:
            with self._lock:
                scope = self._evaluations.get(call.evaluation_id)
            if scope is None:
                return (
                    "this evaluation is over (or was not started by this code server): context.instance "
                    "serves an evaluation only while it runs"
                )
            return scope
        if call.run_id:
            problem = path_component_problem(call.run_id)
            if problem or not (self.runs_dir / call.run_id).is_dir():
                return f"run {call.run_id[:60]!r} was not started by location {self.location_name!r}"
            return codeserver_pb2.InstanceScope(
                location_name=self.location_name,
                run_id=call.run_id,
                journal_sequence=self._journals.last_sequence(call.run_id),
            )
        return "an instance call names its run or its evaluation; this one names neither"


class _JournalMarks:
    """The last sequence each run has journaled, read incrementally (each call reads only what was
    appended since the run's previous call); the newest runs' readers are kept."""

    KEPT = 256

    def __init__(self, runs_dir: Path) -> None:
        self._runs_dir = runs_dir
        self._lock = threading.Lock()
        self._readers: OrderedDict[str, tuple[JournalReader, int]] = OrderedDict()

    def last_sequence(self, run_id: str) -> int:
        # here, not at import: user processes import this module (through instance_client) and must not
        # load grpc, which the journal's module does
        from codeserver.journal import JOURNAL, JournalReader

        with self._lock:
            found = self._readers.pop(run_id, None)
            reader, last = found if found is not None else (JournalReader(self._runs_dir / run_id / JOURNAL), -1)
            while batch := reader.read(after_sequence=last):
                last = batch[-1].sequence
            self._readers[run_id] = (reader, last)
            while len(self._readers) > self.KEPT:
                self._readers.popitem(last=False)
            return last


def endpoint_of(host: str, port: int, token: str | None, tls_cert: str | None) -> dict[str, str]:
    """How this server's children reach it: loopback when it listens on every interface."""
    reachable = "127.0.0.1" if host in ("", "0.0.0.0", "::", "[::]") else host
    found = {"address": f"{reachable}:{port}", "token": token or ""}
    if tls_cert:
        found["tls_ca"] = str(Path(tls_cert).resolve())
    return found


def write_endpoint(runs_dir: Path, found: Mapping[str, str]) -> None:
    """Where run workers (also those started by an earlier server) find this one; only its owner reads it."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    tmp = runs_dir / f".{ENDPOINT_FILE}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(dict(found), out)
    tmp.replace(runs_dir / ENDPOINT_FILE)
