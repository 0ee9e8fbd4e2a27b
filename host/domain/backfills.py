"""Backfills: creating one (validated against the snapshot), its plan of runs, its status per partition,
and cancelling it. The daemon (host/daemon/backfills.py) submits the runs.

A backfill's plan is fixed when it is created: its partition keys (in storage) and how many
partitions each run covers (in the record's cursor), from the selected assets' backfill policies. Run
i of the plan has the run key "<first>...<last>" (or the partition key, for one partition), and
(backfill_id, run_key) is unique in storage: submitting a run twice, after a crash, stores it once.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine

from host.domain.partitions import list_partition_keys, partitions_of
from host.domain.runs import (
    IMPLICIT_ASSET_JOB,
    RANGE_END_TAG,
    RANGE_START_TAG,
    check_config,
    check_selection,
    check_tags,
)
from host.errors import ConfigError, DefinitionNotFound
from host.locations.workspace import WorkspaceManager
from host.storage import partitions as partition_store
from host.storage.records import TERMINAL_RUN_STATUSES, BackfillRecord, BackfillStatus, RunRecord, RunStatus
from protos.keys import asset_key_str
from protos.weir.v1 import common_pb2, host_pb2, snapshot_pb2

BACKFILL_TAG = "dagster/backfill"


class BackfillNotFound(DefinitionNotFound):
    pass


@dataclass(frozen=True)
class PlannedRun:
    run_key: str
    partition_keys: tuple[str, ...]


def partitions_per_run(backfill: BackfillRecord) -> int:
    """0 means one run for every partition (single_run)."""
    return int(json.loads(backfill.cursor or "{}").get("partitions_per_run", 1))


def in_order(backfill: BackfillRecord) -> bool:
    """Whether the backfill's runs must run one after the other, in partition order."""
    return bool(json.loads(backfill.cursor or "{}").get("in_order", False))


def reads_other_partitions(nodes: list[snapshot_pb2.AssetNode]) -> bool:
    """Whether a selected asset reads other partitions of another selected asset (yesterday's events,
    all of them, the last one): then partition D's run needs the runs before it to have finished, and
    the backfill submits its runs in partition order, one at a time."""
    selected = {asset_key_str(n.key) for n in nodes}
    for node in nodes:
        for mapping in node.dep_partition_mappings:
            if asset_key_str(mapping.upstream) not in selected:
                continue
            same_window = (
                mapping.kind == "TimeWindowPartitionMapping" and mapping.start_offset == 0 and mapping.end_offset == 0
            )
            if not same_window:
                return True
    return False


def plan(backfill: BackfillRecord) -> list[PlannedRun]:
    keys = backfill.partition_keys
    size = partitions_per_run(backfill) or max(1, len(keys))
    chunks = [tuple(keys[i : i + size]) for i in range(0, len(keys), size)]
    return [PlannedRun(c[0] if len(c) == 1 else f"{c[0]}...{c[-1]}", c) for c in chunks]


def run_record(backfill: BackfillRecord, planned: PlannedRun, snapshot_id: str, now: float) -> RunRecord:
    """The run for one entry of the plan; its identity (backfill_id, run_key) makes it idempotent."""
    tags = {**backfill.tags, BACKFILL_TAG: backfill.backfill_id}
    if len(planned.partition_keys) > 1:
        tags.update({RANGE_START_TAG: planned.partition_keys[0], RANGE_END_TAG: planned.partition_keys[-1]})
    return RunRecord(
        run_id=uuid.uuid4().hex,
        location=backfill.location,
        job_name=backfill.job_name or IMPLICIT_ASSET_JOB,
        status=RunStatus.QUEUED,
        asset_selection=tuple(backfill.asset_selection),
        run_config_json=backfill.run_config_json,
        tags=tags,
        snapshot_id=snapshot_id,
        created_at=now,
        backfill_id=backfill.backfill_id,
        run_key=planned.run_key,
        partition_key=planned.partition_keys[0] if len(planned.partition_keys) == 1 else None,
    )


def _selected_nodes(
    snapshot: snapshot_pb2.Snapshot, request: host_pb2.LaunchBackfillRequest
) -> list[snapshot_pb2.AssetNode]:
    if request.job_name:
        job = next(j for j in snapshot.jobs if j.name == request.job_name)
        wanted = {asset_key_str(k) for k in (request.asset_selection or job.asset_selection)}
    else:
        wanted = {asset_key_str(k) for k in request.asset_selection}
    return [a for a in snapshot.assets if asset_key_str(a.key) in wanted]


def _per_run(nodes: list[snapshot_pb2.AssetNode]) -> int:
    """The strictest backfill policy among the selected assets (0: single run for all)."""
    sizes = [
        (0 if n.backfill_policy.single_run else n.backfill_policy.max_partitions_per_run)
        if n.HasField("backfill_policy")
        else 1
        for n in nodes
    ]
    if not sizes or all(s == 0 for s in sizes):
        return 0 if sizes else 1
    return min(s for s in sizes if s > 0)


def _choose_keys(all_keys: list[str], request: host_pb2.LaunchBackfillRequest) -> list[str]:
    if request.all_partitions:
        return all_keys
    if request.range_start or request.range_end:
        missing = [k for k in (request.range_start, request.range_end) if k not in all_keys]
        if missing:
            sample = f"{all_keys[0]} ... {all_keys[-1]}" if all_keys else "none"
            raise ConfigError(
                f"partition {missing[0]!r} does not exist (partitions: {sample}); "
                "`weir assets partitions KEY` lists them"
            )
        first, last = all_keys.index(request.range_start), all_keys.index(request.range_end)
        if first > last:
            raise ConfigError(
                f"partition range {request.range_start}...{request.range_end} is backwards; put the earlier key first"
            )
        return all_keys[first : last + 1]
    known = set(all_keys)
    unknown = [k for k in request.partition_keys if k not in known]
    if unknown:
        raise ConfigError(f"unknown partition keys {', '.join(unknown[:5])}: `weir assets partitions KEY` lists them")
    if not request.partition_keys:
        raise ConfigError("choose partitions: a range (2024-01-01...2024-01-31), keys, or all partitions")
    return list(dict.fromkeys(request.partition_keys))


def _partitioned_target(
    snapshot: snapshot_pb2.Snapshot, request: host_pb2.LaunchBackfillRequest, nodes: list[snapshot_pb2.AssetNode]
) -> tuple[str, str]:
    """(asset key, job name) to list the keys of; every selected partitioned asset must share them."""
    if request.job_name and partitions_of(snapshot, request.location, job_name=request.job_name) is not None:
        return "", request.job_name
    partitioned = [n for n in nodes if n.HasField("partitions")]
    if not partitioned:
        raise ConfigError("nothing selected is partitioned: a backfill needs assets with a partitions_def")
    kinds = {n.partitions.SerializeToString(deterministic=True) for n in partitioned}
    if len(kinds) > 1:
        names = ", ".join(asset_key_str(n.key) for n in partitioned)
        raise ConfigError(f"the selected assets ({names}) have different partitions; backfill them separately")
    return asset_key_str(partitioned[0].key), ""


def create_backfill(
    engine: Engine, workspace: WorkspaceManager, request: host_pb2.LaunchBackfillRequest, *, now: float
) -> BackfillRecord:
    """Validate the selection, config and partitions against the snapshot and store the backfill."""
    snapshot = workspace.get(request.location).loaded_snapshot()
    selection = [asset_key_str(k) for k in request.asset_selection]
    job = check_selection(snapshot, request.location, request.job_name, selection)
    check_tags(request.tags)
    nodes = _selected_nodes(snapshot, request)
    check_config(job, request.run_config_json, snapshot, [asset_key_str(n.key) for n in nodes])
    asset_key, job_name = _partitioned_target(snapshot, request, nodes)
    all_keys = list_partition_keys(
        engine, workspace, request.location, asset_key=asset_key, job_name=job_name, now=now
    ).keys
    keys = _choose_keys(all_keys, request)
    order = {key: i for i, key in enumerate(all_keys)}
    keys.sort(key=order.__getitem__)
    contiguous = order[keys[-1]] - order[keys[0]] == len(keys) - 1
    per_run = _per_run(nodes) if contiguous else 1  # a range run covers everything between its ends
    backfill = BackfillRecord(
        backfill_id=uuid.uuid4().hex[:12],
        location=request.location,
        status=BackfillStatus.REQUESTED,
        created_at=now,
        partition_keys=tuple(keys),
        asset_selection=tuple(selection),
        job_name=request.job_name or None,
        run_config_json=request.run_config_json or "{}",
        tags=dict(request.tags),
        cursor=json.dumps({"partitions_per_run": per_run, "in_order": reads_other_partitions(nodes)}),
    )
    with engine.begin() as conn:
        partition_store.add_backfill(conn, backfill)
    return backfill


def get_backfill(engine: Engine, backfill_id: str) -> BackfillRecord:
    with engine.connect() as conn:
        backfill = partition_store.get_backfill(conn, backfill_id)
    if backfill is None:
        raise BackfillNotFound(f"no backfill {backfill_id!r}: `weir backfill list` lists them")
    return backfill


def partition_statuses(engine: Engine, backfill: BackfillRecord) -> list[tuple[str, str, str]]:
    """(partition key, status, run id) per partition: the status of its run, or NOT_SUBMITTED."""
    with engine.connect() as conn:
        by_key = {r.run_key: r for r in partition_store.backfill_runs(conn, backfill.backfill_id)}
    out = []
    for planned in plan(backfill):
        run = by_key.get(planned.run_key)
        for key in planned.partition_keys:
            out.append((key, run.status if run else "NOT_SUBMITTED", run.run_id if run else ""))
    return out


def backfill_to_proto(engine: Engine, backfill: BackfillRecord, *, with_partitions: bool) -> host_pb2.Backfill:
    statuses = partition_statuses(engine, backfill)
    message = host_pb2.Backfill(
        backfill_id=backfill.backfill_id,
        location=backfill.location,
        job_name=backfill.job_name or "",
        asset_selection=[common_pb2.AssetKey(path=k.split("/")) for k in backfill.asset_selection],
        status=backfill.status,
        created_at=backfill.created_at,
        partition_count=len(backfill.partition_keys),
        run_count=len(plan(backfill)),
        submitted_runs=backfill.submitted,
        error=backfill.error or "",
        partitions_by_status=dict(Counter(status for _, status, _ in statuses)),
        partitions_per_run=partitions_per_run(backfill),
    )
    if with_partitions:
        message.partitions.extend(
            host_pb2.BackfillPartition(partition_key=k, status=s, run_id=r) for k, s, r in statuses
        )
    return message


def cancel_backfill(engine: Engine, backfill_id: str) -> BackfillRecord:
    """Ask the daemon to stop: no more runs are submitted; queued ones are canceled, running ones asked to."""
    backfill = get_backfill(engine, backfill_id)
    if backfill.status != BackfillStatus.REQUESTED:
        return backfill
    with engine.begin() as conn:
        return partition_store.update_backfill(conn, backfill_id, status=BackfillStatus.CANCELING)


def finished(runs: list[RunRecord]) -> bool:
    return all(r.status in TERMINAL_RUN_STATUSES for r in runs)
