"""Time-window partition keys computed from the snapshot's message, without the sdk (rule 1).

The rules are the sdk's (`sdk/_time_windows.py`; tests compare both on many definitions):
wall-clock cron ticks in the zone; a tick in a spring-forward gap moves forward by the gap and a
tick whose instant is not after the previous one is dropped; a key is the tick's local time in fmt;
only complete windows count (ending by `end`, or by now moved by `end_offset` windows).

Listing is on the Host API's hot path (10 years of hours is 87,600 keys), so hourly crons are cut a
day at a time: on a day without an offset change, the instants are arithmetic and a key is the day's
formatted date with the hour filled in, instead of a datetime conversion and a strftime per key.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from host.errors import ConfigError
from protos.weir.v1 import snapshot_pb2

SimpleCron = tuple[str, int, int, int]
_TIME_FIELDS = ("%H", "%M", "%S", "%I", "%p")
_NOT_PER_DAY = ("%%", "%X", "%c", "%T", "%R", "%r", "%f", "%s")


def simple_cron(cron: str) -> SimpleCron | None:
    """The sdk's pattern table: hourly, daily, weekly (day of week) or monthly (day 1-28), else None."""
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


def _first_tick(pattern: SimpleCron, start: datetime) -> datetime:
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
    return tick if tick >= start else _add_month(tick)


def _add_month(tick: datetime) -> datetime:
    year, month = (tick.year + 1, 1) if tick.month == 12 else (tick.year, tick.month + 1)
    return tick.replace(year=year, month=month, day=min(tick.day, calendar.monthrange(year, month)[1]))


def _wall_ticks(cron: str, start: datetime) -> Iterator[datetime]:
    pattern = simple_cron(cron)
    if pattern is None:
        from croniter import croniter

        walker = croniter(cron, start - timedelta(microseconds=1))
        while True:
            yield walker.get_next(datetime)
    tick = _first_tick(pattern, start)
    step = {"hourly": timedelta(hours=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}.get(pattern[0])
    while True:
        yield tick
        tick = tick + step if step is not None else _add_month(tick)


def parse_time(value: str, fmt: str, zone: ZoneInfo) -> datetime:
    """A naive local wall-clock time from a string in fmt, else ISO 8601 (as the sdk parses it)."""
    try:
        return datetime.strptime(value, fmt)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"partition time {value!r} matches neither {fmt!r} nor ISO 8601") from None
        return parsed.astimezone(zone).replace(tzinfo=None) if parsed.tzinfo else parsed


class _Collector:
    """Keys of the ticks, until the ticks pass the limit and the offset is covered."""

    def __init__(self, limit: float, offset: int) -> None:
        self.keys: list[str] = []
        self.last = float("-inf")  # the instant of the latest tick kept
        self.limit, self.offset = limit, offset
        self.complete = -1  # windows ending by the limit: ticks at or before it, minus one
        self.first_after = float("inf")  # the first tick past the limit: the keys hold until then

    def add(self, instant: float, key: str) -> bool:
        """Record one tick; False once enough ticks are in."""
        if instant <= self.last:
            return True  # rule 2: a gap tick that landed on the next one
        self.keys.append(key)
        self.last = instant
        if instant <= self.limit:
            self.complete += 1
            return True
        self.first_after = min(self.first_after, instant)
        return len(self.keys) <= self.complete + self.offset + 1

    def add_hours(self, first: float, keys: list[str]) -> bool:
        """Ticks an hour apart from `first`: appended in one go when all are before the limit."""
        last = first + 3600 * (len(keys) - 1)
        if first > self.last and last <= self.limit:
            self.keys.extend(keys)
            self.last = last
            self.complete += len(keys)
            return True
        return all(self.add(first + 3600 * i, key) for i, key in enumerate(keys))

    def result(self) -> list[str]:
        return self.keys[: max(0, self.complete + self.offset)]


def _add_slow(out: _Collector, wall: datetime, zone: ZoneInfo, fmt: str) -> bool:
    local = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return out.add(local.timestamp(), local.strftime(fmt))


def _day_formatter(fmt: str, minute: int) -> tuple[str, list[str]] | None:
    """(date part of fmt, its 24 hour suffixes) when fmt ends with all its time-of-day fields, else None.

    Then a key is one strftime per day plus a string concatenation per hour.
    """
    if any(d in fmt for d in _NOT_PER_DAY):
        return None
    cut = min((i for i in (fmt.find(d) for d in _TIME_FIELDS) if i >= 0), default=len(fmt))
    tail = fmt[cut:]
    rest = tail
    for directive in _TIME_FIELDS:
        rest = rest.replace(directive, "")
    if "%" in rest:
        return None
    return fmt[:cut], [datetime(2000, 1, 1, h, minute).strftime(tail) for h in range(24)]


def _hourly_by_day(out: _Collector, first: datetime, zone: ZoneInfo, fmt: str) -> None:
    """Hourly ticks a day at a time; a day with an offset change (or an odd fmt) goes tick by tick."""
    minute = first.minute
    formatter = _day_formatter(fmt, minute)
    day = first.replace(hour=0, minute=0)
    first_hour = first.hour
    while True:
        start = day.replace(tzinfo=zone)
        following = day + timedelta(days=1)
        if formatter is not None and start.utcoffset() == following.replace(tzinfo=zone).utcoffset():
            prefix = start.strftime(formatter[0])
            keys = [prefix + suffix for suffix in formatter[1][first_hour:]]
            if not out.add_hours(start.timestamp() + minute * 60 + first_hour * 3600, keys):
                return
        else:
            for hour in range(first_hour, 24):
                if not _add_slow(out, day.replace(hour=hour, minute=minute), zone, fmt):
                    return
        day, first_hour = following, 0


def time_window_keys(message: snapshot_pb2.TimeWindowPartitions, now: float) -> tuple[list[str], float]:
    """The keys of a time-window partitions definition at `now` (UTC seconds), and until when they hold
    (the instant the next window completes; infinity for a definition with an end)."""
    try:
        zone = ZoneInfo(message.timezone or "UTC")
    except Exception:
        raise ConfigError(f"unknown partitions timezone {message.timezone!r}") from None
    start = parse_time(message.start, message.fmt, zone)
    if message.end:
        end = parse_time(message.end, message.fmt, zone).replace(tzinfo=zone)
        out = _Collector(end.timestamp(), 0)
    else:
        out = _Collector(now, message.end_offset)
    pattern = simple_cron(message.cron_schedule)
    if pattern is not None and pattern[0] == "hourly":
        _hourly_by_day(out, _first_tick(pattern, start), zone, message.fmt)
    else:
        for wall in _wall_ticks(message.cron_schedule, start):
            if not _add_slow(out, wall, zone, message.fmt):
                break
    return out.result(), float("inf") if message.end else out.first_after
