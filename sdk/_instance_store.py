"""The storage behind a local DagsterInstance: runs, events and dynamic partitions in memory, and
optionally a journal file that makes them last and lets several processes share them.

Each change is one operation. In memory it is applied at once; with a journal it is appended as a
JSON line (under an exclusive file lock) and every process applies the journal's lines in file order,
so storage ids agree everywhere and a reader sees what another process wrote once it reads again.
This is a store for tests and scripts: the Weir host keeps its own storage, which user code never opens.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sdk.event_log import RUN_END_TYPES
from sdk.events import ErrorInfo, Event
from sdk.metadata import MetadataValue
from sdk.run_records import DagsterRun, DagsterRunStatus, RunRecord, utc

try:
    import fcntl
except ImportError:  # not POSIX: one process per journal
    fcntl = None  # type: ignore[assignment]

_STATUS_AT = {
    "RUN_START": DagsterRunStatus.STARTED,
    "RUN_SUCCESS": DagsterRunStatus.SUCCESS,
    "RUN_FAILURE": DagsterRunStatus.FAILURE,
    "RUN_CANCELED": DagsterRunStatus.CANCELED,
}


@dataclass(frozen=True)
class StoredEvent:
    storage_id: int
    run_id: str
    job_name: str | None
    event: Event


class InstanceStore:
    """What one instance holds. Thread-safe; reads see other processes' writes to the same journal."""

    def __init__(self, journal: str | None = None) -> None:
        self.journal = journal
        self._lock = threading.RLock()
        self._offset = 0
        self._runs: dict[str, RunRecord] = {}
        self._events: list[StoredEvent] = []
        self._by_type: dict[str, list[StoredEvent]] = {}
        self._partitions: dict[str, list[str]] = {}
        self._next_event_id = 1
        self._next_run_id = 1
        if journal is not None:
            self._catch_up()

    # -- writes ---------------------------------------------------------------------------------
    def add_run(self, run: DagsterRun) -> None:
        self._write({"op": "run", "run": run, "at": time.time()})

    def add_event(self, run_id: str, job_name: str | None, event: Event) -> None:
        self._write({"op": "event", "run_id": run_id, "job_name": job_name, "event": event})

    def add_partitions(self, name: str, keys: list[str]) -> None:
        self._write({"op": "partitions_add", "name": name, "keys": keys})

    def delete_partition(self, name: str, key: str) -> None:
        self._write({"op": "partition_delete", "name": name, "key": key})

    def delete_run(self, run_id: str) -> None:
        self._write({"op": "run_delete", "run_id": run_id})

    def wipe_assets(self, paths: list[tuple[str, ...]]) -> None:
        self._write({"op": "wipe", "paths": paths})

    # -- reads ----------------------------------------------------------------------------------
    def runs(self) -> list[RunRecord]:
        """Every run, oldest first."""
        with self._lock:
            self._catch_up()
            return list(self._runs.values())

    def run(self, run_id: str) -> RunRecord | None:
        with self._lock:
            self._catch_up()
            return self._runs.get(run_id)

    def events(self, types: tuple[str, ...] | None = None) -> list[StoredEvent]:
        """Stored events in storage-id order, all or of the given engine types."""
        with self._lock:
            self._catch_up()
            if types is None:
                return list(self._events)
            chosen = [e for t in types for e in self._by_type.get(t, ())]
            return sorted(chosen, key=lambda e: e.storage_id) if len(types) > 1 else chosen

    def partitions(self, name: str) -> list[str]:
        with self._lock:
            self._catch_up()
            return list(self._partitions.get(name, ()))

    # -- applying operations --------------------------------------------------------------------
    def _write(self, op: dict[str, Any]) -> None:
        with self._lock:
            if self.journal is None:
                self._apply(op)
                return
            line = (json.dumps(_encode(op), default=str, separators=(",", ":")) + "\n").encode()
            with open(self.journal, "ab") as handle:
                if fcntl is not None:
                    fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    handle.write(line)
                finally:
                    handle.flush()
                    if fcntl is not None:
                        fcntl.flock(handle, fcntl.LOCK_UN)
            self._catch_up()

    def _catch_up(self) -> None:
        """Apply the journal's lines written since the last read (complete lines only)."""
        if self.journal is None:
            return
        try:
            with open(self.journal, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1
        for line in data[:end].splitlines():
            if line.strip():
                self._apply(_decode(json.loads(line)))
        self._offset += end

    def _apply(self, op: dict[str, Any]) -> None:
        kind = op["op"]
        if kind == "event":
            self._apply_event(op["run_id"], op["job_name"], op["event"])
        elif kind == "run":
            self._apply_run(op["run"], op["at"])
        elif kind == "partitions_add":
            keys = self._partitions.setdefault(op["name"], [])
            keys.extend(k for k in dict.fromkeys(op["keys"]) if k not in keys)
        elif kind == "partition_delete":
            keys = self._partitions.get(op["name"], [])
            if op["key"] in keys:
                keys.remove(op["key"])
        elif kind == "run_delete":
            self._runs.pop(op["run_id"], None)
            self._keep_events(lambda e: e.run_id != op["run_id"])
        elif kind == "wipe":
            paths = {tuple(p) for p in op["paths"]}
            self._keep_events(lambda e: e.event.asset_key is None or tuple(e.event.asset_key) not in paths)

    def _apply_run(self, run: DagsterRun, at: float) -> None:
        old = self._runs.get(run.run_id)
        if old is not None:
            self._runs[run.run_id] = dataclasses.replace(old, dagster_run=run, update_timestamp=utc(at))
            return
        self._runs[run.run_id] = RunRecord(self._next_run_id, run, utc(at), utc(at))
        self._next_run_id += 1

    def _apply_event(self, run_id: str, job_name: str | None, event: Event) -> None:
        stored = StoredEvent(self._next_event_id, run_id, job_name, event)
        self._next_event_id += 1
        self._events.append(stored)
        self._by_type.setdefault(event.type, []).append(stored)
        status = _STATUS_AT.get(event.type)
        record = self._runs.get(run_id)
        if status is None or record is None:
            return
        self._runs[run_id] = dataclasses.replace(
            record,
            dagster_run=record.dagster_run.with_status(status),
            update_timestamp=utc(event.timestamp),
            start_time=event.timestamp if event.type == "RUN_START" else record.start_time,
            end_time=event.timestamp if event.type in RUN_END_TYPES else record.end_time,
        )

    def _keep_events(self, keep: Any) -> None:
        self._events = [e for e in self._events if keep(e)]
        self._by_type = {}
        for stored in self._events:
            self._by_type.setdefault(stored.event.type, []).append(stored)


# -- the journal's JSON form ------------------------------------------------------------------------
def _encode(op: dict[str, Any]) -> dict[str, Any]:
    out = dict(op)
    if "event" in op:
        out["event"] = _event_to_json(op["event"])
    if "run" in op:
        run: DagsterRun = op["run"]
        out["run"] = {
            **{f.name: getattr(run, f.name) for f in dataclasses.fields(run)},
            "status": run.status.value,
            "tags": dict(run.tags),
            "run_config": dict(run.run_config),
            "asset_selection": sorted(k.path for k in run.asset_selection) if run.asset_selection else None,
        }
    return out


def _decode(op: dict[str, Any]) -> dict[str, Any]:
    from sdk.keys import AssetKey

    out = dict(op)
    if "event" in op:
        out["event"] = _event_from_json(op["event"])
    if "run" in op:
        fields = dict(op["run"])
        fields["status"] = DagsterRunStatus(fields["status"])
        selection = fields.get("asset_selection")
        fields["asset_selection"] = frozenset(AssetKey(p) for p in selection) if selection else None
        out["run"] = DagsterRun(**fields)
    return out


def _error_to_json(error: ErrorInfo | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "type": error.type,
        "message": error.message,
        "traceback": error.traceback,
        "cause": _error_to_json(error.cause),
    }


def _error_from_json(data: dict[str, Any] | None) -> ErrorInfo | None:
    if data is None:
        return None
    return ErrorInfo(data["type"], data["message"], data["traceback"], _error_from_json(data["cause"]))


def _event_to_json(event: Event) -> dict[str, Any]:
    data = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    data["metadata"] = {k: [v.kind, v.value] for k, v in _typed(event.metadata)}
    data["error"] = _error_to_json(event.error)
    return data


def _event_from_json(data: dict[str, Any]) -> Event:
    fields = dict(data)
    fields["asset_key"] = tuple(data["asset_key"]) if data["asset_key"] is not None else None
    fields["metadata"] = {k: MetadataValue(kind, value) for k, (kind, value) in data["metadata"].items()}
    fields["error"] = _error_from_json(data["error"])
    return Event(**fields)


def _typed(metadata: dict[str, Any]) -> Iterator[tuple[str, MetadataValue]]:
    from sdk.metadata import to_metadata_value

    for key, value in metadata.items():
        yield key, to_metadata_value(value)
