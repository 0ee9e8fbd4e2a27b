"""What instance queries return and take: EventLogRecord pages and the filters that choose them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sdk.event_log import DagsterEventType, EventLogEntry
from sdk.events import Event
from sdk.keys import AssetKey, to_asset_key


class EventLogRecord(NamedTuple):
    """A stored event log entry and its storage id (ids grow with time; cursors are ids)."""

    storage_id: int
    event_log_entry: EventLogEntry

    @property
    def run_id(self) -> str:
        return self.event_log_entry.run_id

    @property
    def timestamp(self) -> float:
        return self.event_log_entry.timestamp

    @property
    def asset_key(self) -> AssetKey | None:
        event = self.event_log_entry.dagster_event
        return event.asset_key if event is not None else None

    @property
    def partition_key(self) -> str | None:
        event = self.event_log_entry.dagster_event
        return event.partition if event is not None else None

    @property
    def asset_materialization(self) -> Any:
        return self.event_log_entry.asset_materialization

    @property
    def asset_observation(self) -> Any:
        return self.event_log_entry.asset_observation

    @property
    def asset_event(self) -> Any:
        return self.asset_materialization or self.asset_observation

    @property
    def event_type(self) -> DagsterEventType:
        return self.event_log_entry.get_dagster_event().event_type


class EventRecordsResult(NamedTuple):
    """A page of records, the cursor to pass for the next page, and whether there is one."""

    records: Sequence[EventLogRecord]
    cursor: str
    has_more: bool


def _cursor_id(value: Any) -> int | None:
    """Cursors are storage ids; an object with `.id` (a run-sharded cursor) gives its id."""
    if value is None:
        return None
    return int(getattr(value, "id", value))


@dataclass(frozen=True)
class EventRecordsFilter:
    """Which event records `instance.get_event_records` returns: one event type, optionally one
    asset (and some of its partitions), a storage id or time window, or given storage ids."""

    event_type: DagsterEventType
    asset_key: AssetKey | None = None
    asset_partitions: Sequence[str] | None = None
    after_cursor: Any = None
    before_cursor: Any = None
    after_timestamp: float | None = None
    before_timestamp: float | None = None
    storage_ids: Sequence[int] | None = None
    tags: Mapping[str, Any] | None = field(default=None)

    def __post_init__(self) -> None:
        if not isinstance(self.event_type, DagsterEventType):
            raise TypeError(
                f"EventRecordsFilter(event_type=...) needs a DagsterEventType, got {self.event_type!r}; "
                "for example DagsterEventType.ASSET_MATERIALIZATION."
            )
        if self.asset_key is not None:
            object.__setattr__(self, "asset_key", to_asset_key(self.asset_key))
        if self.asset_partitions is not None and self.asset_key is None:
            raise ValueError("EventRecordsFilter(asset_partitions=...) needs asset_key= too.")


@dataclass(frozen=True)
class AssetRecordsFilter:
    """Which records `instance.fetch_materializations` / `fetch_observations` return for one asset."""

    asset_key: AssetKey
    asset_partitions: Sequence[str] | None = None
    after_timestamp: float | None = None
    before_timestamp: float | None = None
    after_storage_id: int | None = None
    before_storage_id: int | None = None
    storage_ids: Sequence[int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asset_key", to_asset_key(self.asset_key))

    def to_event_records_filter(self, event_type: DagsterEventType) -> EventRecordsFilter:
        return EventRecordsFilter(
            event_type,
            asset_key=self.asset_key,
            asset_partitions=self.asset_partitions,
            after_cursor=self.after_storage_id,
            before_cursor=self.before_storage_id,
            after_timestamp=self.after_timestamp,
            before_timestamp=self.before_timestamp,
            storage_ids=self.storage_ids,
        )


@dataclass(frozen=True)
class RunStatusChangeRecordsFilter:
    """Which run status events `instance.fetch_run_status_changes` returns: one run event type
    (RUN_START, RUN_SUCCESS, RUN_FAILURE, RUN_CANCELED, ...), optionally a storage id or time window,
    given storage ids, or runs of some jobs."""

    event_type: DagsterEventType
    after_timestamp: float | None = None
    before_timestamp: float | None = None
    after_storage_id: int | None = None
    before_storage_id: int | None = None
    storage_ids: Sequence[int] | None = None
    job_names: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.event_type, DagsterEventType) or not self.event_type.name.startswith("RUN_"):
            raise TypeError(
                "RunStatusChangeRecordsFilter(event_type=...) needs a run status event type such as "
                f"DagsterEventType.RUN_SUCCESS, got {self.event_type!r}."
            )

    def to_event_records_filter(self) -> EventRecordsFilter:
        return EventRecordsFilter(
            self.event_type,
            after_cursor=self.after_storage_id,
            before_cursor=self.before_storage_id,
            after_timestamp=self.after_timestamp,
            before_timestamp=self.before_timestamp,
            storage_ids=self.storage_ids,
        )


def matches(record_id: int, event: Event, flt: EventRecordsFilter) -> bool:
    """Whether a stored event passes a filter (the event type is matched by the caller's index)."""
    after, before = _cursor_id(flt.after_cursor), _cursor_id(flt.before_cursor)
    if (after is not None and record_id <= after) or (before is not None and record_id >= before):
        return False
    if flt.storage_ids is not None and record_id not in flt.storage_ids:
        return False
    if flt.asset_key is not None and tuple(event.asset_key or ()) != flt.asset_key.path:
        return False
    if flt.asset_partitions is not None and event.partition_key not in flt.asset_partitions:
        return False
    if flt.after_timestamp is not None and event.timestamp <= flt.after_timestamp:
        return False
    return not (flt.before_timestamp is not None and event.timestamp >= flt.before_timestamp)


def engine_type_of(event_type: DagsterEventType) -> str:
    """The engine's name for a Dagster event type (RUN_SUCCESS for "PIPELINE_SUCCESS")."""
    return event_type.name


class AssetEntry:
    """An asset's latest history in an instance."""

    def __init__(self, asset_key: AssetKey, materialization: EventLogRecord | None, observation: EventLogRecord | None):
        self.asset_key = asset_key
        self.last_materialization_record = materialization
        self.last_observation_record = observation

    @property
    def last_materialization(self) -> EventLogEntry | None:
        record = self.last_materialization_record
        return record.event_log_entry if record is not None else None

    @property
    def last_run_id(self) -> str | None:
        record = self.last_materialization_record
        return record.run_id if record is not None else None


class AssetRecord:
    def __init__(self, storage_id: int, asset_entry: AssetEntry) -> None:
        self.storage_id = storage_id
        self.asset_entry = asset_entry
