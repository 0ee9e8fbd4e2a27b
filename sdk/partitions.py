"""Partitions definitions as data: enough for assets, jobs and the snapshot (key computation is minimal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime


class PartitionsDefinition:
    """Base of the partition kinds."""

    def get_partition_keys(self, current_time: datetime | None = None, dynamic_partitions_store: object = None
                           ) -> list[str]:  # fmt: skip
        raise NotImplementedError


@dataclass(frozen=True)
class StaticPartitionsDefinition(PartitionsDefinition):
    """A fixed list of partition keys."""

    partition_keys: Sequence[str]

    def __post_init__(self) -> None:
        keys = list(self.partition_keys)
        if len(set(keys)) != len(keys):
            raise ValueError(f"StaticPartitionsDefinition keys must be unique, got {keys}.")
        object.__setattr__(self, "partition_keys", tuple(keys))

    def get_partition_keys(self, current_time: datetime | None = None, dynamic_partitions_store: object = None
                           ) -> list[str]:  # fmt: skip
        return list(self.partition_keys)


@dataclass(frozen=True)
class TimeWindowPartitionsDefinition(PartitionsDefinition):
    """Partitions that are time windows on a cron schedule, from start (to end, if given)."""

    start: str | datetime
    fmt: str
    cron_schedule: str
    timezone: str = "UTC"
    end: str | datetime | None = None
    end_offset: int = 0

    @property
    def start_str(self) -> str:
        return self.start.strftime(self.fmt) if isinstance(self.start, datetime) else str(self.start)

    @property
    def end_str(self) -> str:
        if self.end is None:
            return ""
        return self.end.strftime(self.fmt) if isinstance(self.end, datetime) else str(self.end)




def DailyPartitionsDefinition(start_date: str | datetime, end_date: str | datetime | None = None,
                              timezone: str | None = None, fmt: str = "%Y-%m-%d", end_offset: int = 0,
                              minute_offset: int = 0, hour_offset: int = 0
                              ) -> TimeWindowPartitionsDefinition:  # fmt: skip
    """One partition a day."""
    cron = f"{minute_offset} {hour_offset} * * *"
    return TimeWindowPartitionsDefinition(start_date, fmt, cron, timezone or "UTC", end_date, end_offset)


def HourlyPartitionsDefinition(start_date: str | datetime, end_date: str | datetime | None = None,
                               timezone: str | None = None, fmt: str = "%Y-%m-%d-%H:%M", end_offset: int = 0,
                               minute_offset: int = 0) -> TimeWindowPartitionsDefinition:  # fmt: skip
    """One partition an hour."""
    return TimeWindowPartitionsDefinition(start_date, fmt, f"{minute_offset} * * * *", timezone or "UTC",
                                          end_date, end_offset)  # fmt: skip


def WeeklyPartitionsDefinition(start_date: str | datetime, end_date: str | datetime | None = None,
                               timezone: str | None = None, fmt: str = "%Y-%m-%d", end_offset: int = 0,
                               minute_offset: int = 0, hour_offset: int = 0, day_offset: int = 0
                               ) -> TimeWindowPartitionsDefinition:  # fmt: skip
    """One partition a week."""
    return TimeWindowPartitionsDefinition(start_date, fmt, f"{minute_offset} {hour_offset} * * {day_offset}",
                                          timezone or "UTC", end_date, end_offset)  # fmt: skip


def MonthlyPartitionsDefinition(start_date: str | datetime, end_date: str | datetime | None = None,
                                timezone: str | None = None, fmt: str = "%Y-%m-%d", end_offset: int = 0,
                                minute_offset: int = 0, hour_offset: int = 0, day_offset: int = 1
                                ) -> TimeWindowPartitionsDefinition:  # fmt: skip
    """One partition a month."""
    return TimeWindowPartitionsDefinition(start_date, fmt, f"{minute_offset} {hour_offset} {day_offset} * *",
                                          timezone or "UTC", end_date, end_offset)  # fmt: skip


@dataclass(frozen=True)
class DynamicPartitionsDefinition(PartitionsDefinition):
    """Partitions whose keys are added at run time (by sensors or people), stored by the host."""

    name: str


@dataclass(frozen=True)
class MultiPartitionsDefinition(PartitionsDefinition):
    """The product of two named partition dimensions."""

    partitions_defs: Mapping[str, PartitionsDefinition] = field(default_factory=dict)

    def get_partition_keys(self, current_time: datetime | None = None, dynamic_partitions_store: object = None
                           ) -> list[str]:  # fmt: skip
        names = sorted(self.partitions_defs)
        if len(names) != 2:
            raise ValueError("MultiPartitionsDefinition needs exactly two dimensions.")
        a = self.partitions_defs[names[0]].get_partition_keys(current_time)
        b = self.partitions_defs[names[1]].get_partition_keys(current_time)
        return [f"{x}|{y}" for x in a for y in b]
