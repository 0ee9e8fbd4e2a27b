"""What an automation tick knows about the assets it evaluates: the world as plain data.

Each asset's partitions (a `PartitionSpace`: its keys in order, "" alone for an unpartitioned asset)
and the facts storage holds about them (materialized, updated since the previous tick, in progress,
failed, its checks' results). A set of partitions is a `Subset` (a frozenset of keys). `World` also maps
a subset of a child asset to its deps' partitions and back, by the partitions definitions and the
deps' partition mappings, so the evaluator (host/domain/automation.py) needs nothing else. The loader
(host/domain/automation_facts.py) fills it from snapshots and storage; tests build it by hand.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

Subset = frozenset[str]
EMPTY: Subset = frozenset()
UNPARTITIONED: Subset = frozenset({""})
ALL_MAPPING = "AllPartitionMapping"
LAST_MAPPING = "LastPartitionMapping"
WINDOW_MAPPING = "TimeWindowPartitionMapping"


@dataclass(frozen=True)
class PartitionSpace:
    """An asset's partition keys, in their definition's order. `definition_id` names the definition
    (equal ids: the same keys, mapped one to one); `starts` are the time windows' starts (UTC seconds)
    when the definition is time-windowed, so assets of different cadences map by time."""

    keys: tuple[str, ...] = ("",)
    definition_id: str = ""
    window_starts: tuple[float, ...] | None = None  # given, or parsed from the keys with `parse_start`
    time_dimension: int | None = None  # a multi-partitioned asset: the index of its time dimension
    parse_start: Callable[[str], float] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def starts(self) -> tuple[float, ...] | None:
        """Each window's start (parsed once, and only when a mapping or a lookback needs them)."""
        if self.window_starts is not None or self.parse_start is None:
            return self.window_starts
        return tuple(map(self.parse_start, self.keys))

    @property
    def partitioned(self) -> bool:
        return bool(self.definition_id)

    @cached_property
    def all(self) -> Subset:
        return frozenset(self.keys)

    @cached_property
    def index(self) -> dict[str, int]:
        return {key: i for i, key in enumerate(self.keys)}

    def latest_window(self, lookback_seconds: float) -> Subset:
        """The latest time window's partitions (those ending within the lookback of its end), or every
        partition of a definition that is not time-windowed."""
        if not self.partitioned or (
            self.parse_start is None and self.window_starts is None and self.time_dimension is None
        ):
            return self.all
        if self.time_dimension is not None:
            times = sorted({k.split("|")[self.time_dimension] for k in self.keys})
            if not times:
                return EMPTY
            latest = times[-1]
            return frozenset(k for k in self.keys if k.split("|")[self.time_dimension] == latest)
        if not self.keys:
            return EMPTY
        if not lookback_seconds:
            return frozenset({self.keys[-1]})
        starts = self.starts or ()
        end = self.window_end(len(starts) - 1)
        return frozenset(key for i, key in enumerate(self.keys) if self.window_end(i) > end - lookback_seconds)

    def window_end(self, i: int) -> float:
        starts = self.starts or ()
        if i + 1 < len(starts):
            return starts[i + 1]
        width = starts[i] - starts[i - 1] if i > 0 else 86400.0
        return starts[i] + width


@dataclass(frozen=True)
class CheckFacts:
    blocking: bool
    passed: bool | None  # the latest evaluation's result; None: never evaluated
    in_progress: bool = False


@dataclass
class AssetFacts:
    """What storage says about one asset, as of this tick."""

    key: str
    location: str = ""
    deps: tuple[str, ...] = ()  # sorted
    space: PartitionSpace = field(default_factory=PartitionSpace)
    executable: bool = True
    code_version: str = ""
    materialized: Subset = EMPTY
    # partitions materialized since the previous tick -> (when, the run that did it)
    updated: Mapping[str, tuple[float, str]] = field(default_factory=dict)
    in_progress: Subset = EMPTY
    in_backfill: Subset = EMPTY
    failed: Subset = EMPTY
    checks: Mapping[str, CheckFacts] = field(default_factory=dict)
    freshness: str = ""  # PASS | WARN | FAIL | UNKNOWN under its freshness policy ("" without one)
    check_passed: bool | None = None  # a check evaluated as a target: its latest result (None: never)
    check_of: str = ""  # a check evaluated as a target ("asset:check"): its asset
    # loaded only when a condition reads them: run-tag operands and data_version_changed
    update_runs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # partition -> runs since last tick
    latest_runs: Mapping[str, str] = field(default_factory=dict)  # partition -> run of its latest update
    data_version: str = ""  # of its latest materialization
    # dep key -> (mapping kind, start offset, end offset) for deps not mapped one to one
    mappings: Mapping[str, tuple[str, int, int]] = field(default_factory=dict)


@dataclass
class World:
    """Every asset a tick may look at (the evaluated ones and their deps), and the runs that updated them."""

    assets: dict[str, AssetFacts]
    run_assets: Mapping[str, frozenset[str]] = field(default_factory=dict)  # run id -> the assets it targeted
    run_tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # run id -> its tags (when read)

    def get(self, key: str) -> AssetFacts:
        found = self.assets.get(key)
        if found is None:  # a dep no location declares: never materialized, nothing known
            found = self.assets[key] = AssetFacts(key, executable=False)
        return found

    def to_parent(self, child: str, parent: str, subset: Subset) -> Subset:
        """The partitions of `parent` that these partitions of `child` read."""
        if not subset:
            return EMPTY
        c, p = self.get(child).space, self.get(parent).space
        if not p.partitioned:
            return UNPARTITIONED
        if not c.partitioned:
            return p.all
        kind, start, end = self.get(child).mappings.get(parent, ("", 0, 0))
        if kind == ALL_MAPPING:
            return p.all
        if kind == LAST_MAPPING:
            return frozenset(p.keys[-1:])
        if c.definition_id == p.definition_id:
            if kind == WINDOW_MAPPING and (start or end):
                return _shift(subset, c, p, start, end)
            return subset & p.all
        if c.starts is not None and p.starts is not None:
            return _by_time(subset, c, p)
        return subset & p.all

    def to_child(self, parent: str, child: str, subset: Subset) -> Subset:
        """The partitions of `child` that read any of these partitions of `parent`."""
        if not subset:
            return EMPTY
        c, p = self.get(child).space, self.get(parent).space
        if not c.partitioned:
            return UNPARTITIONED
        if not p.partitioned:
            return c.all
        kind, start, end = self.get(child).mappings.get(parent, ("", 0, 0))
        if kind == ALL_MAPPING:
            return c.all
        if kind == LAST_MAPPING:
            return c.all if p.keys and p.keys[-1] in subset else EMPTY
        if c.definition_id == p.definition_id:
            if kind == WINDOW_MAPPING and (start or end):
                return _shift(subset, p, c, -end, -start)
            return subset & c.all
        if c.starts is not None and p.starts is not None:
            return _by_time(subset, p, c)
        return subset & c.all


def _shift(subset: Subset, source: PartitionSpace, target: PartitionSpace, start: int, end: int) -> Subset:
    """Keys of `target` at the positions of the subset's keys moved by start..end (same definition)."""
    out: set[str] = set()
    n = len(target.keys)
    for key in subset:
        i = source.index.get(key)
        if i is None:
            continue
        out.update(target.keys[j] for j in range(max(i + start, 0), min(i + end, n - 1) + 1))
    return frozenset(out)


def _by_time(subset: Subset, source: PartitionSpace, target: PartitionSpace) -> Subset:
    """Keys of `target` whose time windows overlap those of the subset's keys."""
    starts: Sequence[float] = target.starts or ()
    out: set[str] = set()
    for key in subset:
        i = source.index.get(key)
        if i is None or not source.starts:
            continue
        lo, hi = source.starts[i], source.window_end(i)
        first = max(bisect.bisect_right(starts, lo) - 1, 0)
        for j in range(first, len(starts)):
            if starts[j] >= hi:
                break
            if target.window_end(j) > lo:
                out.add(target.keys[j])
    return frozenset(out)


def encode_subset(space: PartitionSpace, subset: Subset) -> list[Any]:
    """A subset as runs of consecutive keys in the space's order: "key" alone or [first, last]
    (an hourly asset's 50,000 missing partitions take one pair). Keys the space lacks are left out."""
    if not space.partitioned:
        return [""] if subset else []
    out: list[Any] = []
    run: list[str] | None = None
    for key in space.keys:
        if key in subset:
            if run is None:
                run = [key, key]
                out.append(run)
            else:
                run[1] = key
        else:
            run = None
    return [r[0] if r[0] == r[1] else r for r in out]


def decode_subset(space: PartitionSpace, data: Sequence[Any]) -> Subset:
    """The subset `encode_subset` wrote, read against the space's current keys."""
    if not space.partitioned:
        return UNPARTITIONED if data else EMPTY
    out: set[str] = set()
    index = space.index
    for item in data:
        if isinstance(item, str):
            if item in index:
                out.add(item)
            continue
        first, last = index.get(item[0]), index.get(item[1])
        if first is not None and last is not None:
            out.update(space.keys[first : last + 1])
    return frozenset(out)
