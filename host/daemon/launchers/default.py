"""The default run launcher: each run's worker is a child process of its location's code server."""

from __future__ import annotations

from collections.abc import Iterator

from host.domain.runs import start_request
from host.locations.workspace import WorkspaceManager
from host.storage.records import RunRecord
from protos.weir.v1 import codeserver_pb2


class CodeServerLauncher:
    """StartRun, WatchRunEvents and CancelRun on the location's own code server."""

    name = "default"

    def __init__(self, workspace: WorkspaceManager) -> None:
        self._workspace = workspace

    def launch(self, run: RunRecord) -> None:
        self._workspace.get(run.location).client.start_run(start_request(run))

    def watch(self, run: RunRecord, after_sequence: int) -> Iterator[codeserver_pb2.RunEventBatch]:
        return self._workspace.get(run.location).client.watch_run_events(run.run_id, after_sequence)

    def cancel(self, run: RunRecord, *, grace_seconds: float = 0.0, terminate: bool = False) -> bool:
        client = self._workspace.get(run.location).client
        return client.cancel_run(run.run_id, grace_seconds=grace_seconds, terminate=terminate)

    def release(self, run_id: str) -> None:
        """The worker's directory stays with the code server (its journal is the run's record there)."""

    def held(self) -> list[str]:
        return []
