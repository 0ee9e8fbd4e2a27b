"""The private channel between the code server and a user process: two pipes of their own (never the
child's stdin/stdout, which user code and its subprocesses may write to), carrying frames of a JSON
header and a binary body, each read and written within a deadline.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any, Protocol

_FRAME = struct.Struct(">I")
# A header is a few keys; anything larger means the other side is not speaking this protocol.
MAX_HEADER_BYTES = 1 << 20


class UserProcessError(Exception):
    """The user process died, timed out or spoke nonsense; the caller replaces it."""


class UserProcessTimeout(UserProcessError):
    pass


class SideStream(Protocol):
    """A descriptor to read from while waiting for a frame (a call's output), so its writer never stalls."""

    fd: int

    def drain(self) -> None: ...


def _wait(fd: int, deadline: float | None, *, write: bool, side: SideStream | None = None) -> None:
    """Block until fd can be read (or written) without blocking, or raise past the deadline; meanwhile
    drain `side` whenever it has something."""
    if deadline is None and side is None:
        return
    poller = select.poll()  # not select(): a busy server may hold descriptors above FD_SETSIZE
    poller.register(fd, select.POLLOUT if write else select.POLLIN)
    if side is not None:
        poller.register(side.fd, select.POLLIN)
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise UserProcessTimeout("deadline exceeded")
        ready = {ready_fd for ready_fd, _ in poller.poll(None if remaining is None else remaining * 1000)}
        if side is not None and side.fd in ready:
            side.drain()
        if fd in ready:
            return


def _write_all(fd: int, data: bytes, deadline: float | None) -> None:
    view = memoryview(data)
    while view:
        _wait(fd, deadline, write=True)
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            continue
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None, side: SideStream | None = None) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        _wait(fd, deadline, write=False, side=side)
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise UserProcessError("the user process exited")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def write_frame(fd: int, header: dict[str, Any], body: bytes = b"", deadline: float | None = None) -> None:
    """Send one frame; with a deadline, fd should be non-blocking so a full pipe cannot stall past it."""
    head = json.dumps(header).encode()
    _write_all(fd, _FRAME.pack(len(head)) + head + _FRAME.pack(len(body)) + body, deadline)


def read_frame(fd: int, deadline: float | None = None, side: SideStream | None = None) -> tuple[dict[str, Any], bytes]:
    """Receive one frame, draining `side` while waiting; a malformed one is a UserProcessError like a
    dead process."""
    (size,) = _FRAME.unpack(_read_exact(fd, _FRAME.size, deadline, side))
    if size > MAX_HEADER_BYTES:
        raise UserProcessError(f"the user process sent a malformed frame (a {size}-byte header)")
    try:
        header = json.loads(_read_exact(fd, size, deadline, side))
    except ValueError as exc:
        raise UserProcessError(f"the user process sent a malformed frame ({exc})") from exc
    if not isinstance(header, dict):
        raise UserProcessError("the user process sent a malformed frame (its header is not an object)")
    (size,) = _FRAME.unpack(_read_exact(fd, _FRAME.size, deadline, side))
    return header, _read_exact(fd, size, deadline, side)
