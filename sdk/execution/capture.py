"""Compute logs: what a step writes to file descriptors 1 and 2, turned into COMPUTE_LOG events.

Capture is at the descriptor level, so `print`, C extensions and subprocesses are all caught. The run
worker redirects its own fd 1 and 2 into pipes for the whole run (`OutputCapture`) and labels what
arrives with the step running at the time; a step process of the multiprocess executor captures pipes
of its own the same way (`StepPipes`) and sends the events with its others.

Output gathers in the pipe, not in memory: a reader thread waits up to COMPUTE_LOG_FLUSH_SECONDS after
output appears (less if the pipe fills), then reads and emits at once. So a follower sees the tail
live, a process that dies hard leaves its last output in the pipe for its parent, and no output is
held back behind an event emitted after it (`OutputCapture.emit` first emits what came before).
"""

from __future__ import annotations

import array
import codecs
import contextlib
import fcntl
import os
import select
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator

from sdk.events import Event

# One read, so one event, holds at most this many bytes of output (decoded, at most 3x as many: far
# below an event's 1 MB).
COMPUTE_LOG_CHUNK_BYTES = 64 * 1024
# Output waits at most this long (plus one poll) in its pipe before it is emitted while a step runs.
COMPUTE_LOG_FLUSH_SECONDS = 0.25
# Each stream of each step keeps at most this many bytes; the rest is counted and dropped, with one marker.
COMPUTE_LOG_STEP_CAP_BYTES = 10 * 1024 * 1024
_PIPE_BYTES = 1024 * 1024  # asked of the kernel (Linux's default limit), so fast writers rarely wait
_READ_NOW_BYTES = 256 * 1024  # a pipe holding this much is read before its time
_POLL_SECONDS = 0.02
_DRAIN_BYTES = 2 * _PIPE_BYTES  # one drain reads more than a pipe holds: all that was written before it
_STREAMS = {1: "stdout", 2: "stderr"}
STEP_END_EVENTS = ("STEP_SUCCESS", "STEP_FAILURE")
RUN_END_EVENTS = ("RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED")

Emit = Callable[[Event], None]


class StreamLog:
    """One stream of one step: bytes in, COMPUTE_LOG events out, capped with one marker."""

    def __init__(self, step_key: str, stream: str, emit: Emit, cap: int = COMPUTE_LOG_STEP_CAP_BYTES) -> None:
        self.step_key, self.stream, self._emit, self._cap = step_key, stream, emit, cap
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")  # a read may split a character
        self._kept = 0
        self._dropped = 0  # not yet reported by a marker
        self._ends_line = True

    def feed(self, data: bytes) -> None:
        take = data[: max(0, self._cap - self._kept)]
        self._kept += len(take)
        self._dropped += len(data) - len(take)
        self._send(take)

    def finish(self) -> None:
        """Emit the marker if bytes were dropped since the last one; the cap stays spent."""
        self._send(b"", final=True)
        if self._dropped:
            lead = "" if self._ends_line else "\n"
            whose = f"step {self.step_key!r}" if self.step_key else "the run"
            message = (
                f"{lead}[Weir dropped {self._dropped:,} bytes of {self.stream} of {whose}: each stream "
                f"of a step keeps at most {self._cap:,} bytes]\n"
            )
            self._emit(
                Event(
                    "COMPUTE_LOG",
                    time.time(),
                    step_key=self.step_key,
                    message=message,
                    stream=self.stream,
                    dropped_bytes=self._dropped,
                )
            )
            self._dropped, self._ends_line = 0, True

    def _send(self, data: bytes, *, final: bool = False) -> None:
        text = self._decoder.decode(data, final=final).replace("\0", "\ufffd")  # storage refuses NUL
        if text:
            self._ends_line = text.endswith("\n")
            self._emit(Event("COMPUTE_LOG", time.time(), step_key=self.step_key, message=text, stream=self.stream))


def read_available(fd: int, feed: Callable[[bytes], None], limit: int = _DRAIN_BYTES) -> bool:
    """Feed what a non-blocking pipe holds now (up to `limit` bytes); False once it is closed."""
    total = 0
    while total < limit:
        try:
            data = os.read(fd, COMPUTE_LOG_CHUNK_BYTES)
        except BlockingIOError:
            return True
        if not data:
            return False
        feed(data)
        total += len(data)
    return True


def flush_python_streams() -> None:
    """Python's own buffers first, so what user code printed is in the pipe before we read it."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()


def _pipe() -> tuple[int, int]:
    r, w = os.pipe()
    with contextlib.suppress(OSError):  # a smaller pipe only makes fast writers wait more often
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    return r, w


def _pending(fd: int) -> int:
    count = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, count)
    return count[0]


def _onto_stdio(pipes: dict[int, tuple[int, int]]) -> dict[int, str]:
    """Make the write ends fd 1 and 2 (inherited by subprocesses); returns read end -> stream."""
    reads = {}
    for fd, (r, w) in pipes.items():
        os.dup2(w, fd)
        os.close(w)
        os.set_blocking(r, False)
        reads[r] = _STREAMS[fd]
    if sys.stdout is not None:
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    return reads


class StepPipes:
    """fd 1 and 2 of one step's own process (multiprocess executor), made before the fork.

    The child captures them itself, so its output keeps its place among its events; the parent keeps
    the read ends only to salvage, once the child is gone, what it left unread (a step that died hard)."""

    def __init__(self, step_key: str, emit: Emit) -> None:
        self._step_key, self._emit = step_key, emit
        self._pipes = {fd: _pipe() for fd in _STREAMS}

    def capture_in_child(self, emit: Emit) -> OutputCapture:
        return OutputCapture(emit, step_key=self._step_key, reads=_onto_stdio(self._pipes))

    def in_parent(self) -> None:
        for r, w in self._pipes.values():
            os.close(w)
            os.set_blocking(r, False)

    def salvage(self) -> None:
        """After the child is gone: emit what is left in its pipes, and close them."""
        for fd, (r, _w) in self._pipes.items():
            log = StreamLog(self._step_key, _STREAMS[fd], self._emit)
            read_available(r, log.feed)
            log.finish()
            os.close(r)


class OutputCapture:
    """Redirects this process's fd 1 and 2 into pipes while active; a thread turns what arrives into
    COMPUTE_LOG events of the current step ("" outside steps), emitted through the raw `emit`.

    Use `emit` (not the raw callback) for every other event of the run: it first emits the output
    written before it, so a step's output lands between its STEP_START and its end event."""

    def __init__(self, emit: Emit, *, step_key: str = "", reads: dict[int, str] | None = None) -> None:
        """reads: pipes (read end -> stream) already on fd 1 and 2 (a step's process); else made on entry."""
        self._raw_emit = emit
        self._lock = threading.RLock()
        self._step = step_key
        self._logs: dict[str, StreamLog] = {}
        self._saved: dict[int, int] = {}  # the worker's own fd 1 and 2 (its log), restored on exit
        self._reads: dict[int, str] = dict(reads or {})
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="weir-compute-logs", daemon=True)
        self._wake_r, self._wake_w = os.pipe()  # ends the reader's wait at exit
        self.error: BaseException | None = None  # what stopped the reader thread (a full disk)
        self._ended = False  # the run's end event is out: it stays the last, later output goes to the log

    def __enter__(self) -> OutputCapture:
        if not self._reads:
            flush_python_streams()
            self._saved = {fd: os.dup(fd) for fd in _STREAMS}
            self._reads = _onto_stdio({fd: _pipe() for fd in _STREAMS})
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        flush_python_streams()
        for fd, saved in self._saved.items():  # from here on, the worker's own output goes to its log
            os.dup2(saved, fd)
            os.close(saved)
        self._stop.set()
        os.write(self._wake_w, b"x")
        self._thread.join()
        try:
            with self._lock:
                self._read_all()
                self._finish_step(clear=True)
        finally:
            for fd in [*self._reads, self._wake_r, self._wake_w]:
                os.close(fd)

    def emit(self, event: Event) -> None:
        """Emit an event of the run after the output written before it."""
        with self.in_order(final=event.type in RUN_END_EVENTS):
            if event.type in STEP_END_EVENTS and event.step_key == self._step:
                self._finish_step(clear=False)  # the marker before the end; the cap stays spent
            self._raw_emit(event)

    @contextlib.contextmanager
    def in_order(self, *, final: bool = False) -> Iterator[None]:
        """Hold the output back while the caller emits an event, after emitting what came before it.

        final: the event ends the run; output after it goes to the worker's log, not to the run."""
        flush_python_streams()
        with self._lock:
            if self.error is not None:
                raise self.error
            self._read_all()
            if final:
                self._finish_step(clear=True)
                self._ended = True
            yield

    @contextlib.contextmanager
    def step(self, step_key: str) -> Iterator[None]:
        """Output while the block runs belongs to step_key (steps of the in-process executor)."""
        self._switch(step_key)
        try:
            yield
        finally:
            self._switch("")

    def _switch(self, step_key: str) -> None:
        flush_python_streams()
        with self._lock:
            self._read_all()
            self._finish_step(clear=True)
            self._step = step_key

    def _finish_step(self, *, clear: bool) -> None:
        if self.error is None:
            for log in self._logs.values():
                log.finish()
        if clear:
            self._logs.clear()

    def _read_all(self) -> None:
        for fd, stream in self._reads.items():
            read_available(fd, self._log(stream).feed if self.error is None and not self._ended else self._aside)

    def _aside(self, data: bytes) -> None:
        """Output that cannot join the run's events: to the worker's log if this process has one."""
        if 2 in self._saved:
            with contextlib.suppress(OSError):
                os.write(self._saved[2], data)

    def _log(self, stream: str) -> StreamLog:
        if stream not in self._logs:
            self._logs[stream] = StreamLog(self._step, stream, self._raw_emit)
        return self._logs[stream]

    def _pump(self) -> None:
        """The reader thread. If emitting fails (a full disk) it goes on reading and setting aside, so
        that no step blocks on a full pipe (to the worker's log, itself likely on the full disk); the main
        thread meets the error at its next event."""
        while not self._stop.is_set():
            if not self._gather():
                continue
            with self._lock:
                try:
                    self._read_all()
                except BaseException as exc:
                    self.error = exc
                    self._aside(f"weir: compute logs stopped: {type(exc).__name__}: {exc}\n".encode())

    def _gather(self) -> bool:
        """Wait for output, then let it gather in the pipe until it is due; False if there was none."""
        ready, _, _ = select.select([*self._reads, self._wake_r], [], [])
        if self._wake_r in ready:
            return False
        due = time.monotonic() + COMPUTE_LOG_FLUSH_SECONDS
        while time.monotonic() < due and not self._stop.is_set():
            if max(_pending(fd) for fd in self._reads) >= _READ_NOW_BYTES:
                break
            self._stop.wait(_POLL_SECONDS)
        return True
