"""Cron ticks as wall-clock times in a time zone: the rules time-window partitions are cut by.

The host computes the same keys from the snapshot without importing the sdk (host/partition_keys.py
mirrors these rules; tests compare the two), so the rules are kept short and explicit:

1. Ticks are wall-clock times of the cron in the zone. The cron patterns the Hourly/Daily/Weekly/
   Monthly definitions produce are stepped directly; any other cron is walked with croniter on naive
   wall-clock time.
2. A wall-clock tick becomes an instant with fold=0: a time inside a spring-forward gap moves forward
   by the gap; a tick whose instant is not after the previous tick's is dropped. In a fall-back fold
   the repeated hour belongs to the window that started first (one key per wall-clock time).
3. A partition key is the tick's local time (after rule 2) formatted with fmt.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# (kind, minute, hour, day) for the cron strings the partition helpers build; None for other crons.
SimpleCron = tuple[str, int, int, int]


def simple_cron(cron: str) -> SimpleCron | None:
    """The pattern of an hourly, daily, weekly (day of week) or monthly (day 1-28) cron, else None."""
    fields = cron.split()
    if len(fields) != 5 or not all(f.isdigit() or f == "*" for f in fields) or fields[3] != "*":
        return None
    minute, hour, dom, _month, dow = fields
    if not minute.isdigit() or int(minute) > 59:
        return None
    if hour == "*":
        return ("hourly", int(minute), 0, 0) if dom == "*" and dow == "*" else None
    if int(hour) > 23:
        return None
    if dom == "*" and dow == "*":
        return ("daily", int(minute), int(hour), 0)
    if dom == "*" and dow.isdigit() and int(dow) <= 7:
        return ("weekly", int(minute), int(hour), int(dow) % 7)
    if dow == "*" and dom.isdigit() and 1 <= int(dom) <= 28:
        return ("monthly", int(minute), int(hour), int(dom))
    return None


def first_tick(pattern: SimpleCron, start: datetime) -> datetime:
    """The first wall-clock tick at or after the naive local time `start`."""
    kind, minute, hour, day = pattern
    if kind == "hourly":
        tick = start.replace(minute=minute, second=0, microsecond=0)
        return tick if tick >= start else tick + timedelta(hours=1)
    tick = start.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if kind == "daily":
        return tick if tick >= start else tick + timedelta(days=1)
    if kind == "weekly":
        tick += timedelta(days=(day - (tick.weekday() + 1) % 7) % 7)
        return tick if tick >= start else tick + timedelta(days=7)
    tick = tick.replace(day=day)
    return tick if tick >= start else add_months(tick, 1)


def add_months(tick: datetime, months: int) -> datetime:
    index = tick.month - 1 + months
    year, month = tick.year + index // 12, index % 12 + 1
    return tick.replace(year=year, month=month, day=min(tick.day, calendar.monthrange(year, month)[1]))


def next_tick(pattern: SimpleCron, tick: datetime) -> datetime:
    kind = pattern[0]
    if kind == "hourly":
        return tick + timedelta(hours=1)
    if kind == "daily":
        return tick + timedelta(days=1)
    if kind == "weekly":
        return tick + timedelta(days=7)
    return add_months(tick, 1)


def wall_ticks(cron: str, start: datetime) -> Iterator[datetime]:
    """Naive wall-clock ticks of the cron from `start` (naive local time) on (rule 1)."""
    pattern = simple_cron(cron)
    if pattern is not None:
        tick = first_tick(pattern, start)
        while True:
            yield tick
            tick = next_tick(pattern, tick)
    from croniter import croniter

    walker = croniter(cron, start - timedelta(microseconds=1))
    while True:
        yield walker.get_next(datetime)


def instant_ticks(cron: str, zone: ZoneInfo, start: datetime) -> Iterator[datetime]:
    """Aware local ticks with rule 2 applied: gap times moved forward, repeated instants dropped."""
    previous: datetime | None = None
    for wall in wall_ticks(cron, start):
        tick = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
        if previous is not None and tick <= previous:
            continue
        previous = tick
        yield tick


def parse_time(value: str | datetime, fmt: str, zone: ZoneInfo) -> datetime:
    """A naive local wall-clock time from a string in fmt (or ISO 8601) or a datetime."""
    if isinstance(value, datetime):
        return value.astimezone(zone).replace(tzinfo=None) if value.tzinfo else value
    try:
        return datetime.strptime(value, fmt)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f'"{value}" matches neither the format "{fmt}" nor ISO 8601; write it like '
                f'"{datetime(2024, 1, 1).strftime(fmt)}".'
            ) from None
        return parsed.astimezone(zone).replace(tzinfo=None) if parsed.tzinfo else parsed
