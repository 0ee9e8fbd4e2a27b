"""The host's end of a location's instance stream: the host opens ServeInstance on the code server
(which may not be able to reach the host) and answers each InstanceRequest that comes down it, for
`context.instance` in that location's runs and evaluations (codeserver/instance.py is the other end).

The stream is opened again, with back-off, whenever it breaks: a code server restarting, a network
blip. What answers a request is given by the layer that owns storage (host/api/instance.py).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from protos.weir.v1 import codeserver_pb2, codeserver_pb2_grpc

InstanceHandler = Callable[[str, codeserver_pb2.InstanceRequest], codeserver_pb2.InstanceResult]
log = logging.getLogger("weir.instance")
RETRY_MIN_SECONDS = 0.2
RETRY_MAX_SECONDS = 10.0
STABLE_SECONDS = 5.0
ANSWER_THREADS = 4
_STOP = object()


class InstanceLink:
    """One location's ServeInstance stream, kept open until close()."""

    def __init__(
        self,
        location: str,
        stub: codeserver_pb2_grpc.CodeServerStub,
        metadata: tuple[tuple[str, str], ...],
        handler: InstanceHandler,
    ) -> None:
        self.location = location
        self._stub = stub
        self._metadata = metadata
        self._handler = handler
        self._closed = threading.Event()
        self._call: Any = None
        self._pool = ThreadPoolExecutor(ANSWER_THREADS, thread_name_prefix=f"instance-{location}")
        self._thread = threading.Thread(target=self._run, name=f"instance-link-{location}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        backoff = RETRY_MIN_SECONDS
        while not self._closed.is_set():
            replies: queue.Queue[Any] = queue.Queue()
            opened = time.monotonic()
            try:
                self._call = self._stub.ServeInstance(_until_stopped(replies), metadata=self._metadata)
                for request in self._call:
                    backoff = RETRY_MIN_SECONDS  # the stream works: a later break retries quickly
                    self._pool.submit(self._answer, request, replies)
            except grpc.RpcError as exc:
                if not self._closed.is_set() and exc.code() != grpc.StatusCode.CANCELLED:
                    log.debug("instance stream of location %r broke: %s", self.location, exc.code().name)
            finally:
                replies.put(_STOP)
            if time.monotonic() - opened > STABLE_SECONDS:  # it served a while: a restart, not a dead server
                backoff = RETRY_MIN_SECONDS
            self._closed.wait(backoff)
            backoff = min(backoff * 2, RETRY_MAX_SECONDS)

    def _answer(self, request: codeserver_pb2.InstanceRequest, replies: queue.Queue[Any]) -> None:
        try:
            result = self._handler(self.location, request)
        except Exception as exc:  # the handler answers errors as data; this is a bug in it, still an answer
            log.exception("instance call %s of location %r failed", request.method, self.location)
            result = codeserver_pb2.InstanceResult(
                error=f"{request.method} failed on the host ({type(exc).__name__})", error_type="internal"
            )
        replies.put(codeserver_pb2.InstanceReply(request_id=request.request_id, result=result))

    def close(self) -> None:
        self._closed.set()
        if self._call is not None:
            self._call.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _until_stopped(replies: queue.Queue[Any]) -> Iterator[codeserver_pb2.InstanceReply]:
    while True:
        reply = replies.get()
        if reply is _STOP:
            return
        yield reply
