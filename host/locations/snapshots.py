"""Snapshots by id, in memory and on disk, so that an unchanged location is never transferred twice,
not even to a host that restarted (rule 4). A snapshot's id is the SHA-256 of its
bytes, so what is read back from disk is checked against its name before it is trusted."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from protos.weir.v1 import snapshot_pb2


class SnapshotCache:
    def __init__(self, directory: Path | None = None) -> None:
        self._memory: dict[str, snapshot_pb2.Snapshot] = {}
        self._directory = directory

    def get(self, snapshot_id: str) -> snapshot_pb2.Snapshot | None:
        snapshot = self._memory.get(snapshot_id)
        if snapshot is None and self._directory is not None:
            snapshot = self._read(snapshot_id)
            if snapshot is not None:
                self._memory[snapshot_id] = snapshot
        return snapshot

    def __setitem__(self, snapshot_id: str, snapshot: snapshot_pb2.Snapshot) -> None:
        self._memory[snapshot_id] = snapshot
        if self._directory is None:
            return
        data = snapshot.SerializeToString(deterministic=True)
        if hashlib.sha256(data).hexdigest() != snapshot_id:
            return  # serialized differently here than by the code server: keep it in memory only
        self._directory.mkdir(parents=True, exist_ok=True)
        tmp = self._path(snapshot_id).with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self._path(snapshot_id))

    def __contains__(self, snapshot_id: object) -> bool:
        return snapshot_id in self._memory

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._memory))

    def retain(self, snapshot_ids: set[str]) -> None:
        """Forget every snapshot no location serves any more (a reloaded location's old ones)."""
        for stale in [i for i in self._memory if i not in snapshot_ids]:
            self._memory.pop(stale, None)
        if self._directory is not None and self._directory.is_dir():
            for path in self._directory.glob("*.snapshot"):
                if path.stem not in snapshot_ids:
                    path.unlink(missing_ok=True)

    def _path(self, snapshot_id: str) -> Path:
        assert self._directory is not None
        return self._directory / f"{snapshot_id}.snapshot"

    def _read(self, snapshot_id: str) -> snapshot_pb2.Snapshot | None:
        try:
            data = self._path(snapshot_id).read_bytes()
        except (FileNotFoundError, ValueError):
            return None
        if hashlib.sha256(data).hexdigest() != snapshot_id:
            return None  # a damaged file: fetch it again
        return snapshot_pb2.Snapshot.FromString(data)
