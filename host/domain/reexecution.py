"""Re-execution: a new run of a run's job or assets, with its config and tags, linked to it by parent
and root run ids. From failure, only what failed or never ran executes; the rest is loaded through the
IO managers from the runs that produced it (an asset by its key, an op's output by the run that made it).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, Engine

from host.domain.run_tags import HOST_EVALUATED_TAG
from host.domain.runs import IMPLICIT_ASSET_JOB, check_config, check_selection, get_run
from host.errors import ConfigError, DefinitionNotFound, RunStateError
from host.locations.workspace import WorkspaceManager
from host.storage import events as event_store
from host.storage import runs as run_store
from host.storage.records import IN_FLIGHT_RUN_STATUSES, RunRecord, RunStatus
from protos.keys import asset_key_str
from protos.weir.v1 import snapshot_pb2

PARENT_RUN_TAG = "dagster/parent_run_id"  # Dagster's tags, so that `--tag` finds a chain
ROOT_RUN_TAG = "dagster/root_run_id"
RETRY_NUMBER_TAG = "dagster/retry_number"
RETRY_RUN_KEY = "retry"  # with parent_run_id, a retry's identity: one per failed run (uq_runs_retry_identity)
_CHAIN_TAGS = (PARENT_RUN_TAG, ROOT_RUN_TAG, RETRY_NUMBER_TAG)


def reexecute_run(
    engine: Engine,
    workspace: WorkspaceManager,
    run_id: str,
    *,
    from_failure: bool,
    selection: Sequence[str] = (),
    now: float,
    retry_number: int | None = None,
) -> RunRecord:
    """Queue a re-execution of `run_id`; a retry (retry_number set) is stored at most once per run.

    Raises:
        RunStateError: from failure, a run that did not fail.
        DuplicateRunError (storage): the run already has its retry.
    """
    parent = get_run(engine, run_id)
    if HOST_EVALUATED_TAG in parent.tags:
        raise RunStateError(
            f"run {run_id} holds freshness checks the host evaluated itself (no step ran): there is nothing to "
            "re-execute; its sensor evaluates them again on its next tick (`weir sensors preview` shows which are due)"
        )
    if from_failure and selection:
        raise ConfigError("--from-failure and --select exclude each other: pick one")
    if from_failure:
        _check_failed(parent)
    handle = workspace.get(parent.location)
    snapshot = handle.loaded_snapshot()
    job_name = "" if parent.job_name == IMPLICIT_ASSET_JOB else parent.job_name
    job = check_selection(snapshot, parent.location, job_name, [])
    check_config(job, parent.run_config_json)
    with engine.connect() as conn:
        chain = _chain(conn, parent)
        history = event_store.step_history(conn, [r.run_id for r in chain])
    assets, steps, outputs = _plan(parent, job, snapshot, history, from_failure, list(selection))
    tags = {k: v for k, v in parent.tags.items() if k not in _CHAIN_TAGS}
    root = parent.root_run_id or parent.run_id
    tags.update({PARENT_RUN_TAG: parent.run_id, ROOT_RUN_TAG: root})
    if retry_number is not None:
        tags[RETRY_NUMBER_TAG] = str(retry_number)
    run = RunRecord(
        run_id=uuid.uuid4().hex,
        location=parent.location,
        job_name=parent.job_name,
        status=RunStatus.QUEUED,
        asset_selection=tuple(assets),
        run_config_json=parent.run_config_json,
        tags=tags,
        snapshot_id=handle.state.snapshot_id,
        created_at=now,
        partition_key=parent.partition_key,
        run_key=RETRY_RUN_KEY if retry_number is not None else None,
        parent_run_id=parent.run_id,
        root_run_id=root,
        step_selection=tuple(steps),
        output_runs=outputs,
    )
    with engine.begin() as conn:
        run_store.add_run(conn, run)
    return run


def _check_failed(run: RunRecord) -> None:
    if run.status == RunStatus.SUCCESS:
        raise RunStateError(
            f"run {run.run_id} succeeded: nothing failed to re-execute. "
            f"`weir runs reexecute {run.run_id}` runs it all again, --select KEYS a part"
        )
    if run.status in (RunStatus.QUEUED, *IN_FLIGHT_RUN_STATUSES, RunStatus.CANCELING):
        raise RunStateError(
            f"run {run.run_id} is {run.status}: re-execute it from failure once it has ended "
            f"(`weir runs cancel {run.run_id}` stops it)"
        )


def _chain(conn: Connection, parent: RunRecord) -> list[RunRecord]:
    """The runs from the root of the re-execution chain to `parent`, oldest first."""
    chain = [parent]
    while chain[-1].parent_run_id and len(chain) < 1000:
        earlier = run_store.get_run(conn, chain[-1].parent_run_id)
        if earlier is None:  # deleted: its outputs are unknown from here on
            break
        chain.append(earlier)
    return chain[::-1]


def _plan(
    parent: RunRecord,
    job: snapshot_pb2.Job | None,
    snapshot: snapshot_pb2.Snapshot,
    history: list[tuple[str, str, str, str | None]],
    from_failure: bool,
    selection: list[str],
) -> tuple[list[str], list[str], dict[str, str]]:
    """(asset selection, step selection, output runs) of the new run."""
    if job is None or job.is_asset_job:
        return _asset_plan(parent, job, snapshot, history, from_failure, selection), [], {}
    outputs: dict[str, str] = {}  # step -> the latest run of the chain in which it succeeded
    for run_id, event_type, step, _ in history:
        if event_type == "STEP_START":
            outputs.pop(step, None)
        elif event_type == "STEP_SUCCESS":
            outputs[step] = run_id
    if from_failure:
        return [], [], outputs  # the sdk executes every step without an output run
    if not selection:
        return [], [], {}
    known = {n.name for n in job.nodes}
    unknown = sorted({s.split(".", 1)[0] for s in selection} - known)
    if unknown:
        raise DefinitionNotFound(
            f"job {job.name!r} has no step {', '.join(unknown)} (steps: {', '.join(sorted(known)) or 'none'})"
        )
    return [], selection, {k: v for k, v in outputs.items() if k not in selection}


def _asset_plan(
    parent: RunRecord,
    job: snapshot_pb2.Job | None,
    snapshot: snapshot_pb2.Snapshot,
    history: list[tuple[str, str, str, str | None]],
    from_failure: bool,
    selection: list[str],
) -> list[str]:
    """The assets to materialize: a subset of an asset run loads the others through their IO managers."""
    scope = list(parent.asset_selection) or [asset_key_str(k) for k in (job.asset_selection if job else ())]
    if from_failure:
        done = {
            asset
            for run_id, event_type, _, asset in history
            if run_id == parent.run_id and event_type == event_store.MATERIALIZATION and asset
        }
        return [k for k in scope if k not in done] or scope
    if not selection:
        return scope
    allowed = set(scope) if job is not None else {asset_key_str(a.key) for a in snapshot.assets if a.is_executable}
    missing = sorted(set(selection) - allowed)
    if missing:
        raise DefinitionNotFound(
            f"run {parent.run_id} cannot re-execute {', '.join(missing)}: "
            f"its assets are {', '.join(sorted(allowed)[:30]) or 'none'}"
        )
    return [k for k in selection if k in allowed]
