"""Cron evaluated on the host, in the schedule's time zone, with fixed rules for daylight saving.

Cron expressions describe wall-clock times; a slot is the UTC instant at which a wall-clock time
occurs. Most wall times occur exactly once. Around a daylight-saving transition:

- **Spring gap** (a wall time that does not exist, e.g. 02:30 in Europe/Berlin on the last Sunday of
  March): the slot fires at the end of the gap, the first wall time that exists (03:00 local).
  If that instant is also a slot of its own (an hourly schedule's 03:00), it fires once.
- **Autumn fold** (a wall time that occurs twice, e.g. 02:30 in Europe/Berlin on the last Sunday of
  October): the slot fires at the first occurrence only, unless the expression's hour field is `*`
  (hourly and finer schedules), which fire at both occurrences, so they keep firing every real hour.

Slots are UTC seconds since the epoch. `docs/schedules.md` explains the rules for users.
"""

from __future__ import annotations

import contextlib
import heapq
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

# Offsets never change by more than this within a few hours (real transitions are 30 min to 2 h).
_MARGIN = timedelta(hours=3)
_MARGIN_SECONDS = _MARGIN.total_seconds()


class CronError(ValueError):
    """A cron expression or a time zone the host cannot evaluate."""


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone for a schedule ("" means UTC); the error names the fix."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin' or 'UTC'") from None


def check_cron(expression: str) -> str:
    if not croniter.is_valid(expression):
        raise CronError(f"invalid cron expression {expression!r}: use five fields like '0 3 * * *'")
    return expression


def _every_hour(expression: str) -> bool:
    """Whether the hour field is `*`: such schedules fire at both occurrences of a folded hour."""
    fields = expression.split()
    return len(fields) >= 5 and fields[1] == "*"


def _offset(instant: float, tz: ZoneInfo) -> timedelta | None:
    return datetime.fromtimestamp(instant, tz).utcoffset()


def _near_transition(instant: float, tz: ZoneInfo) -> bool:
    here = _offset(instant, tz)
    return _offset(instant - _MARGIN_SECONDS, tz) != here or _offset(instant + _MARGIN_SECONDS, tz) != here


def _gap_end(before: float, after: float, tz: ZoneInfo) -> float:
    """The first instant (whole second) in (before, after] whose offset is the one after the gap."""
    lo, hi = int(before), int(after)
    target = _offset(hi, tz)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(mid, tz) == target:
            hi = mid
        else:
            lo = mid
    return float(hi)


def wall_instants(wall: datetime, tz: ZoneInfo, every_hour: bool) -> list[float]:
    """The UTC instants at which a naive wall time fires, by the rules in the module docstring."""
    first = wall.replace(tzinfo=tz, fold=0).timestamp()
    second = wall.replace(tzinfo=tz, fold=1).timestamp()
    if first == second:
        return [first]
    if second > first:  # fold: the wall time occurs twice
        return [first, second] if every_hour else [first]
    return [_gap_end(second, first, tz)]  # gap: fold=0 lands after the gap, fold=1 before it


def _local_wall(instant: float, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(instant, tz).replace(tzinfo=None)


_WALKERS: dict[str, list[croniter]] = {}
_WALKERS_LOCK = threading.Lock()


@contextlib.contextmanager
def _walker(expression: str, start: datetime) -> Iterator[croniter]:
    """A croniter positioned at start. Parsing an expression costs more than walking it, and a
    scheduler pass walks every due schedule, so parsed walkers are reused (one user at a time)."""
    with _WALKERS_LOCK:
        free = _WALKERS.get(expression)
        walker = free.pop() if free else None
    if walker is None:
        walker = croniter(expression, start)
    else:
        walker.set_current(start, force=True)
    try:
        yield walker
    finally:
        with _WALKERS_LOCK:
            free = _WALKERS.setdefault(expression, [])
            if len(free) < 4:
                free.append(walker)


def _forward(expression: str, tz: ZoneInfo, after: float) -> Iterator[float]:
    """Slots > after, ascending. Near a transition, slots are buffered until no later wall time can
    produce an earlier instant (a fold reorders instants by up to the size of the shift)."""
    every_hour = _every_hour(expression)
    start = _local_wall(after, tz)
    if _near_transition(after, tz):
        start -= _MARGIN
    pending: list[float] = []
    last = None
    with _walker(expression, start) as walls:
        while True:
            try:
                wall = walls.get_next(datetime)
            except CroniterBadDateError:
                break
            for instant in wall_instants(wall, tz, every_hour):
                heapq.heappush(pending, instant)
            horizon = wall.replace(tzinfo=tz).timestamp()
            if _near_transition(horizon, tz):
                horizon -= _MARGIN_SECONDS
            while pending and pending[0] <= horizon:
                instant = heapq.heappop(pending)
                if instant > after and instant != last:
                    last = instant
                    yield instant
    while pending:
        instant = heapq.heappop(pending)
        if instant > after and instant != last:
            last = instant
            yield instant


def _backward(expression: str, tz: ZoneInfo, until: float) -> Iterator[float]:
    """Slots <= until, descending: the mirror of `_forward`, for the newest slots of a long outage."""
    every_hour = _every_hour(expression)
    start = _local_wall(until, tz) + timedelta(seconds=1)
    if _near_transition(until, tz):
        start += _MARGIN
    pending: list[float] = []
    last = None
    with _walker(expression, start) as walls:
        while True:
            try:
                wall = walls.get_prev(datetime)
            except CroniterBadDateError:
                break
            for instant in wall_instants(wall, tz, every_hour):
                heapq.heappush(pending, -instant)
            horizon = wall.replace(tzinfo=tz).timestamp()
            if _near_transition(horizon, tz):
                horizon += _MARGIN_SECONDS
            while pending and -pending[0] >= horizon:
                instant = -heapq.heappop(pending)
                if instant <= until and instant != last:
                    last = instant
                    yield instant
    while pending:
        instant = -heapq.heappop(pending)
        if instant <= until and instant != last:
            last = instant
            yield instant


@dataclass(frozen=True)
class CronSchedule:
    """One or more cron expressions in one time zone: a schedule's slots."""

    expressions: tuple[str, ...]
    timezone: str = ""

    def __post_init__(self) -> None:
        if not self.expressions:
            raise CronError("a schedule needs at least one cron expression")
        for expression in self.expressions:
            check_cron(expression)
        zone(self.timezone)

    def slots_after(self, after: float) -> Iterator[float]:
        """Every slot strictly after `after`, ascending (slots shared by two expressions once)."""
        tz = zone(self.timezone)
        if len(self.expressions) == 1:
            return _forward(self.expressions[0], tz, after)
        return _dedupe(heapq.merge(*(_forward(e, tz, after) for e in self.expressions)))

    def slots_before(self, until: float) -> Iterator[float]:
        """Every slot at or before `until`, newest first."""
        tz = zone(self.timezone)
        merged = heapq.merge(*(_backward(e, tz, until) for e in self.expressions), key=lambda x: -x)
        return _dedupe(merged)

    def next_after(self, after: float) -> float | None:
        return next(self.slots_after(after), None)

    def due(self, after: float, until: float, newest: int) -> tuple[list[float], bool, float | None]:
        """(the newest `newest` slots in (after, until], whether older ones were left out, the next slot
        after until): one forward walk in the usual case of a few due slots."""
        slots: list[float] = []
        for slot in self.slots_after(after):
            if slot > until:
                return slots, False, slot
            if len(slots) == newest:
                break
            slots.append(slot)
        else:
            return slots, False, None
        slots, truncated = self.slots_between(after, until, newest=newest)
        return slots, truncated, self.next_after(until)

    def slots_between(self, after: float, until: float, newest: int | None = None) -> tuple[list[float], bool]:
        """Slots in (after, until], ascending; with `newest`, only the newest that many.

        Returns (slots, truncated): truncated is True when older slots in the range were left out.
        """
        if newest is None:
            out = []
            for slot in self.slots_after(after):
                if slot > until:
                    break
                out.append(slot)
            return out, False
        out = []
        for slot in self.slots_before(until):
            if slot <= after:
                return out[::-1], False
            if len(out) == newest:
                return out[::-1], True
            out.append(slot)
        return out[::-1], False


def _dedupe(slots: Iterator[float]) -> Iterator[float]:
    last = None
    for slot in slots:
        if slot != last:
            last = slot
            yield slot
