"""The run launcher interface: where a claimed run's worker starts, and how the host reaches it.

A launcher only decides where a run executes (rule 10): beside the location's code server (the
default) or in a container of its own (docker). Either way the worker journals its events and the
host collects them through the CodeServer API's run methods, so the claim, the collection and the
status changes are the same code for every launcher. The implementations live in host/daemon/launchers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from host.errors import WeirError
from host.storage.records import RunRecord
from protos.weir.v1 import codeserver_pb2


class RunWorkerGone(WeirError):
    """The run's worker is gone for good (its container exited or was removed): the run cannot go on,
    and waiting for it to answer again is pointless. The message says how it ended."""


class RunLauncher(Protocol):
    """Starts run workers and reaches them; every method is safe to repeat for the same run."""

    name: str

    def launch(self, run: RunRecord) -> None:
        """Start the run's worker; a run that already has one keeps it (rule 10). Raises WeirError
        when it cannot start (the run is then failed with the message)."""
        ...

    def watch(self, run: RunRecord, after_sequence: int) -> Iterator[codeserver_pb2.RunEventBatch]:
        """The run's events after `after_sequence`, and its worker's state, as the CodeServer API's
        WatchRunEvents gives them (a worker never launched reads as WORKER_NOT_FOUND). Raises
        WeirError when the worker cannot be reached now, RunWorkerGone when it never will be."""
        ...

    def cancel(self, run: RunRecord, *, grace_seconds: float = 0.0, terminate: bool = False) -> bool:
        """Ask the worker to stop (SIGKILL after grace_seconds); terminate: the host declared the
        run finished. False if the run never had a worker."""
        ...

    def release(self, run_id: str) -> None:
        """The run is finished and its events are stored: free what its worker held (a container)."""
        ...

    def held(self) -> list[str]:
        """Run ids that still hold something release() frees (found again after a host restart)."""
        ...
