"""DagsterInstance for tests and scripts: the runs, events, asset history and dynamic partitions that
in-process execution records, with Dagster's query methods.

`DagsterInstance.ephemeral()` keeps everything in memory; `instance_for_test()` and
`DagsterInstance.get()` with `DAGSTER_HOME` set keep a journal file in that directory, so several
instances (and processes) on one directory share their history. Runs launched by the Weir host
record into the host's storage instead, which user code never opens: there `context.instance` is the
host's, served through the code server (sdk/host_instance.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sdk._instance_store import InstanceStore, StoredEvent
from sdk.errors import DagsterInvariantViolationError
from sdk.event_log import DagsterEventType, EventLogEntry
from sdk.event_records import (
    AssetEntry,
    AssetRecord,
    AssetRecordsFilter,
    EventLogRecord,
    EventRecordsFilter,
    EventRecordsResult,
    engine_type_of,
    matches,
)
from sdk.events import Event
from sdk.keys import AssetKey, to_asset_key
from sdk.run_records import DagsterRun, RunRecord, RunsFilter

JOURNAL_NAME = "weir-instance.jsonl"

# The instance of the run or evaluation now executing in this context (DagsterInstance.get()).
_current: contextvars.ContextVar[Any] = contextvars.ContextVar("weir_current_instance", default=None)
_by_home: dict[str, DagsterInstance] = {}


class DagsterInstance:
    """Runs, events and dynamic partitions, queried with Dagster's instance methods."""

    def __init__(self, store: InstanceStore | None = None, root_dir: str | None = None) -> None:
        self._store = store or InstanceStore()
        self.root_directory = root_dir

    # -- getting one ----------------------------------------------------------------------------
    @staticmethod
    def ephemeral(tempdir: str | None = None, preload: Any = None, settings: dict | None = None) -> DagsterInstance:
        """An instance in memory, for tests: nothing outlives it."""
        return DagsterInstance(InstanceStore(), tempdir)

    @staticmethod
    def local_temp(tempdir: str | None = None, overrides: Mapping[str, Any] | None = None) -> DagsterInstance:
        """An instance that keeps its history in a directory (a new temporary one by default)."""
        return DagsterInstance._at(tempdir or tempfile.mkdtemp(prefix="weir-instance-"))

    @staticmethod
    def get() -> DagsterInstance:
        """The instance of the run or evaluation executing now; outside one, the local instance in
        $DAGSTER_HOME; else an error saying how to get an instance."""
        current = _current.get()
        if current is not None:
            return current
        home = os.environ.get("DAGSTER_HOME")
        if not home:
            raise DagsterInvariantViolationError(
                "DagsterInstance.get() found no instance: no run is executing here and $DAGSTER_HOME is not "
                "set. In tests use `with dg.instance_for_test() as instance:` or dg.DagsterInstance.ephemeral() "
                "and pass instance= to materialize()/execute_in_process(); for a local instance that lasts, "
                "set DAGSTER_HOME to an existing directory."
            )
        if not os.path.isabs(home) or not os.path.isdir(home):
            raise DagsterInvariantViolationError(
                f'$DAGSTER_HOME "{home}" must be an absolute path to an existing directory; create it or fix the '
                "variable."
            )
        return DagsterInstance._at(home)

    @staticmethod
    def _at(directory: str) -> DagsterInstance:
        key = os.path.realpath(directory)
        instance = _by_home.get(key)
        if instance is None:
            os.makedirs(key, exist_ok=True)
            instance = _by_home[key] = DagsterInstance(InstanceStore(os.path.join(key, JOURNAL_NAME)), key)
        return instance

    def __enter__(self) -> DagsterInstance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()

    def dispose(self) -> None:
        """Nothing to release: the store opens its journal only while reading or writing."""

    @property
    def is_ephemeral(self) -> bool:
        return self._store.journal is None

    def storage_directory(self) -> str:
        """Where the default filesystem IO manager of execute_job() keeps outputs: `storage` in the
        instance's directory (an ephemeral instance without one gets a temporary directory)."""
        if self.root_directory is None:
            self.root_directory = tempfile.mkdtemp(prefix="weir-instance-")
        return os.path.join(self.root_directory, "storage")

    # -- assets ---------------------------------------------------------------------------------
    def get_latest_materialization_event(self, asset_key: Any) -> EventLogEntry | None:
        """The newest materialization of an asset (any partition), or None."""
        records = self._records(EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION, to_asset_key(asset_key)), 1)
        return records[0].event_log_entry if records else None

    def get_latest_materialization_events(self, asset_keys: Iterable[Any]) -> dict[AssetKey, EventLogEntry | None]:
        return {to_asset_key(k): self.get_latest_materialization_event(k) for k in asset_keys}

    def fetch_materializations(
        self, records_filter: Any, limit: int, cursor: str | None = None, ascending: bool = False
    ) -> EventRecordsResult:
        """A page of an asset's materializations, newest first unless ascending; pass the result's
        cursor to get the next page."""
        return self._fetch(DagsterEventType.ASSET_MATERIALIZATION, records_filter, limit, cursor, ascending)

    def fetch_observations(
        self, records_filter: Any, limit: int, cursor: str | None = None, ascending: bool = False
    ) -> EventRecordsResult:
        return self._fetch(DagsterEventType.ASSET_OBSERVATION, records_filter, limit, cursor, ascending)

    def fetch_run_status_changes(
        self, records_filter: Any, limit: int, cursor: str | None = None, ascending: bool = False
    ) -> EventRecordsResult:
        """A page of run start/success/failure/cancel events of one type (a RunStatusChangeRecordsFilter,
        or just the DagsterEventType)."""
        from sdk.event_records import RunStatusChangeRecordsFilter

        if isinstance(records_filter, RunStatusChangeRecordsFilter):
            flt = records_filter.to_event_records_filter()
            jobs = set(records_filter.job_names or ())
            return self._fetch(flt.event_type, flt, limit, cursor, ascending, lambda r: not jobs or r.job_name in jobs)
        event_type = getattr(records_filter, "event_type", records_filter)
        return self._fetch(event_type, EventRecordsFilter(event_type), limit, cursor, ascending)

    def get_event_records(
        self, event_records_filter: EventRecordsFilter, limit: int | None = None, ascending: bool = False
    ) -> list[EventLogRecord]:
        """Stored events matching a filter, newest first unless ascending."""
        if not isinstance(event_records_filter, EventRecordsFilter):
            raise TypeError(
                f"get_event_records() takes an EventRecordsFilter, got {type(event_records_filter).__name__}; "
                "for example EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION, asset_key=key)."
            )
        return self._records(event_records_filter, limit, ascending)

    def get_asset_keys(
        self, prefix: Sequence[str] | None = None, limit: int | None = None, cursor: str | None = None
    ) -> list[AssetKey]:
        """Keys of the assets with materializations or observations, sorted; paged by key string."""
        keys = self._asset_keys()
        if prefix:
            keys = [k for k in keys if k.path[: len(prefix)] == tuple(prefix)]
        if cursor is not None:
            keys = [k for k in keys if k.to_user_string() > cursor]
        return keys[:limit] if limit is not None else keys

    def has_asset_key(self, asset_key: Any) -> bool:
        return to_asset_key(asset_key) in self._asset_keys()

    def get_asset_records(self, asset_keys: Sequence[Any] | None = None) -> list[AssetRecord]:
        """One record per asset with history: its latest materialization and observation."""
        wanted = [to_asset_key(k) for k in asset_keys] if asset_keys is not None else self.get_asset_keys()
        records = []
        for key in wanted:
            mats = self._records(EventRecordsFilter(DagsterEventType.ASSET_MATERIALIZATION, key), 1)
            obs = self._records(EventRecordsFilter(DagsterEventType.ASSET_OBSERVATION, key), 1)
            if mats or obs:
                newest = max([*mats, *obs], key=lambda r: r.storage_id)
                records.append(
                    AssetRecord(newest.storage_id, AssetEntry(key, mats[0] if mats else None, obs[0] if obs else None))
                )
        return records

    def report_runless_asset_event(self, asset_event: Any) -> None:
        """Record a materialization, observation or check evaluation that no run produced."""
        self._store.add_event("", None, _runless_event(asset_event))

    def wipe_assets(self, asset_keys: Sequence[Any]) -> None:
        self._store.wipe_assets([to_asset_key(k).path for k in asset_keys])

    # -- runs -----------------------------------------------------------------------------------
    def get_run_by_id(self, run_id: str) -> DagsterRun | None:
        record = self.get_run_record_by_id(run_id)
        return record.dagster_run if record is not None else None

    def get_run_record_by_id(self, run_id: str) -> RunRecord | None:
        return self._store.run(run_id)

    def get_run_records(
        self,
        filters: RunsFilter | None = None,
        limit: int | None = None,
        order_by: str | None = None,
        ascending: bool = False,
        cursor: str | None = None,
        bucket_by: Any = None,
    ) -> list[RunRecord]:
        """Runs matching filters, newest first unless ascending; cursor: the run id to continue after."""
        records = [r for r in self._run_records(filters) if filters is None or filters.matches(r)]
        if order_by:
            records.sort(key=lambda r: getattr(r, order_by, None) or getattr(r.dagster_run, order_by, None) or 0)
        if not ascending:
            records.reverse()
        if cursor is not None:
            ids = [r.dagster_run.run_id for r in records]
            records = records[ids.index(cursor) + 1 :] if cursor in ids else []
        return records[:limit] if limit is not None else records

    def get_runs(
        self,
        filters: RunsFilter | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        bucket_by: Any = None,
        ascending: bool = False,
    ) -> list[DagsterRun]:
        records = self.get_run_records(filters, limit, ascending=ascending, cursor=cursor)
        return [r.dagster_run for r in records]

    def get_run_ids(
        self, filters: RunsFilter | None = None, cursor: str | None = None, limit: int | None = None
    ) -> list[str]:
        return [r.run_id for r in self.get_runs(filters, cursor, limit)]

    def get_runs_count(self, filters: RunsFilter | None = None) -> int:
        return len(self.get_run_records(filters))

    def has_run(self, run_id: str) -> bool:
        return self.get_run_record_by_id(run_id) is not None

    def delete_run(self, run_id: str) -> None:
        """Forget a run and its events."""
        self._store.delete_run(run_id)

    def all_logs(self, run_id: str, of_type: Any = None) -> list[EventLogEntry]:
        """A run's event log in order: DagsterEvents and log lines (`of_type` keeps given event types)."""
        wanted = None if of_type is None else {of_type} if isinstance(of_type, DagsterEventType) else set(of_type)
        entries = [_entry(s) for s in self._store.events() if s.run_id == run_id]
        return [e for e in entries if wanted is None or e.dagster_event_type in wanted]

    # -- dynamic partitions ---------------------------------------------------------------------
    def add_dynamic_partitions(self, partitions_def_name: str, partition_keys: Sequence[str]) -> None:
        """Add keys to a DynamicPartitionsDefinition; keys it already has are left as they are."""
        if isinstance(partition_keys, str):
            raise TypeError(f"add_dynamic_partitions() takes a list of keys, got the string {partition_keys!r}.")
        self._store.add_partitions(partitions_def_name, [str(k) for k in partition_keys])

    def delete_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> None:
        self._store.delete_partition(partitions_def_name, partition_key)

    def get_dynamic_partitions(self, partitions_def_name: str) -> list[str]:
        return self._store.partitions(partitions_def_name)

    def has_dynamic_partition(self, partitions_def_name: str, partition_key: str) -> bool:
        return partition_key in self._store.partitions(partitions_def_name)

    # -- what in-process execution calls --------------------------------------------------------
    def _record_run(self, run: DagsterRun) -> None:
        self._store.add_run(run)

    def _record_event(self, run_id: str, job_name: str, event: Event) -> None:
        self._store.add_event(run_id, job_name, event)

    # -- queries (what an instance over another store, sdk/host_instance.py, answers its own way) --
    def _asset_keys(self) -> list[AssetKey]:
        """Keys of the assets with materializations or observations, sorted."""
        stored = self._store.events(("ASSET_MATERIALIZATION", "ASSET_OBSERVATION"))
        return sorted({AssetKey(s.event.asset_key) for s in stored if s.event.asset_key})

    def _run_records(self, filters: RunsFilter | None) -> list[RunRecord]:
        """The runs, oldest first; `filters` may narrow them (the caller applies it again)."""
        return self._store.runs()

    def _records(self, flt: EventRecordsFilter, limit: int | None, ascending: bool = False) -> list[EventLogRecord]:
        stored = self._store.events((engine_type_of(flt.event_type),))
        chosen = [s for s in (stored if ascending else reversed(stored)) if matches(s.storage_id, s.event, flt)]
        return [EventLogRecord(s.storage_id, _entry(s)) for s in (chosen if limit is None else chosen[:limit])]

    def _fetch(
        self,
        event_type: DagsterEventType,
        records_filter: Any,
        limit: int,
        cursor: str | None,
        ascending: bool,
        keep: Any = None,
    ) -> EventRecordsResult:
        if isinstance(records_filter, AssetRecordsFilter):
            flt = records_filter.to_event_records_filter(event_type)
        elif isinstance(records_filter, EventRecordsFilter):
            flt = records_filter
        else:
            flt = EventRecordsFilter(event_type, asset_key=to_asset_key(records_filter))
        if cursor:
            position = int(cursor)
            flt = EventRecordsFilter(
                flt.event_type,
                flt.asset_key,
                flt.asset_partitions,
                after_cursor=position if ascending else flt.after_cursor,
                before_cursor=flt.before_cursor if ascending else position,
                after_timestamp=flt.after_timestamp,
                before_timestamp=flt.before_timestamp,
                storage_ids=flt.storage_ids,
            )
        if keep is None:
            records = self._records(flt, limit + 1, ascending)
        else:  # a condition the filter cannot express: apply it before paging
            records = [r for r in self._records(flt, None, ascending) if keep(r.event_log_entry)][: limit + 1]
        page = records[:limit]
        next_cursor = str(page[-1].storage_id) if page else (cursor or "")
        return EventRecordsResult(page, next_cursor, len(records) > limit)

    def __repr__(self) -> str:
        where = "in memory" if self.is_ephemeral else self.root_directory
        return f"<DagsterInstance {where}>"


def _entry(stored: StoredEvent) -> EventLogEntry:
    return EventLogEntry.from_event(stored.event, stored.run_id, stored.job_name)


def _runless_event(value: Any) -> Event:
    import time

    from sdk.checks import AssetCheckEvaluation
    from sdk.outputs import AssetMaterialization, AssetObservation

    if isinstance(value, (AssetMaterialization, AssetObservation)):
        kind = "ASSET_MATERIALIZATION" if isinstance(value, AssetMaterialization) else "ASSET_OBSERVATION"
        return Event(
            kind,
            time.time(),
            asset_key=value.asset_key.path,
            metadata=dict(value.metadata),
            partition_key=value.partition or "",
            message=value.description or "",
        )
    if isinstance(value, AssetCheckEvaluation):
        return Event(
            "ASSET_CHECK_EVALUATION",
            time.time(),
            asset_key=value.asset_key.path,
            check_name=value.check_name,
            check_passed=value.passed,
            check_severity=value.severity.value,
            metadata=dict(value.metadata),
            message=value.description or "",
        )
    raise TypeError(
        f"report_runless_asset_event() takes an AssetMaterialization, AssetObservation or AssetCheckEvaluation, "
        f"got {type(value).__name__}."
    )


@contextlib.contextmanager
def instance_for_test(
    overrides: Mapping[str, Any] | None = None, set_dagster_home: bool = True, temp_dir: str | None = None
) -> Iterator[DagsterInstance]:
    """A fresh instance in a temporary directory for the length of a `with` block; with
    set_dagster_home (the default) $DAGSTER_HOME points there meanwhile, so DagsterInstance.get()
    finds the same instance."""
    from sdk._unsupported import warn_unsupported

    warn_unsupported("instance_for_test()", overrides=overrides or None)
    directory = temp_dir or tempfile.mkdtemp(prefix="weir-instance-")
    previous = os.environ.get("DAGSTER_HOME")
    if set_dagster_home:
        os.environ["DAGSTER_HOME"] = directory
    instance = DagsterInstance._at(directory)
    try:
        yield instance
    finally:
        _by_home.pop(os.path.realpath(directory), None)
        if set_dagster_home:
            if previous is None:
                os.environ.pop("DAGSTER_HOME", None)
            else:
                os.environ["DAGSTER_HOME"] = previous
        if temp_dir is None:
            shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def current_instance(instance: Any) -> Iterator[None]:
    """Make `instance` what DagsterInstance.get() returns while a run or evaluation executes."""
    token = _current.set(instance)
    try:
        yield
    finally:
        _current.reset(token)


def missing_instance_error(kind: str) -> DagsterInvariantViolationError:
    """What `context.instance` of a schedule or sensor context built without an instance raises."""
    return DagsterInvariantViolationError(
        f"context.instance is not set in this {kind} context. In a test, build it with "
        f"build_{kind}_context(instance=dg.DagsterInstance.ephemeral()). A {kind} evaluated by the Weir host "
        "gets the host's instance, served through its code server."
    )
