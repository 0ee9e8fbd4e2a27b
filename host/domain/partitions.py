"""Partition keys and per-partition status, from the snapshot, storage, and (only when code is needed)
the location.

Static, time-window, dynamic and multi keys are computed here from the snapshot's
PartitionsDefinition message (dynamic keys are stored by the host); only a "code" kind (a custom
definition) costs an RPC to the location. Time-window keys are cached until the next window completes,
so repeated listings of a big hourly asset cost a dictionary lookup.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from host.domain.time_partitions import time_window_keys
from host.errors import ConfigError, DefinitionNotFound, LocationUnavailable
from host.locations.workspace import LocationHandle, WorkspaceManager
from host.storage import assets as asset_store
from host.storage import partitions as partition_store
from host.storage.records import RunRecord, RunStatus
from protos.keys import asset_key_str
from protos.weir.v1 import codeserver_pb2, snapshot_pb2

_IN_PROGRESS = (RunStatus.QUEUED, RunStatus.STARTING, RunStatus.STARTED, RunStatus.CANCELING)
_CACHE_SIZE = 256
MAX_DEFINITION_NAME_CHARS = 1000


@dataclass(frozen=True)
class PartitionKeys:
    keys: list[str]
    computed_by: str  # host | storage | location


@dataclass(frozen=True)
class PartitionStatusView:
    """An asset's partitions sorted into what happened to each, in key order."""

    keys: list[str]
    materialized: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    in_progress: set[str] = field(default_factory=set)

    @property
    def missing(self) -> set[str]:
        return set(self.keys) - self.materialized - self.failed - self.in_progress


class _TimeWindowCache:
    """Keys by definition bytes, kept while `now` is before the next window completes."""

    def __init__(self) -> None:
        self._entries: dict[bytes, tuple[float, float, list[str]]] = {}
        self._lock = threading.Lock()

    def keys(self, message: snapshot_pb2.TimeWindowPartitions, now: float) -> list[str]:
        ident = message.SerializeToString(deterministic=True)
        entry = self._entries.get(ident)
        if entry is not None and entry[0] <= now < entry[1]:
            return entry[2]
        keys, valid_until = time_window_keys(message, now)
        with self._lock:
            if len(self._entries) >= _CACHE_SIZE:
                self._entries.clear()
            self._entries[ident] = (now, valid_until, keys)
        return keys


_TIME_WINDOWS = _TimeWindowCache()


def partitions_of(
    snapshot: snapshot_pb2.Snapshot, location: str, asset_key: str = "", job_name: str = ""
) -> snapshot_pb2.PartitionsDefinition | None:
    """The partitions definition of an asset or job (None when unpartitioned)."""
    if job_name:
        job = next((j for j in snapshot.jobs if j.name == job_name), None)
        if job is None:
            raise DefinitionNotFound(
                f"location {location!r} has no job {job_name!r}: `weir locations` and the snapshot list its jobs"
            )
        return job.partitions if job.HasField("partitions") else None
    node = next((a for a in snapshot.assets if asset_key_str(a.key) == asset_key), None)
    if node is None:
        raise DefinitionNotFound(
            f"location {location!r} has no asset {asset_key!r}: `weir assets --location {location}` lists its assets"
        )
    return node.partitions if node.HasField("partitions") else None


def compute_keys(
    definition: snapshot_pb2.PartitionsDefinition, now: float, dynamic: Callable[[str], list[str]]
) -> PartitionKeys | None:
    """Keys the host can compute without code; None for a kind only code knows."""
    kind = definition.WhichOneof("kind")
    if kind == "static":
        return PartitionKeys(list(definition.static.keys), "host")
    if kind == "time_window":
        return PartitionKeys(_TIME_WINDOWS.keys(definition.time_window, now), "host")
    if kind == "dynamic":
        return PartitionKeys(dynamic(definition.dynamic.name), "storage")
    if kind == "multi":
        dims = [compute_keys(d.partitions, now, dynamic) for d in definition.multi.dimensions]
        if len(dims) != 2 or any(d is None for d in dims):
            return None
        first, second = dims
        assert first is not None and second is not None
        source = "storage" if "storage" in (first.computed_by, second.computed_by) else "host"
        return PartitionKeys([f"{a}|{b}" for a in first.keys for b in second.keys], source)
    return None


def _dynamic_names(definition: snapshot_pb2.PartitionsDefinition) -> list[str]:
    kind = definition.WhichOneof("kind")
    if kind == "dynamic":
        return [definition.dynamic.name]
    if kind == "multi":
        return [n for d in definition.multi.dimensions for n in _dynamic_names(d.partitions)]
    return []


def _ask_location(handle: LocationHandle, request: codeserver_pb2.GetPartitionKeysRequest) -> list[str]:
    reply = handle.client.partition_keys(request)
    if reply.HasField("error"):
        raise ConfigError(
            f"location {handle.name!r} could not compute partition keys: {reply.error.type}: {reply.error.message}"
        )
    return list(reply.keys)


def list_partition_keys(
    engine: Engine, workspace: WorkspaceManager, location: str, *, asset_key: str = "", job_name: str = "", now: float
) -> PartitionKeys:
    """The partition keys of an asset or job; asks the location only for a kind only code knows."""
    handle = workspace.get(location)
    definition = partitions_of(handle.loaded_snapshot(), location, asset_key, job_name)
    if definition is None:
        what = f"job {job_name!r}" if job_name else f"asset {asset_key!r}"
        raise ConfigError(f"{what} in location {location!r} is not partitioned: give it a partitions_def")

    def dynamic(name: str) -> list[str]:
        with engine.connect() as conn:
            return partition_store.list_dynamic_partitions(conn, name)

    computed = compute_keys(definition, now, dynamic)
    if computed is not None:
        return computed
    request = codeserver_pb2.GetPartitionKeysRequest(job_name=job_name, current_time=now)
    if not job_name:
        request.asset_key.path.extend(asset_key.split("/"))
    for name in _dynamic_names(definition):
        request.dynamic_keys[name].keys.extend(dynamic(name))
    try:
        return PartitionKeys(_ask_location(handle, request), "location")
    except LocationUnavailable as exc:
        raise LocationUnavailable(
            f"the partition keys of {asset_key or job_name!r} need code in location "
            f"{location!r}, which is not reachable: {exc}"
        ) from None


def _partitioned_targets(snapshot: snapshot_pb2.Snapshot, job_name: str, selection: list[str]) -> list[tuple[str, str]]:
    """(asset key, job name) pairs whose keys a run's partition key must be among: the job, when it is
    partitioned, else one asset per distinct partitions definition among the run's assets."""
    job = next((j for j in snapshot.jobs if j.name == job_name), None) if job_name else None
    if job is not None and job.HasField("partitions"):
        return [("", job_name)]
    chosen = set(selection)
    nodes = [
        n
        for n in snapshot.assets
        if n.HasField("partitions") and (job_name in n.job_names if job_name else asset_key_str(n.key) in chosen)
    ]
    by_definition = {n.partitions.SerializeToString(deterministic=True): asset_key_str(n.key) for n in nodes}
    return [(key, "") for key in by_definition.values()]


def check_run_partition(
    engine: Engine,
    workspace: WorkspaceManager,
    location: str,
    *,
    job_name: str,
    selection: list[str],
    partition_key: str,
    now: float,
) -> None:
    """Refuse a run's partition key that its job or assets do not have: an unknown key would run user
    code for a partition that does not exist, and a key names where the run's outputs are stored."""
    snapshot = workspace.get(location).loaded_snapshot()
    what = f"job {job_name!r}" if job_name else f"the selected assets ({', '.join(selection) or 'none'})"
    targets = _partitioned_targets(snapshot, job_name, selection)
    if not targets:
        raise ConfigError(
            f"{what} in location {location!r} are not partitioned: launch the run without a "
            f"partition key (given: {partition_store.shown(partition_key)})"
        )
    for asset_key, job in targets:
        keys = list_partition_keys(engine, workspace, location, asset_key=asset_key, job_name=job, now=now).keys
        if partition_key not in keys:
            raise _unknown_key(partition_key, keys, location, asset_key, job)


def check_unpartitioned_run(
    snapshot: snapshot_pb2.Snapshot, location: str, *, job_name: str, selection: list[str]
) -> None:
    """Refuse a run without a partition key over partitioned assets, as Dagster does: it would store
    an unpartitioned output where partitions belong, and later partitioned runs would then fail."""
    targets = _partitioned_targets(snapshot, job_name, selection)
    if not targets:
        return
    if job_name and targets == [("", job_name)]:
        named = f"job {job_name!r} is partitioned"
    else:
        named = (
            f"asset {targets[0][0]!r} is partitioned"
            if len(targets) == 1
            else f"assets {', '.join(sorted(k for k, _ in targets))} are partitioned"
        )
    example = targets[0][0] or job_name
    raise ConfigError(
        f"{named} in location {location!r}: pass a partition key (weir materialize --partition KEY; "
        f"`weir assets partitions {example} --location {location}` lists them), or launch a backfill "
        f"over several (weir backfill --partitions FIRST...LAST)"
    )


def _unknown_key(key: str, keys: list[str], location: str, asset_key: str, job_name: str) -> ConfigError:
    sample = ", ".join(keys[:5]) + (", ..." if len(keys) > 5 else "") if keys else "none yet"
    owner = f"asset {asset_key!r}" if asset_key else f"job {job_name!r}"
    listing = f"`weir assets partitions {asset_key} --location {location}`" if asset_key else "ListPartitionKeys"
    return ConfigError(
        f"{partition_store.shown(key)} is not a partition of {owner} in location {location!r} "
        f"(partitions: {sample}); {listing} lists them"
    )


def _touches(run_assets: Iterable[str], job_name: str, asset_key: str, job_names: set[str]) -> bool:
    assets = list(run_assets)
    return asset_key in assets if assets else job_name in job_names


def partition_status(
    engine: Engine, workspace: WorkspaceManager, location: str, asset_key: str, *, now: float
) -> PartitionStatusView:
    """Materialized (the asset index), failed (the latest run for the partition failed and nothing
    materialized it later), in progress (a run is queued or running), missing (the rest)."""
    keys = list_partition_keys(engine, workspace, location, asset_key=asset_key, now=now).keys
    snapshot = workspace.get(location).loaded_snapshot()
    node = next(a for a in snapshot.assets if asset_key_str(a.key) == asset_key)
    job_names = set(node.job_names)
    with engine.connect() as conn:
        done = asset_store.materialized_partitions(conn, asset_key)
        runs = partition_store.partitioned_runs(conn, location, (RunStatus.FAILURE, *_IN_PROGRESS))
    latest: dict[str, RunRecord] = {}
    for run in runs:  # oldest first: the last one per partition wins (each names one: partitioned_runs)
        if run.partition_key is not None and _touches(run.asset_selection, run.job_name, asset_key, job_names):
            latest[run.partition_key] = run
    failed: set[str] = set()
    in_progress: set[str] = set()
    for key, run in latest.items():
        if run.status in _IN_PROGRESS:
            in_progress.add(key)
        elif key not in done or done[key].timestamp < run.created_at:
            failed.add(key)
    known = set(keys)
    return PartitionStatusView(
        keys, {k for k in done if k in known}, (failed & known) - in_progress, in_progress & known
    )


def ranges(keys: list[str], members: set[str]) -> list[tuple[str, str, int]]:
    """Runs of consecutive keys (in key order) that are members: (first, last, count)."""
    out: list[tuple[str, str, int]] = []
    extending = False
    for key in keys:
        if key not in members:
            extending = False
            continue
        if extending:
            first, _, count = out[-1]
            out[-1] = (first, key, count + 1)
        else:
            out.append((key, key, 1))
        extending = True
    return out


def check_definition_name(name: str) -> str:
    """A dynamic partitions definition's name as a request gives it, refused when no definition can have it."""
    if not name:
        raise ConfigError("name the dynamic partitions definition (DynamicPartitionsDefinition(name=...))")
    if "\0" in name or len(name) > MAX_DEFINITION_NAME_CHARS:
        raise ConfigError(
            f"no dynamic partitions definition can be named {partition_store.shown(name)}: a name "
            f"holds no NUL and at most {MAX_DEFINITION_NAME_CHARS} characters"
        )
    return name


def change_dynamic_partitions(engine: Engine, name: str, keys: list[str], *, delete: bool) -> tuple[int, list[str]]:
    """Add or delete keys of a dynamic partitions definition; (how many changed, the keys after)."""
    check_definition_name(name)
    with engine.begin() as conn:
        if delete:
            changed = sum(partition_store.delete_dynamic_partition(conn, name, key) for key in keys)
        else:
            changed = partition_store.add_dynamic_partitions(conn, name, keys)
        return changed, partition_store.list_dynamic_partitions(conn, name)
