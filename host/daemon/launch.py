"""Turning a schedule's or sensor's RunRequest into a queued run with its identity (rule 6).

The identity (schedule, logical time, run key) or (sensor, run key) is a unique constraint in
storage, so launching the same request twice stores one run. When a retried tick meets its own run,
the run is found again so the tick still lists it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from host.domain import runs
from host.errors import ConfigError
from host.locations.workspace import WorkspaceManager
from host.storage import runs as run_store
from host.storage.errors import DuplicateRunError
from host.storage.records import RunIdentity, RunRecord
from protos.weir.v1 import common_pb2, host_pb2

ASSET_JOB = runs.IMPLICIT_ASSET_JOB
# How far back a retried tick looks for the run it launched before a crash.
_FIND_RUN_SCAN = 500


@dataclass(frozen=True)
class Target:
    """What a schedule or sensor runs when a RunRequest names nothing itself."""

    job_names: tuple[str, ...]
    asset_selection: tuple[common_pb2.AssetKey, ...]


@dataclass(frozen=True)
class Launched:
    run_id: str
    duplicate: bool  # the identity already had a run: nothing new was queued


def launch_request(
    location: str, request: common_pb2.RunRequest, target: Target, what: str, tags: Mapping[str, str]
) -> host_pb2.LaunchRunRequest:
    """The LaunchRunRequest for a RunRequest, filling the job or assets from the target."""
    job_name = request.job_name
    selection = list(request.asset_selection)
    if not job_name and not selection:
        if len(target.job_names) == 1:
            job_name = target.job_names[0]
        elif len(target.job_names) > 1:
            raise ConfigError(
                f"{what} targets several jobs ({', '.join(target.job_names)}): set job_name on "
                "its RunRequest to choose one"
            )
        elif target.asset_selection:
            selection = list(target.asset_selection)
        else:
            raise ConfigError(
                f"{what} has no target: give it job=, jobs= or asset_selection=, or set "
                "job_name or asset_selection on the RunRequest"
            )
    return host_pb2.LaunchRunRequest(
        location=location,
        job_name=job_name,
        asset_selection=selection,
        run_config_json=request.run_config_json or "{}",
        tags={**request.tags, **tags},
        partition_key=request.partition_key,
    )


def launch(
    engine: Engine,
    workspace: WorkspaceManager,
    request: host_pb2.LaunchRunRequest,
    *,
    now: float,
    identity: RunIdentity,
    matches: Callable[[RunRecord], bool] | None = None,
    step_selection: Sequence[str] = (),
) -> Launched:
    """Queue the run; on a duplicate identity, find the run it already has when `matches` is given."""
    try:
        run = runs.launch_run(engine, workspace, request, now=now, extra=identity, step_selection=step_selection)
    except DuplicateRunError:
        return Launched(_find_run(engine, request, matches) if matches else "", duplicate=True)
    return Launched(run.run_id, duplicate=False)


def _find_run(engine: Engine, request: host_pb2.LaunchRunRequest, matches: Callable[[RunRecord], bool]) -> str:
    job_name = request.job_name or ASSET_JOB
    cursor = None
    scanned = 0
    with engine.connect() as conn:
        while scanned < _FIND_RUN_SCAN:
            page, cursor = run_store.list_runs(
                conn, location=request.location, job_name=job_name, limit=100, cursor=cursor
            )
            for run in page:
                if matches(run):
                    return run.run_id
            scanned += len(page)
            if cursor is None:
                break
    return ""


def error_text(error: common_pb2.UserCodeError) -> str:
    """A user code error for a tick's error column: type, message, traceback."""
    text = f"{error.type}: {error.message}"
    return f"{text}\n{error.traceback}" if error.traceback else text


def evaluation_failure(reply_error: common_pb2.UserCodeError, timed_out: bool, what: str, timeout: float) -> str:
    if timed_out:
        return f"{what} did not finish within {timeout:g} s; raise its deadline or make it faster"
    return f"{what} raised {reply_error.type}: {reply_error.message}"
