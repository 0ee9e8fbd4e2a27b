"""The code a server currently serves: its snapshot, its last load error, and the user process
holding it. A failed reload keeps the last good snapshot serving (ARCHITECTURE rule 8)."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from codeserver.loader import LoadTarget
from codeserver.userprocess import UserProcess, UserProcessError
from protos.weir.v1 import common_pb2


@dataclass(frozen=True)
class LoadedCode:
    snapshot_id: str
    snapshot: bytes


class LocationCode:
    """Loads the location's code in a user process and keeps the latest good result."""

    def __init__(self, target: LoadTarget, location_name: str, python: str = sys.executable) -> None:
        self.target = target
        self.location_name = location_name
        self._python = python
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._loaded: LoadedCode | None = None
        self._process: UserProcess | None = None
        self.load_error: common_pb2.UserCodeError | None = None
        self.loading = False

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
            process = process or self.spawn()
            try:
                result = process.wait_loaded()
            except UserProcessError as exc:
                process.kill()
                self._fail(common_pb2.UserCodeError(
                    type="UserProcessError", message=f"the process importing the code died: {exc}"))
                return
            finally:
                self.loading = False
            if result.error:
                process.kill()
                self._fail(common_pb2.UserCodeError.FromString(result.error))
                return
            with self._lock:
                old, self._process = self._process, process
                self._loaded = LoadedCode(result.snapshot_id, result.snapshot)
                self.load_error = None
            if old is not None:
                old.kill()

    def _fail(self, error: common_pb2.UserCodeError) -> None:
        with self._lock:
            self.load_error = error

    def call(self, method: str, body: bytes, timeout: float) -> bytes:
        """A call into user code, in the user process (replaced if it dies or times out)."""
        with self._lock:
            process = self._process
        if process is None:
            raise UserProcessError(f"location {self.location_name!r} has no loaded code")
        try:
            return process.call(method, body, timeout)
        except UserProcessError:
            threading.Thread(target=self.load, daemon=True).start()
            raise

    def close(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.kill()
