"""The code a server currently serves: its snapshot, its last load error, and a warm pool of user
processes holding it. A failed reload keeps the last good snapshot serving (rule 8).

Calls into user code borrow an idle process from the pool; a process that overruns its deadline or
dies is killed and replaced in the background, so one stuck sensor never blocks the others.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from codeserver.output import OutputTail
from codeserver.target import LoadTarget
from codeserver.userprocess import UserProcess, UserProcessError, UserProcessTimeout
from protos.weir.v1 import common_pb2

DEFAULT_POOL_SIZE = 2
# Long enough for heavy imports (pandas, a warehouse client, a dbt manifest); short enough that an
# import stuck on a network call shows as an error rather than a location loading forever.
DEFAULT_IMPORT_TIMEOUT = 180.0


@dataclass(frozen=True)
class LoadedCode:
    snapshot_id: str
    snapshot: bytes


class LocationCode:
    """Loads the location's code in user processes and keeps the latest good result."""

    def __init__(
        self,
        target: LoadTarget,
        location_name: str,
        python: str = sys.executable,
        pool_size: int = DEFAULT_POOL_SIZE,
        import_timeout: float = DEFAULT_IMPORT_TIMEOUT,
    ) -> None:
        self.target = target
        self.location_name = location_name
        self._python = python
        self._pool_size = max(1, pool_size)
        self._import_timeout = import_timeout
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._loaded: LoadedCode | None = None
        self._idle: queue.Queue[UserProcess] = queue.Queue()
        self._generation = 0  # bumped on every successful load; older processes are retired
        self._members: dict[int, tuple[int, UserProcess]] = {}  # pid -> (generation, process)
        self.load_error: common_pb2.UserCodeError | None = None
        self.loading = True  # until the first load has finished
        self._closed = False

    @property
    def loaded(self) -> LoadedCode | None:
        return self._loaded

    def spawn(self) -> UserProcess:
        """Start importing the code now; `load(process)` collects the result."""
        return UserProcess(self.target, self.location_name, self._python)

    def load(self, process: UserProcess | None = None) -> None:
        """(Re)load the code. On failure the previous snapshot keeps serving and load_error is set."""
        with self._reload_lock:
            self.loading = True
            try:
                process = process or self.spawn()
                error, loaded = self._wait(process)
            finally:
                self.loading = False
            if error is not None:
                with self._lock:
                    self.load_error = error
                return
            assert loaded is not None
            with self._lock:
                self._generation += 1
                self._loaded, self.load_error = loaded, None
                self._retire_idle()
                self._add(process)
            for _ in range(self._pool_size - 1):
                threading.Thread(target=self._replenish, args=(self._generation,), daemon=True).start()

    def _wait(self, process: UserProcess) -> tuple[common_pb2.UserCodeError | None, LoadedCode | None]:
        try:
            result = process.wait_loaded(self._import_timeout)
        except UserProcessTimeout:
            process.kill()
            return self._import_timeout_error(), None
        except UserProcessError as exc:
            process.kill()
            return common_pb2.UserCodeError(
                type="UserProcessError", message=f"the process importing the code died: {exc}"
            ), None
        if result.error:
            process.kill()
            return common_pb2.UserCodeError.FromString(result.error), None
        return None, LoadedCode(result.snapshot_id, result.snapshot)

    def _import_timeout_error(self) -> common_pb2.UserCodeError:
        return common_pb2.UserCodeError(
            type="ImportTimeout",
            message=(
                f"location {self.location_name!r} did not finish importing its code within "
                f"{self._import_timeout:g} s; the importing process was killed. Find what the import waits "
                f"for (a network call, a lock, input), or raise the limit with the code server's "
                f"--import-timeout option or the WEIR_IMPORT_TIMEOUT environment variable"
            ),
        )

    def _add(self, process: UserProcess) -> None:
        self._members[process.pid] = (self._generation, process)
        self._idle.put(process)

    def _retire_idle(self) -> None:
        """Kill idle processes of an older generation; busy ones are killed when returned."""
        while True:
            try:
                old = self._idle.get_nowait()
            except queue.Empty:
                return
            self._members.pop(old.pid, None)
            old.kill()

    def _replenish(self, generation: int) -> None:
        process = self.spawn()
        error, _ = self._wait(process)
        with self._lock:
            if error is None and generation == self._generation and not self._closed:
                self._add(process)
                return
        process.kill()

    def call(
        self,
        method: str,
        body: bytes,
        timeout: float,
        output: OutputTail | None = None,
        instance: Mapping[str, str] | None = None,
    ) -> bytes:
        """A call into user code in a pooled process, with a deadline (and its output and instance
        endpoint, see UserProcess.call)."""
        deadline = time.monotonic() + timeout
        if self._loaded is None:
            raise UserProcessError(f"location {self.location_name!r} has no loaded code")
        try:
            process = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise UserProcessTimeout(f"no free process to evaluate in within {timeout:.1f} s") from None
        try:
            reply = process.call(method, body, max(0.001, deadline - time.monotonic()), output, instance)
        except UserProcessError:
            self._replace(process)
            raise
        self._return(process)
        return reply

    def _return(self, process: UserProcess) -> None:
        with self._lock:
            member = self._members.get(process.pid)
            current = member is not None and member[0] == self._generation and not self._closed
            if current:
                self._idle.put(process)
                return
            self._members.pop(process.pid, None)
        process.kill()

    def _replace(self, process: UserProcess) -> None:
        process.kill()
        with self._lock:
            self._members.pop(process.pid, None)
            generation = self._generation
        threading.Thread(target=self._replenish, args=(generation,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            members, self._members = list(self._members.values()), {}
        for _, process in members:
            process.kill()
