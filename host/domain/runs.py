"""Launching and canceling runs, and the conversions between run records and wire messages.

A run is planned against the location's snapshot: the host checks the job or assets exist and the
run config fits the job's JSON Schema before anything is queued.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from host.domain.config_schema import selection_config_schema
from host.domain.launcher import RunLauncher
from host.domain.partitions import check_run_partition, check_unpartitioned_run
from host.domain.run_tags import check_limit_tags
from host.errors import ConfigError, DefinitionNotFound, RunNotFound
from host.locations.workspace import WorkspaceManager
from host.storage import runs as run_store
from host.storage.records import TERMINAL_RUN_STATUSES, RunIdentity, RunRecord, RunStatus
from protos.keys import asset_key_str, parse_asset_key
from protos.weir.v1 import codeserver_pb2, host_pb2, snapshot_pb2

Clock = Callable[[], float]
RANGE_START_TAG = "dagster/asset_partition_range_start"  # a run over a range of partitions (backfills)
RANGE_END_TAG = "dagster/asset_partition_range_end"
DEFAULT_KILL_GRACE_SECONDS = 10.0  # as run_monitoring.kill_grace_seconds
IMPLICIT_ASSET_JOB = "__ASSET_JOB"  # the sdk's name for a run over an asset selection without a job


def run_to_proto(run: RunRecord) -> host_pb2.Run:
    return host_pb2.Run(
        run_id=run.run_id,
        location=run.location,
        job_name=run.job_name,
        status=host_pb2.RunStatus.Value(run.status),
        asset_selection=[parse_asset_key(k) for k in run.asset_selection],
        run_config_json=run.run_config_json,
        tags=dict(run.tags),
        snapshot_id=run.snapshot_id,
        created_at=run.created_at,
        started_at=run.started_at or 0.0,
        ended_at=run.ended_at or 0.0,
        failure_reason=run.failure_reason or "",
        partition_key=run.partition_key or "",
        schedule_name=run.schedule_name or "",
        sensor_name=run.sensor_name or "",
        backfill_id=run.backfill_id or "",
        parent_run_id=run.parent_run_id or "",
        root_run_id=run.root_run_id or "",
    )


def start_request(run: RunRecord) -> codeserver_pb2.StartRunRequest:
    """What the location needs to start the run's worker."""
    return codeserver_pb2.StartRunRequest(
        run_id=run.run_id,
        job_name="" if run.job_name == IMPLICIT_ASSET_JOB else run.job_name,
        asset_selection=[parse_asset_key(k) for k in run.asset_selection],
        run_config_json=run.run_config_json,
        tags=dict(run.tags),
        snapshot_id=run.snapshot_id,
        partition_key=run.partition_key or "",
        step_selection=run.step_selection,
        output_runs=dict(run.output_runs),
    )


def check_selection(
    snapshot: snapshot_pb2.Snapshot, location: str, job_name: str, selection: list[str]
) -> snapshot_pb2.Job | None:
    """The job to run (None for an implicit asset job); errors name what exists instead."""
    if job_name:
        job = next((j for j in snapshot.jobs if j.name == job_name), None)
        if job is None:
            known = ", ".join(sorted(j.name for j in snapshot.jobs)) or "none"
            raise DefinitionNotFound(f"location {location!r} has no job {job_name!r} (jobs: {known})")
        return job
    executable = {asset_key_str(a.key) for a in snapshot.assets if a.is_executable}
    missing = [k for k in selection if k not in executable]
    if missing:
        sample = ", ".join(sorted(executable)[:20]) or "none"
        raise DefinitionNotFound(
            f"location {location!r} has no materializable asset {', '.join(missing)} (assets: {sample})"
        )
    return None


def check_config(
    job: snapshot_pb2.Job | None,
    run_config_json: str,
    snapshot: snapshot_pb2.Snapshot | None = None,
    selection: Sequence[str] = (),
) -> None:
    """Refuse run config that the run would refuse: against the job's schema, or for an implicit asset
    job (no job named) against the schema its selected assets make (host/domain/config_schema.py)."""
    try:
        config = json.loads(run_config_json or "{}")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"run config is not valid JSON: {exc}") from None
    if not isinstance(config, dict):
        raise ConfigError('run config must be a mapping like {"ops": {...}, "resources": {...}}')
    if job is not None:
        if job.config_schema:
            _validate(json.loads(job.config_schema), config, f"invalid run config for job {job.name!r}")
        return
    if snapshot is None:
        return
    wanted = set(selection)
    nodes = [a for a in snapshot.assets if asset_key_str(a.key) in wanted]
    schema = selection_config_schema(snapshot, nodes)
    if schema is not None:
        names = ", ".join(sorted(wanted)[:5]) + (" ..." if len(wanted) > 5 else "")
        _validate(schema, config, f"invalid run config for the assets {names}")


def _validate(schema: dict[str, Any], value: object, what: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  {'.'.join(str(p) for p in e.absolute_path) or '(top level)'}: {e.message}" for e in errors]
        raise ConfigError(f"{what}:\n" + "\n".join(lines))


def check_tags(tags: Mapping[str, str]) -> None:
    """Tags Weir acts on must hold values it can use."""
    check_limit_tags(tags)


def launch_run(
    engine: Engine,
    workspace: WorkspaceManager,
    request: host_pb2.LaunchRunRequest,
    *,
    now: float,
    extra: RunIdentity | None = None,
    step_selection: Sequence[str] = (),
) -> RunRecord:
    """Validate the request against the location's snapshot and queue the run (only `step_selection`'s
    steps execute when given: automation requesting an asset check alone)."""
    handle = workspace.get(request.location)
    snapshot = handle.loaded_snapshot()
    selection = [asset_key_str(k) for k in request.asset_selection]
    job = check_selection(snapshot, request.location, request.job_name, selection)
    tags = {**(job.run_tags if job is not None else {}), **request.tags}  # the request's tags win
    check_tags(tags)
    if not request.job_name and not selection:
        selection = sorted(asset_key_str(a.key) for a in snapshot.assets if a.is_executable)
    check_config(job, request.run_config_json, snapshot, selection)
    if request.partition_key:
        check_run_partition(
            engine,
            workspace,
            request.location,
            job_name=request.job_name,
            selection=selection,
            partition_key=request.partition_key,
            now=now,
        )
    elif not (RANGE_START_TAG in request.tags and RANGE_END_TAG in request.tags):
        check_unpartitioned_run(snapshot, request.location, job_name=request.job_name, selection=selection)
    run = RunRecord(
        run_id=uuid.uuid4().hex,
        location=request.location,
        job_name=request.job_name or IMPLICIT_ASSET_JOB,
        status=RunStatus.QUEUED,
        asset_selection=tuple(selection),
        run_config_json=request.run_config_json or "{}",
        tags=tags,
        snapshot_id=handle.state.snapshot_id,
        created_at=now,
        partition_key=request.partition_key or None,
        step_selection=tuple(step_selection),
        **(extra or RunIdentity()),
    )
    with engine.begin() as conn:
        run_store.add_run(conn, run)
    return run


def get_run(engine: Engine, run_id: str) -> RunRecord:
    with engine.connect() as conn:
        run = run_store.get_run(conn, run_id)
    if run is None:
        raise RunNotFound(f"no run {run_id!r}: `weir runs` lists the runs")
    return run


def cancel_run(
    engine: Engine,
    workspace: WorkspaceManager,
    run_id: str,
    *,
    now: float,
    grace_seconds: float = DEFAULT_KILL_GRACE_SECONDS,
    launcher: RunLauncher | None = None,
) -> RunRecord:
    """A queued run ends CANCELED at once; a run in progress is asked to stop (CANCELING) and its
    worker's process group is killed if it has not stopped `grace_seconds` later (0: never).
    The request goes through the host's run launcher (without one: to the location's code server)."""
    run = get_run(engine, run_id)
    if run.status in TERMINAL_RUN_STATUSES:
        return run
    with engine.begin() as conn:
        if run.status == RunStatus.QUEUED:
            return run_store.set_run_status(conn, run_id, RunStatus.CANCELED, at=now, failure_reason="canceled")
        run = run_store.set_run_status(conn, run_id, RunStatus.CANCELING, at=now)
    if launcher is not None:
        found = launcher.cancel(run, grace_seconds=grace_seconds)
    else:
        found = workspace.get(run.location).client.cancel_run(run_id, grace_seconds=grace_seconds)
    if not found:
        with engine.begin() as conn:
            run = run_store.set_run_status(
                conn, run_id, RunStatus.CANCELED, at=now, failure_reason="canceled before its worker started"
            )
    return run
