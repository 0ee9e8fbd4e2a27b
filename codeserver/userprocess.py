"""The parent side of a user process: a child of the code server that imports the location's code and
answers calls into it (the snapshot, schedule and sensor evaluations, partition keys).

The control plane never imports user code; it talks to user processes over a private channel
(codeserver/channel.py), each call with a deadline, and kills and replaces a process that overruns
it. The child side is codeserver/userprocess_child.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from codeserver.channel import UserProcessError, UserProcessTimeout, read_frame, write_frame
from codeserver.output import OutputPipe, OutputTail, output_pipe
from codeserver.target import LoadTarget

__all__ = ["LoadResult", "UserProcess", "UserProcessError", "UserProcessTimeout"]


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
        requests_in, requests_out = os.pipe()
        replies_in, replies_out = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [
                    python,
                    "-m",
                    "codeserver.userprocess_child",
                    "--channel",
                    f"{requests_in},{replies_out}",
                    "--location-name",
                    location_name,
                    *target.to_args(),
                ],
                stdin=subprocess.DEVNULL,
                pass_fds=(requests_in, replies_out),
                start_new_session=True,
            )
        except BaseException:
            for fd in (requests_out, replies_in):
                os.close(fd)
            raise
        finally:
            for fd in (requests_in, replies_out):  # the child's ends: only the child holds them
                os.close(fd)
        os.set_blocking(requests_out, False)  # a child that stops reading must not stall a call's deadline
        self._requests, self._replies = requests_out, replies_in
        self._lock = threading.RLock()  # one call at a time; kill() closes the channel under it
        self._closed = False

    @property
    def pid(self) -> int:
        return self._proc.pid

    def wait_loaded(self, timeout: float | None = None) -> LoadResult:
        """Block until the code is imported (or failed to import); UserProcessTimeout past timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if self._closed:
                raise UserProcessError("the user process was stopped")
            header, body = read_frame(self._replies, deadline)
        if header.get("ok"):
            return LoadResult(str(header.get("snapshot_id", "")), body, b"")
        return LoadResult("", b"", body)

    def call(
        self,
        method: str,
        body: bytes,
        timeout: float,
        output: OutputTail | None = None,
        instance: Mapping[str, str] | None = None,
    ) -> bytes:
        """One call into user code; raises UserProcessTimeout (and kills the process) past timeout.

        With `output`, what the call writes to stdout and stderr is fed to it (codeserver/output.py),
        also when the call times out or the process dies; without, it goes to the code server's log.
        With `instance`, the call's context.instance reaches the host through the code server at that
        endpoint, as that evaluation (codeserver/instance.py)."""
        with contextlib.ExitStack() as stack:
            pipe = None
            if output is not None:
                try:
                    pipe = stack.enter_context(output_pipe(output))
                except OSError as exc:  # no FIFO (a read-only temp dir): evaluate all the same, and say why
                    output.feed(f"[Weir could not capture this evaluation's output: {exc}]\n".encode())
            return self._call(method, body, timeout, pipe, instance)

    def _call(
        self, method: str, body: bytes, timeout: float, pipe: OutputPipe | None, instance: Mapping[str, str] | None
    ) -> bytes:
        deadline = time.monotonic() + timeout
        header: dict[str, Any] = {"method": method}
        if pipe is not None:
            header["output"] = pipe.path
        if instance:
            header["instance"] = dict(instance)
        with self._lock:
            try:
                if self._closed:
                    raise UserProcessError("the user process was stopped")
                write_frame(self._requests, header, body, deadline)
                header, reply = read_frame(self._replies, deadline, pipe)
            except (UserProcessError, OSError) as exc:
                self.kill()
                raise exc if isinstance(exc, UserProcessError) else UserProcessError(str(exc)) from exc
        if not header.get("ok"):
            raise UserProcessError(str(header.get("error", "the user process failed")))
        return reply

    def alive(self) -> bool:
        return self._proc.poll() is None

    def kill(self) -> None:
        """Kill the process and anything it started in its session, then close the channel.

        The channel is closed under the call lock, once: a reader in another thread sees the child's
        end close first and returns, so a descriptor is never closed (and reused) under its feet."""
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self._requests)
                os.close(self._replies)
