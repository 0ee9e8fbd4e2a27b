"""The user process: a child of the code server that imports the location's code and answers calls
into it (the snapshot, schedule and sensor evaluations, partition keys) over a pipe.

The control plane never imports user code; it talks to user processes, each call with a deadline,
and kills and replaces a process that overruns it.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

from codeserver.loader import LoadTarget

_FRAME = struct.Struct(">I")
# User code yields the CPU to the control plane: a sensor spinning in a loop must not slow handshakes.
USER_PROCESS_NICENESS = 10


class UserProcessError(Exception):
    """The user process died, timed out or spoke nonsense; the caller replaces it."""


class UserProcessTimeout(UserProcessError):
    pass


def write_frame(stream: IO[bytes], header: dict[str, Any], body: bytes = b"") -> None:
    head = json.dumps(header).encode()
    stream.write(_FRAME.pack(len(head)) + head + _FRAME.pack(len(body)) + body)
    stream.flush()


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise UserProcessTimeout("deadline exceeded")
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise UserProcessError("the user process exited")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> tuple[dict[str, Any], bytes]:
    (size,) = _FRAME.unpack(_read_exact(fd, _FRAME.size, deadline))
    header = json.loads(_read_exact(fd, size, deadline))
    (size,) = _FRAME.unpack(_read_exact(fd, _FRAME.size, deadline))
    return header, _read_exact(fd, size, deadline)


@dataclass(frozen=True)
class LoadResult:
    """What a user process reports after importing the code: a snapshot or the error."""

    snapshot_id: str
    snapshot: bytes
    error: bytes  # a serialized UserCodeError, b"" on success


class UserProcess:
    """Parent side of one user process."""

    def __init__(self, target: LoadTarget, location_name: str, python: str = sys.executable) -> None:
        self.location_name = location_name
        self._proc = subprocess.Popen(
            [python, "-m", "codeserver.userprocess", "--location-name", location_name, *target.to_args()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
        )
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def wait_loaded(self, timeout: float | None = None) -> LoadResult:
        """Block until the code is imported (or failed to import)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        assert self._proc.stdout is not None
        with self._lock:
            header, body = read_frame(self._proc.stdout.fileno(), deadline)
        if header.get("ok"):
            return LoadResult(header["snapshot_id"], body, b"")
        return LoadResult("", b"", body)

    def call(self, method: str, body: bytes, timeout: float) -> bytes:
        """One call into user code; raises UserProcessTimeout (and kills the process) past timeout."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        with self._lock:
            try:
                write_frame(self._proc.stdin, {"method": method}, body)
                header, reply = read_frame(self._proc.stdout.fileno(), time.monotonic() + timeout)
            except (UserProcessError, OSError) as exc:
                self.kill()
                raise exc if isinstance(exc, UserProcessError) else UserProcessError(str(exc)) from exc
        if not header.get("ok"):
            raise UserProcessError(header.get("error", "the user process failed"))
        return reply

    def alive(self) -> bool:
        return self._proc.poll() is None

    def kill(self) -> None:
        """Kill the process and anything it started in its session."""
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()


def _serve(defs: Any, stdin_fd: int, out: IO[bytes]) -> None:
    from codeserver import evaluation

    handlers = evaluation.handlers(defs)
    while True:
        try:
            header, body = read_frame(stdin_fd)
        except UserProcessError:
            return
        handler = handlers.get(header.get("method", ""))
        if handler is None:
            write_frame(out, {"ok": False, "error": f"unknown method {header.get('method')!r}"})
            continue
        write_frame(out, {"ok": True}, handler(body))


def _exit_with_parent() -> None:
    """A user process must not outlive its code server, even while user code is stuck in a loop."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def main(argv: list[str]) -> None:
    from codeserver.cli import parse_target

    threading.Thread(target=_exit_with_parent, daemon=True).start()

    target, location_name = parse_target(argv)
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # user prints must not corrupt the frame stream
    from codeserver.loader import error_from_exception, load_definitions

    try:
        defs = load_definitions(target)
        from codeserver.snapshot import build_snapshot

        blob = build_snapshot(defs, location_name)
    except BaseException as exc:
        write_frame(out, {"ok": False}, error_from_exception(exc).SerializeToString())
        return
    write_frame(out, {"ok": True, "snapshot_id": blob.snapshot_id}, blob.data)
    os.nice(USER_PROCESS_NICENESS)  # loading ran at full speed; evaluations yield to the control plane
    _serve(defs, sys.stdin.buffer.fileno(), out)


if __name__ == "__main__":
    main(sys.argv[1:])
