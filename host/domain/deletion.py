"""Deleting a run and wiping an asset's history: the checks a person needs before storage forgets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from host.domain.assets import workspace_graph
from host.errors import ConfigError, DefinitionNotFound, RunNotFound, RunStateError
from host.locations.workspace import WorkspaceManager
from host.storage import maintenance
from host.storage import runs as run_store
from host.storage.records import TERMINAL_RUN_STATUSES


def delete_run(engine: Engine, run_id: str) -> None:
    """Delete a finished run with its events, tags and asset index entries, in one transaction.

    Raises:
        RunNotFound: no run has this id.
        RunStateError: the run is queued or in progress.
    """
    if not run_id:
        raise ConfigError("name a run (run_id): `weir runs` lists them")
    with engine.begin() as conn:
        run = run_store.get_run(conn, run_id)
        if run is None:
            raise RunNotFound(f"no run {run_id!r}: `weir runs` lists them")
        if run.status not in TERMINAL_RUN_STATUSES:
            raise RunStateError(
                f"run {run_id} is {run.status}: cancel it first (`weir runs cancel {run_id}`), then delete it"
            )
        maintenance.delete_run(conn, run_id)


def wipe_assets(
    engine: Engine, workspace: WorkspaceManager, asset_keys: Sequence[str], partitions: Sequence[str] = ()
) -> int:
    """Forget the assets' history (of these partitions only, when given); returns how many events it held.

    A key is known when a loaded location defines or declares it, or storage holds its history (an asset
    since removed from the code can still be wiped).

    Raises:
        DefinitionNotFound: a key neither defined nor in storage.
    """
    keys = list(dict.fromkeys(k for k in asset_keys if k))
    if not keys:
        raise ConfigError("name at least one asset to wipe: `weir assets` lists them")
    graph = workspace_graph(workspace)
    with engine.begin() as conn:
        unknown = [k for k in keys if not graph.declared(k) and not maintenance.has_asset_history(conn, k)]
        if unknown:
            raise DefinitionNotFound(
                f"no asset {', '.join(map(repr, unknown))} in any loaded location or in storage: "
                "`weir assets` lists them"
            )
        return maintenance.wipe_assets(conn, keys, list(dict.fromkeys(partitions)))
