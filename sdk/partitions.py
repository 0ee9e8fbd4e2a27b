"""Partitions definitions: which keys an asset or job has, and (for time windows) which time each covers.

Time-window keys follow the rules in `sdk/_time_windows.py`; the host computes the same keys from the
snapshot on its own, so keep the two in step (tests compare them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sdk._time_windows import instant_ticks, parse_time

# What a run's tags carry when it covers a range of partitions (Dagster's tag names).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


@dataclass(frozen=True)
class PartitionKeyRange:
    """The partitions from start to end, both included, in the definition's order."""

    start: str
    end: str


@dataclass(frozen=True)
class TimeWindow:
    """[start, end): the time a time-window partition (or a range of them) covers, aware datetimes."""

    start: datetime
    end: datetime


def _dynamic_keys(store: Any, name: str) -> list[str]:
    """Keys from what callers pass as the dynamic store: a mapping name -> keys, or an object with
    get_dynamic_partitions(name) (Dagster's instance API)."""
    if store is None:
        raise ValueError(
            f'The keys of DynamicPartitionsDefinition "{name}" are stored by the host; pass '
            f"dynamic_partitions_store={{'{name}': [...]}} here, or add keys with `weir partitions add {name} KEY`."
        )
    if isinstance(store, Mapping):
        return list(store.get(name, ()))
    return list(store.get_dynamic_partitions(name))


class PartitionsDefinition:
    """Base of the partition kinds: a list of keys (that may depend on the time or on stored keys)."""

    def get_partition_keys(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> list[str]:
        raise NotImplementedError

    def has_partition_key(
        self, partition_key: str, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> bool:
        return partition_key in self.get_partition_keys(current_time, dynamic_partitions_store)

    def get_partition_keys_in_range(
        self, partition_key_range: PartitionKeyRange, dynamic_partitions_store: Any = None
    ) -> list[str]:
        """The keys from range.start to range.end (both included)."""
        keys = self.get_partition_keys(None, dynamic_partitions_store)
        for key in (partition_key_range.start, partition_key_range.end):
            if key not in keys:
                raise ValueError(
                    f'Partition key "{key}" is not a key of this partitions definition '
                    f"(first {keys[:3]}, last {keys[-3:]})."
                )
        first, last = keys.index(partition_key_range.start), keys.index(partition_key_range.end)
        if first > last:
            raise ValueError(
                f"Partition range {partition_key_range.start}...{partition_key_range.end} is "
                "backwards; put the earlier key first."
            )
        return keys[first : last + 1]

    def get_last_partition_key(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> str | None:
        keys = self.get_partition_keys(current_time, dynamic_partitions_store)
        return keys[-1] if keys else None

    def get_first_partition_key(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> str | None:
        keys = self.get_partition_keys(current_time, dynamic_partitions_store)
        return keys[0] if keys else None


@dataclass(frozen=True)
class StaticPartitionsDefinition(PartitionsDefinition):
    """A fixed list of partition keys."""

    partition_keys: Sequence[str]

    def __post_init__(self) -> None:
        keys = list(self.partition_keys)
        if len(set(keys)) != len(keys):
            raise ValueError(f"StaticPartitionsDefinition keys must be unique, got {keys}.")
        object.__setattr__(self, "partition_keys", tuple(keys))

    def get_partition_keys(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> list[str]:
        return list(self.partition_keys)


@dataclass(frozen=True)
class TimeWindowPartitionsDefinition(PartitionsDefinition):
    """Partitions that are time windows between consecutive cron ticks, from start (to end, if given).

    Only complete windows are partitions: without an end, those that ended by the current time, moved
    by end_offset windows (1 adds the window in progress); with an end, those ending by it.
    """

    start: str | datetime
    fmt: str
    cron_schedule: str
    timezone: str = "UTC"
    end: str | datetime | None = None
    end_offset: int = 0

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except Exception:
            raise ValueError(f'Unknown timezone "{self.timezone}"; use an IANA name like "Europe/Berlin".') from None
        self.start_local  # noqa: B018 - parse now, so a bad start fails at definition time

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def start_local(self) -> datetime:
        return parse_time(self.start, self.fmt, self.zone)

    @property
    def start_str(self) -> str:
        return self.start.strftime(self.fmt) if isinstance(self.start, datetime) else str(self.start)

    @property
    def end_str(self) -> str:
        if self.end is None:
            return ""
        return self.end.strftime(self.fmt) if isinstance(self.end, datetime) else str(self.end)

    def _limit(self, current_time: datetime | None) -> tuple[datetime, int]:
        if self.end is not None:
            end = parse_time(self.end, self.fmt, self.zone).replace(tzinfo=self.zone)
            return end.astimezone(UTC).astimezone(self.zone), 0
        now = current_time or datetime.now(UTC)
        return (now if now.tzinfo else now.replace(tzinfo=UTC)), self.end_offset

    def time_windows(self, current_time: datetime | None = None) -> list[TimeWindow]:
        """Every partition's window, in order."""
        limit, offset = self._limit(current_time)
        ticks: list[datetime] = []
        complete = -1
        for tick in instant_ticks(self.cron_schedule, self.zone, self.start_local):
            ticks.append(tick)
            if tick <= limit:
                complete += 1
            if tick > limit and len(ticks) > complete + offset + 1:
                break
        count = max(0, complete + offset)
        return [TimeWindow(ticks[i], ticks[i + 1]) for i in range(count)]

    def get_partition_keys(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> list[str]:
        return [w.start.strftime(self.fmt) for w in self.time_windows(current_time)]

    def time_window_for_partition_key(self, partition_key: str) -> TimeWindow:
        """The window a key covers; the key must be a tick of the cron."""
        start = parse_time(partition_key, self.fmt, self.zone)
        ticks = instant_ticks(self.cron_schedule, self.zone, start)
        first = next(ticks)
        if first.strftime(self.fmt) != partition_key:
            raise ValueError(
                f'"{partition_key}" is not a partition of this definition (cron '
                f'"{self.cron_schedule}"); the nearest is "{first.strftime(self.fmt)}".'
            )
        return TimeWindow(first, next(ticks))

    def get_partition_key_for_timestamp(self, timestamp: float) -> str:
        """The key of the window that contains this instant."""
        at = datetime.fromtimestamp(timestamp, UTC)
        windows = self.time_windows(at.replace(year=at.year + 1))
        for window in windows:
            if window.start <= at < window.end:
                return window.start.strftime(self.fmt)
        raise ValueError(f"{at.isoformat()} is outside every partition of this definition.")


def DailyPartitionsDefinition(
    start_date: str | datetime,
    end_date: str | datetime | None = None,
    timezone: str | None = None,
    fmt: str = "%Y-%m-%d",
    end_offset: int = 0,
    minute_offset: int = 0,
    hour_offset: int = 0,
) -> TimeWindowPartitionsDefinition:
    """One partition a day."""
    cron = f"{minute_offset} {hour_offset} * * *"
    return TimeWindowPartitionsDefinition(start_date, fmt, cron, timezone or "UTC", end_date, end_offset)


def HourlyPartitionsDefinition(
    start_date: str | datetime,
    end_date: str | datetime | None = None,
    timezone: str | None = None,
    fmt: str = "%Y-%m-%d-%H:%M",
    end_offset: int = 0,
    minute_offset: int = 0,
) -> TimeWindowPartitionsDefinition:
    """One partition an hour."""
    return TimeWindowPartitionsDefinition(
        start_date, fmt, f"{minute_offset} * * * *", timezone or "UTC", end_date, end_offset
    )


def WeeklyPartitionsDefinition(
    start_date: str | datetime,
    end_date: str | datetime | None = None,
    timezone: str | None = None,
    fmt: str = "%Y-%m-%d",
    end_offset: int = 0,
    minute_offset: int = 0,
    hour_offset: int = 0,
    day_offset: int = 0,
) -> TimeWindowPartitionsDefinition:
    """One partition a week (day_offset 0 is Sunday)."""
    return TimeWindowPartitionsDefinition(
        start_date, fmt, f"{minute_offset} {hour_offset} * * {day_offset}", timezone or "UTC", end_date, end_offset
    )


def MonthlyPartitionsDefinition(
    start_date: str | datetime,
    end_date: str | datetime | None = None,
    timezone: str | None = None,
    fmt: str = "%Y-%m-%d",
    end_offset: int = 0,
    minute_offset: int = 0,
    hour_offset: int = 0,
    day_offset: int = 1,
) -> TimeWindowPartitionsDefinition:
    """One partition a month."""
    return TimeWindowPartitionsDefinition(
        start_date, fmt, f"{minute_offset} {hour_offset} {day_offset} * *", timezone or "UTC", end_date, end_offset
    )


@dataclass(frozen=True)
class DynamicPartitionsDefinition(PartitionsDefinition):
    """Partitions whose keys are added at run time (by sensors or people) and stored by the host.

    A function-based definition (partition_fn) computes its keys in code instead.
    """

    name: str | None = None
    partition_fn: Callable[[datetime | None], Sequence[str]] | None = None

    def __post_init__(self) -> None:
        if (self.name is None) == (self.partition_fn is None):
            raise ValueError("DynamicPartitionsDefinition needs exactly one of name= or partition_fn=.")

    def get_partition_keys(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> list[str]:
        if self.partition_fn is not None:
            return [str(k) for k in self.partition_fn(current_time)]
        return _dynamic_keys(dynamic_partitions_store, str(self.name))

    def build_add_request(self, partition_keys: Sequence[str]) -> AddDynamicPartitionsRequest:
        return AddDynamicPartitionsRequest(str(self.name), tuple(partition_keys))

    def build_delete_request(self, partition_keys: Sequence[str]) -> DeleteDynamicPartitionsRequest:
        return DeleteDynamicPartitionsRequest(str(self.name), tuple(partition_keys))


@dataclass(frozen=True)
class AddDynamicPartitionsRequest:
    """A sensor's request to add keys to a dynamic partitions definition (SensorResult)."""

    partitions_def_name: str
    partition_keys: Sequence[str]


@dataclass(frozen=True)
class DeleteDynamicPartitionsRequest:
    """A sensor's request to remove keys from a dynamic partitions definition (SensorResult)."""

    partitions_def_name: str
    partition_keys: Sequence[str]


class MultiPartitionKey(str):
    """A key of a MultiPartitionsDefinition: the string "2024-01-01|eu" (dimensions sorted by name) that
    also knows its parts: `key.keys_by_dimension["date"]`."""

    _by_dimension: dict[str, str]

    def __new__(cls, keys_by_dimension: Mapping[str, str]) -> MultiPartitionKey:
        names = sorted(keys_by_dimension)
        key = super().__new__(cls, "|".join(str(keys_by_dimension[n]) for n in names))
        key._by_dimension = {n: str(keys_by_dimension[n]) for n in names}
        return key

    @property
    def keys_by_dimension(self) -> dict[str, str]:
        return dict(self._by_dimension)

    @property
    def dimension_keys(self) -> list[Any]:
        from types import SimpleNamespace

        return [SimpleNamespace(dimension_name=n, partition_key=k) for n, k in self._by_dimension.items()]

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (self._by_dimension,)


@dataclass(frozen=True)
class MultiPartitionsDefinition(PartitionsDefinition):
    """The product of two named partition dimensions; keys are "a|b" with dimensions sorted by name."""

    partitions_defs: Mapping[str, PartitionsDefinition] = field(default_factory=dict)

    def get_partition_keys(
        self, current_time: datetime | None = None, dynamic_partitions_store: Any = None
    ) -> list[str]:
        names = sorted(self.partitions_defs)
        if len(names) != 2:
            raise ValueError("MultiPartitionsDefinition needs exactly two dimensions.")
        a = self.partitions_defs[names[0]].get_partition_keys(current_time, dynamic_partitions_store)
        b = self.partitions_defs[names[1]].get_partition_keys(current_time, dynamic_partitions_store)
        return [MultiPartitionKey({names[0]: x, names[1]: y}) for x in a for y in b]

    @property
    def partition_dimension_names(self) -> list[str]:
        return sorted(self.partitions_defs)

    def get_partition_key_from_str(self, partition_key_str: str) -> MultiPartitionKey:
        return MultiPartitionKey(self.keys_by_dimension(partition_key_str))

    def keys_by_dimension(self, partition_key: str) -> dict[str, str]:
        """{"date": "2024-01-01", "region": "eu"} from "2024-01-01|eu"."""
        parts = partition_key.split("|")
        names = sorted(self.partitions_defs)
        if len(parts) != len(names):
            raise ValueError(
                f'"{partition_key}" is not a multi-partition key; write one key per dimension {names} joined by |.'
            )
        return dict(zip(names, parts, strict=True))
