"""The asset catalog: every asset of every loaded location with its latest status, in one lean answer
(the web UI's `/assets`, 5,000 assets in well under 100 ms).

Two parts that change at different paces, each cached:
- the definitions, per set of (location, snapshot id): snapshots are content-addressed, so this part
  is computed once per change of code, never per request;
- the status, from the asset index, the check index and the runs table in a fixed handful of queries
  (never one per asset), kept until storage's change mark (`asset_store.index_mark`) moves.

Statuses, in the order they win: in_progress (a queued or running run targets the asset), failed (the
newest failed run that targeted it started after its latest materialization), materialized, missing.
A run targets the assets of its selection, or, without one, every asset of its job.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from host.domain.asset_graph import GlobalAssetGraph, LoadedSnapshot, build_graph, loaded_snapshots, version_of
from host.domain.asset_selection import select
from host.domain.partitions import compute_keys
from host.errors import ConfigError
from host.locations.workspace import WorkspaceManager
from host.storage import assets as asset_store
from host.storage import partitions as partition_store
from host.storage import runs as run_store
from host.storage.records import RunRecord, RunStatus
from protos.keys import asset_key_str
from protos.weir.v1 import snapshot_pb2

STATUSES = ("materialized", "failed", "missing", "in_progress")
ACTIVE = (RunStatus.QUEUED, RunStatus.STARTING, RunStatus.STARTED, RunStatus.CANCELING)
# How many of the newest failed runs decide "failed". An asset whose newest failure is older than
# this many failures of other assets shows as missing or materialized.
FAILED_RUNS_SCANNED = 2000
DESCRIPTION_CHARS = 200
FIELDS = (
    "key",
    "location",
    "group",
    "kinds",
    "owners",
    "tags",
    "description",
    "executable",
    "declared_in",
    "partitions",  # null, or [materialized, total] (total null when only code knows the keys)
    "latest",  # null, or [timestamp, run id, partition key]
    "status",
    "status_run",  # the run that makes it failed or in progress ("" otherwise)
    "checks",  # [passed, failed, defined]
)


@dataclass(frozen=True)
class CatalogDefinitions:
    """What the snapshots say, by graph node number; rows[i] is None for a key no location declares."""

    graph: GlobalAssetGraph
    version: str
    rows: list[list[Any] | None]
    job_assets: dict[tuple[str, str], list[int]]  # (location, job) -> its assets
    location_assets: dict[str, list[int]]  # location -> its executable assets
    partitions: dict[bytes, tuple[snapshot_pb2.PartitionsDefinition, list[int]]]  # by definition bytes
    check_counts: list[int]
    time_windows: bool  # some asset's partitions grow with time


def catalog_definitions(loaded: Sequence[LoadedSnapshot]) -> CatalogDefinitions:
    """The definition part of every asset's row (key, location, group, kinds, ..., executable)."""
    graph = build_graph(loaded)
    speaking: dict[str, snapshot_pb2.AssetNode] = {}
    job_assets: dict[tuple[str, str], list[int]] = {}
    location_assets: dict[str, list[int]] = {}
    for item in loaded:
        for node in item.snapshot.assets:
            key = asset_key_str(node.key)
            i = graph.index[key]
            if graph.nodes[i].location == item.location and key not in speaking:
                speaking[key] = node
            if node.is_executable:
                location_assets.setdefault(item.location, []).append(i)
                for job in node.job_names:
                    job_assets.setdefault((item.location, job), []).append(i)
    rows: list[list[Any] | None] = []
    partitions: dict[bytes, tuple[snapshot_pb2.PartitionsDefinition, list[int]]] = {}
    check_counts = []
    time_windows = False
    for i, info in enumerate(graph.nodes):
        spoken = speaking.get(info.key)
        check_counts.append(len(info.checks))
        if spoken is None or not info.location:
            rows.append(None)
            continue
        if spoken.HasField("partitions"):
            raw = spoken.partitions.SerializeToString(deterministic=True)
            partitions.setdefault(raw, (spoken.partitions, []))[1].append(i)
            time_windows = time_windows or spoken.partitions.WhichOneof("kind") in ("time_window", "multi")
        rows.append(
            [
                info.key,
                info.location,
                info.group,
                list(info.kinds),
                list(info.owners),
                dict(info.tags),
                _first_line(spoken.description),
                info.executable,
                list(info.declared_in),
            ]
        )
    return CatalogDefinitions(
        graph, version_of(loaded), rows, job_assets, location_assets, partitions, check_counts, time_windows
    )


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= DESCRIPTION_CHARS else line[: DESCRIPTION_CHARS - 1] + "…"


@dataclass
class CatalogStatus:
    """The status part of every row, by graph node number."""

    status: list[str]
    status_run: list[str]
    latest: list[list[Any] | None]
    partitions: list[list[int | None] | None]
    checks: list[list[int]]


def catalog_status(engine: Engine, defs: CatalogDefinitions, now: float) -> CatalogStatus:
    """Statuses from storage in a fixed number of queries (plus one per dynamic partitions definition)."""
    n = len(defs.graph)
    index = defs.graph.index
    with engine.connect() as conn:
        latest = asset_store.latest_materializations(conn)
        partition_counts = asset_store.materialized_partition_counts(conn) if defs.partitions else {}
        evaluations = asset_store.latest_check_evaluations(conn)
        active = run_store.runs_with_status(conn, ACTIVE)
        failures, _ = run_store.list_runs(conn, statuses=(RunStatus.FAILURE,), limit=FAILED_RUNS_SCANNED)
        totals = _partition_totals(defs, now, lambda name: len(partition_store.list_dynamic_partitions(conn, name)))
    status = ["missing"] * n
    status_run = [""] * n
    latest_rows: list[list[Any] | None] = [None] * n
    for key, record in latest.items():
        i = index.get(key)
        if i is not None:
            latest_rows[i] = [record.timestamp, record.run_id, record.partition_key or ""]
            status[i] = "materialized"
    decided: set[int] = set()
    for run in failures:  # newest first: the first failure found per asset decides
        for i in _targets(defs, run):
            if i in decided:
                continue
            decided.add(i)
            mat = latest_rows[i]
            if mat is None or mat[0] < run.created_at:
                status[i], status_run[i] = "failed", run.run_id
    for run in active:
        for i in _targets(defs, run):
            status[i], status_run[i] = "in_progress", run.run_id
    checks = [[0, 0, count] for count in defs.check_counts]
    for (key, _name), evaluation in evaluations.items():
        i = index.get(key)
        if i is not None:
            checks[i][0 if evaluation.passed else 1] += 1
    partitions: list[list[int | None] | None] = [None] * n
    for _raw, (_definition, members) in defs.partitions.items():
        total = totals.get(_raw)
        for i in members:
            done = partition_counts.get(defs.graph.nodes[i].key, 0)
            partitions[i] = [done if total is None else min(done, total), total]
    return CatalogStatus(status, status_run, latest_rows, partitions, checks)


def _targets(defs: CatalogDefinitions, run: RunRecord) -> Iterable[int]:
    if run.asset_selection:
        found = (defs.graph.index.get(key) for key in run.asset_selection)
        return [i for i in found if i is not None]
    return defs.job_assets.get((run.location, run.job_name), ())


def _partition_totals(defs: CatalogDefinitions, now: float, dynamic_count: Callable[[str], int]) -> dict[bytes, int]:
    """How many keys each partitions definition has now; definitions only code can list are left out."""
    totals: dict[bytes, int] = {}
    for raw, (definition, _members) in defs.partitions.items():
        if definition.WhichOneof("kind") == "dynamic":
            totals[raw] = dynamic_count(definition.dynamic.name)
            continue
        computed = compute_keys(definition, now, lambda name: ["?"] * dynamic_count(name))
        if computed is not None:
            totals[raw] = len(computed.keys)
    return totals


@dataclass(frozen=True)
class CatalogPage:
    """One answer of the catalog: its JSON body and the ETag naming exactly that body."""

    etag: str
    body: bytes


@dataclass
class _Cache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    definitions: CatalogDefinitions | None = None
    definitions_of: tuple[tuple[str, str], ...] = ()
    status: CatalogStatus | None = None
    status_of: tuple[Any, ...] = ()
    bodies: dict[str, bytes] = field(default_factory=dict)


class AssetCatalog:
    """The catalog of a workspace over its storage, cached as the module docstring says."""

    def __init__(self, engine: Engine, workspace: WorkspaceManager, clock: Callable[[], float]) -> None:
        self._engine = engine
        self._workspace = workspace
        self._clock = clock
        self._cache = _Cache()

    def definitions(self) -> CatalogDefinitions:
        loaded = loaded_snapshots(self._workspace)
        ident = tuple(sorted((s.location, s.snapshot_id) for s in loaded))
        cache = self._cache
        with cache.lock:
            if cache.definitions is None or cache.definitions_of != ident:
                cache.definitions, cache.definitions_of = catalog_definitions(loaded), ident
                cache.status, cache.bodies = None, {}
            return cache.definitions

    def etag(self, selection: str = "") -> str:
        """The ETag the current answer would have: cheap (one small query), so a reload can be a 304
        without computing anything."""
        defs = self.definitions()
        return _etag(defs, self._mark(defs), selection)

    def page(self, selection: str = "") -> CatalogPage:
        """Every asset (or those `selection` picks, in Dagster's selection syntax) with its status.

        Raises:
            SelectionError: the selection does not parse.
        """
        defs = self.definitions()
        mark = self._mark(defs)
        etag = _etag(defs, mark, selection)
        cache = self._cache
        with cache.lock:
            body = cache.bodies.get(etag)
            if body is not None:
                return CatalogPage(etag, body)
            if cache.status is None or cache.status_of != (defs.version, mark):
                cache.status = catalog_status(self._engine, defs, self._clock())
                cache.status_of, cache.bodies = (defs.version, mark), {}
            status = cache.status
        only = self._select(defs, status, selection) if selection.strip() else None
        body = json.dumps(_payload(defs, status, only), separators=(",", ":"), allow_nan=False).encode()
        with cache.lock:
            if len(cache.bodies) >= 16:
                cache.bodies.clear()
            cache.bodies[etag] = body
        return CatalogPage(etag, body)

    def _mark(self, defs: CatalogDefinitions) -> tuple[Any, ...]:
        with self._engine.connect() as conn:
            mark = tuple(asset_store.index_mark(conn))
        # Time-window partitions grow with the clock: totals are recounted at most once a minute.
        return (*mark, int(self._clock() // 60)) if defs.time_windows else mark

    @staticmethod
    def _select(defs: CatalogDefinitions, status: CatalogStatus, selection: str) -> set[int]:
        def by_status(value: str) -> Iterable[int]:
            wanted = value.replace(" ", "_").lower()
            if wanted not in STATUSES:
                raise ConfigError(f"status:{value} is not a status: pick from {', '.join(STATUSES)}")
            return (i for i, s in enumerate(status.status) if s == wanted)

        return select(defs.graph, selection, strict=False, filters={"status": by_status})


def _etag(defs: CatalogDefinitions, mark: tuple[Any, ...], selection: str) -> str:
    text = json.dumps([defs.version, mark, selection], default=str)
    return '"c' + hashlib.blake2b(text.encode(), digest_size=12).hexdigest() + '"'


def _payload(defs: CatalogDefinitions, status: CatalogStatus, only: set[int] | None) -> dict[str, Any]:
    assets = []
    for i, row in enumerate(defs.rows):
        if row is None or (only is not None and i not in only):
            continue
        assets.append(
            [
                *row,
                status.partitions[i],
                status.latest[i],
                status.status[i],
                status.status_run[i],
                status.checks[i],
            ]
        )
    return {"version": defs.version, "fields": FIELDS, "assets": assets, "selected": only is not None}
