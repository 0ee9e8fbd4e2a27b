"""`context.instance` under the Weir host: a DagsterInstance whose history lives in the host's storage.

User code never opens that storage (code servers hold no database credentials). Each method here is a
call `transport(method, arguments) -> result` with JSON-shaped arguments and result, which the code
server injects: it forwards the call, stamped with the run or evaluation it comes from, to the host,
which answers from its storage (docs/design.md, "The instance facade"). The answers become the same
objects a local DagsterInstance returns (EventLogEntry with an AssetKey, DagsterRun, RunRecord, ...).

Reads of events, materializations, asset keys and runs, and dynamic partitions (read and write) are
served; the other writes (deleting runs, wiping assets, reporting events) are refused with an error
naming the way to do it under the host.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sdk.errors import DagsterInvariantViolationError
from sdk.event_log import DagsterEventType, EventLogEntry
from sdk.event_records import EventLogRecord, EventRecordsFilter, _cursor_id, engine_type_of
from sdk.events import Event
from sdk.instance import DagsterInstance
from sdk.keys import AssetKey
from sdk.run_records import DagsterRun, DagsterRunStatus, RunRecord, RunsFilter, utc

Transport = Callable[[str, Mapping[str, Any]], Any]
EventDecoder = Callable[[bytes], Event]
PARTITION_TAG = "dagster/partition"
MAX_RUNS = 100_000  # get_runs() without a limit reads at most this many


class HostInstanceError(DagsterInvariantViolationError):
    """The host refused or could not answer an instance call (the message says which and why)."""


class HostInstance(DagsterInstance):
    """The host's runs, events, asset history and dynamic partitions, read through the code server.

    Args:
        transport: sends one call to the host and returns its JSON result; raises HostInstanceError.
        decode_event: turns a stored event (the host's wire bytes) into the sdk's Event.
        where: what is asking ("run 3f2a...", "sensor 'new_files'"), for error messages.
    """

    def __init__(self, transport: Transport, decode_event: EventDecoder, where: str) -> None:
        super().__init__()
        self._transport = transport
        self._decode_event = decode_event
        self._where = where

    @property
    def is_ephemeral(self) -> bool:
        return False

    # -- assets ---------------------------------------------------------------------------------
    def report_runless_asset_event(self, asset_event: Any) -> None:
        raise self._refused(
            "report_runless_asset_event",
            "yield the AssetMaterialization or AssetObservation from an asset or op instead (or report it "
            "with `weir` against the host)",
        )

    def wipe_assets(self, asset_keys: Sequence[Any]) -> None:
        raise self._refused("wipe_assets", "wipe an asset's history with `weir assets wipe KEY` against the host")

    # -- runs -----------------------------------------------------------------------------------
    def get_run_record_by_id(self, run_id: str) -> RunRecord | None:
        found = self._call("run", {"run_id": str(run_id)})["run"]
        return _run_record(found) if found is not None else None

    def delete_run(self, run_id: str) -> None:
        raise self._refused("delete_run", "delete runs with `weir runs delete RUN_ID` against the host")

    def all_logs(self, run_id: str, of_type: Any = None) -> list[EventLogEntry]:
        """A run's stored events in order (`of_type` keeps given event types); log lines are not served."""
        wanted = None if of_type is None else [of_type] if isinstance(of_type, DagsterEventType) else list(of_type)
        arguments: dict[str, Any] = {"run_id": str(run_id)}
        if wanted is not None:
            arguments["event_types"] = [engine_type_of(t) for t in wanted]
        return [record.event_log_entry for record in self._paged("run_events", arguments, None, ascending=True)]

    # -- dynamic partitions ---------------------------------------------------------------------
    def add_dynamic_partitions(self, partitions_def_name: str, partition_keys: Sequence[str]) -> None:
        """Add keys to a DynamicPartitionsDefinition in the host's storage; existing keys stay as they are."""
        if isinstance(partition_keys, str):
            raise TypeError(f"add_dynamic_partitions() takes a list of keys, got the string {partition_keys!r}.")
        keys = [str(k) for k in partition_keys]
        self._call("add_dynamic_partitions", {"name": str(partitions_def_name), "keys": keys})

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        self._call("delete_dynamic_partition", {"name": str(partitions_def_name), "key": str(partition_key)})

    def get_dynamic_partitions(self, partitions_def_name: str) -> list[str]:
        return list(self._call("dynamic_partitions", {"name": str(partitions_def_name)})["keys"])

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        return str(partition_key) in self.get_dynamic_partitions(partitions_def_name)

    # -- what in-process execution calls (never under the host: the run worker journals events) ----
    def _record_run(self, run: DagsterRun) -> None:
        raise self._refused("_record_run", "pass a local DagsterInstance to materialize()/execute_in_process()")

    def _record_event(self, run_id: str, job_name: str, event: Event) -> None:
        raise self._refused("_record_event", "pass a local DagsterInstance to materialize()/execute_in_process()")

    # -- queries --------------------------------------------------------------------------------
    def _asset_keys(self) -> list[AssetKey]:
        return sorted(AssetKey(tuple(path)) for path in self._call("asset_keys", {})["keys"])

    def _run_records(self, filters: RunsFilter | None) -> list[RunRecord]:
        """The runs the host finds for filters (by job, statuses, single-valued tags and creation time;
        the caller applies the rest), oldest first, read page by page."""
        arguments, found = _runs_arguments(filters), []
        while True:
            page = self._call("runs", arguments)
            found.extend(page["runs"])
            if not page.get("cursor") or len(found) >= MAX_RUNS:
                break
            arguments["cursor"] = page["cursor"]
        return [_run_record(r) for r in reversed(found)]

    def _records(self, flt: EventRecordsFilter, limit: int | None, ascending: bool = False) -> list[EventLogRecord]:
        arguments = {
            "event_type": engine_type_of(flt.event_type),
            "asset_key": list(flt.asset_key.path) if flt.asset_key is not None else None,
            "partitions": [str(p) for p in flt.asset_partitions] if flt.asset_partitions is not None else None,
            "after_id": _cursor_id(flt.after_cursor),
            "before_id": _cursor_id(flt.before_cursor),
            "after_timestamp": flt.after_timestamp,
            "before_timestamp": flt.before_timestamp,
            "storage_ids": [int(i) for i in flt.storage_ids] if flt.storage_ids is not None else None,
            "limit": limit,
            "ascending": bool(ascending),
        }
        return self._paged("event_records", arguments, limit, ascending)

    def _paged(
        self, method: str, arguments: dict[str, Any], limit: int | None, ascending: bool
    ) -> list[EventLogRecord]:
        """Every record the call finds up to limit: an answer holds what fits in one message, and says
        when there is more after its last record."""
        records: list[EventLogRecord] = []
        while True:
            page = self._call(method, arguments)
            records.extend(self._record(r) for r in page["records"])
            if not page.get("more") or not page["records"] or (limit is not None and len(records) >= limit):
                return records[:limit] if limit is not None else records
            last = records[-1].storage_id
            arguments = {**arguments, **({"after_id": last} if ascending else {"before_id": last})}
            if limit is not None:
                arguments["limit"] = limit - len(records)

    def _record(self, found: Mapping[str, Any]) -> EventLogRecord:
        event = self._decode_event(base64.b64decode(found["event"]))
        entry = EventLogEntry.from_event(event, found["run_id"], found.get("job_name") or None)
        return EventLogRecord(int(found["storage_id"]), entry)

    def _call(self, method: str, arguments: Mapping[str, Any]) -> Any:
        return self._transport(method, arguments)

    def _refused(self, method: str, instead: str) -> HostInstanceError:
        return HostInstanceError(
            f"DagsterInstance.{method} is not served to {self._where}: under the Weir host the instance's "
            f"history lives in the host's storage, which user code reads but does not change (dynamic "
            f"partitions excepted); {instead}."
        )

    def __repr__(self) -> str:
        return f"<DagsterInstance of the Weir host, for {self._where}>"


def _runs_arguments(filters: RunsFilter | None) -> dict[str, Any]:
    if filters is None:
        return {}
    single_tags = {k: v for k, v in (filters.tags or {}).items() if isinstance(v, str)}
    return {
        "job_name": filters.job_name,
        "statuses": [DagsterRunStatus(s).value for s in filters.statuses] if filters.statuses is not None else None,
        "tags": single_tags or None,
        "run_ids": list(filters.run_ids) if filters.run_ids is not None else None,
        "created_after": _timestamp(filters.created_after),
        "created_before": _timestamp(filters.created_before),
    }


def _timestamp(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


def _run_record(found: Mapping[str, Any]) -> RunRecord:
    tags = dict(found.get("tags") or {})
    if found.get("partition_key") and PARTITION_TAG not in tags:
        tags[PARTITION_TAG] = found["partition_key"]
    selection = found.get("asset_selection") or None
    run = DagsterRun(
        job_name=found["job_name"],
        run_id=found["run_id"],
        status=DagsterRunStatus(found["status"]),
        tags=tags,
        run_config=found.get("run_config") or {},
        asset_selection=frozenset(AssetKey(tuple(p)) for p in selection) if selection else None,
        parent_run_id=found.get("parent_run_id") or None,
        root_run_id=found.get("root_run_id") or None,
    )
    created = float(found["created_at"])
    updated = max([created, *(float(found[k]) for k in ("started_at", "ended_at") if found.get(k))])
    return RunRecord(
        storage_id=int(found.get("storage_id") or 0),
        dagster_run=run,
        create_timestamp=utc(created),
        update_timestamp=utc(updated),
        start_time=found.get("started_at"),
        end_time=found.get("ended_at"),
    )
