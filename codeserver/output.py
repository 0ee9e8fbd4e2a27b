"""What user code writes to stdout and stderr while a schedule or sensor is evaluated, returned with the
evaluation's reply (`EvaluationReply.output`) so the host can keep it with the tick.

The code server's side of a call (`UserProcess.call`) makes a FIFO in a private directory and reads it
while it waits for the reply; the user process points its fd 1 and 2 at the FIFO for that call only
(`redirected`), so `print`, logging to stderr, C extensions and subprocesses are all caught. Reading
on the code server's side, not the user process's, means the output of an evaluation that times out
is still there after its process is killed, and a pipe means it never touches the disk: a sensor
printing in a loop until its deadline costs `OUTPUT_KEPT_BYTES` of memory, not gigabytes of /tmp. A
FIFO per call means a subprocess an evaluation left running writes into a pipe nobody reads any more
(it gets EPIPE), never into the next evaluation's output.

Of a long output the first and last `OUTPUT_KEPT_BYTES // 2` bytes are kept, with a marker between
them counting the bytes left out: the head shows what the evaluation started doing, the tail where
it ended (often the error). This module is free of the sdk: the control plane imports it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

# Of an evaluation's output at most this many bytes are kept: the first half and the last half.
OUTPUT_KEPT_BYTES = 64 * 1024
_READ_BYTES = 64 * 1024


class OutputTail:
    """Bytes in, the head and tail of them kept; `text()` is what the reply carries."""

    def __init__(self, kept: int = OUTPUT_KEPT_BYTES) -> None:
        self._half = kept // 2
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self._half - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            del self._tail[: max(0, len(self._tail) - self._half)]

    def text(self) -> str:
        """UTF-8 with errors replaced (output may be any bytes) and NUL as U+FFFD (storage refuses it)."""
        head = self._head.decode(errors="replace")
        dropped = self.total - len(self._head) - len(self._tail)
        if dropped:
            lead = "" if head.endswith("\n") else "\n"
            head += f"{lead}[... {dropped:,} bytes truncated ...]\n"
        return (head + self._tail.decode(errors="replace")).replace("\0", "\ufffd")


class OutputPipe:
    """The code server's end of one call's FIFO: `path` goes to the user process, `drain` reads it.

    It holds a write end of its own, so the FIFO never reads as closed, whoever else opens or closes
    it: reads stop at "nothing more for now", never block, and the pipe is simply closed at the end."""

    def __init__(self, directory: str, sink: OutputTail) -> None:
        self.path = os.path.join(directory, "output")
        os.mkfifo(self.path, 0o600)
        self.fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        self._keep_open = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        self._sink = sink

    def drain(self) -> None:
        """Feed the sink what the FIFO holds now."""
        while True:
            try:
                data = os.read(self.fd, _READ_BYTES)
            except BlockingIOError:
                return
            if not data:
                return
            self._sink.feed(data)

    def close(self) -> None:
        self.drain()
        os.close(self._keep_open)
        os.close(self.fd)


@contextlib.contextmanager
def output_pipe(sink: OutputTail) -> Iterator[OutputPipe]:
    """A FIFO for one call in a directory only this user can enter, removed (with it) afterwards."""
    directory = tempfile.mkdtemp(prefix="weir-output-")
    try:
        pipe = OutputPipe(directory, sink)
        try:
            yield pipe
        finally:
            pipe.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _flush_python_streams() -> None:
    """Python's buffers go where fd 1 and 2 point now, before they point elsewhere."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()


@contextlib.contextmanager
def redirected(path: str, log_fd: int) -> Iterator[None]:
    """In the user process: fd 1 and 2 write to the FIFO at `path` for the block, then to `log_fd`
    (the process's log) again, whatever user code did to them meanwhile.

    The FIFO is opened without blocking (it fails at once if the code server is no longer reading,
    rather than hang) and then made blocking, as user code expects of its stdout."""
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    os.set_blocking(fd, True)
    _flush_python_streams()
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    finally:
        os.close(fd)
    try:
        yield
    finally:
        _flush_python_streams()
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
