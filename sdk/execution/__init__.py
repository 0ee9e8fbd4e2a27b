"""The execution engine: plans, executors, and execute_run (the run worker's entry point)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sdk.events import Event


def default_storage_dir() -> str:
    """Where runs store outputs: WEIR_STORAGE_DIR, else ./.weir/storage (shared by runs of a location)."""
    return os.environ.get("WEIR_STORAGE_DIR") or os.path.join(".weir", "storage")


def execute_run(
    defs: Any,
    *,
    run_id: str,
    job_name: str | None,
    asset_selection: list[tuple[str, ...]] | None,
    run_config: dict,
    tags: dict[str, str],
    partition_key: str | None,
    on_event: Callable[[Event], None],
    should_cancel: Callable[[], bool] = lambda: False,
    output_capture: Any = None,
    step_selection: Sequence[str] = (),
    output_runs: Mapping[str, str] | None = None,
    instance: Any = None,
) -> bool:
    """Execute one run in this process with the job's executor; events go to on_event; returns success.

    job_name empty with asset_selection: an implicit job over those assets; both empty: every asset.
    The run worker passes an active sdk.execution.capture.OutputCapture (and its emit as on_event) so
    that steps' stdout and stderr become COMPUTE_LOG events. A re-execution passes step_selection (the
    steps to execute; empty: those without an entry in output_runs) and output_runs (step key -> the run
    whose outputs stand in for that step's when it is not executed). `instance` is what steps see as
    context.instance: the run worker passes the host's (sdk/host_instance.py); without one, a stand-in
    that names the limitation.
    """
    import time

    from sdk.errors import WeirError
    from sdk.events import ErrorInfo
    from sdk.execution.run import run_job
    from sdk.execution.run_instance import HostInstanceUnavailable
    from sdk.instance import current_instance
    from sdk.keys import AssetKey
    from sdk.resources import FilesystemIOManager
    from sdk.selection import AssetSelection

    try:
        if job_name:
            job = defs.resolve_job_def(job_name)
            if asset_selection:
                job = defs.subset_job(job, [AssetKey(k) for k in asset_selection])
        else:
            selection = AssetSelection.keys(*[AssetKey(k) for k in asset_selection]) if asset_selection else None
            job = defs.implicit_job(selection)
    except WeirError as exc:
        on_event(Event("RUN_START", time.time(), message="Started run."))
        on_event(Event("RUN_FAILURE", time.time(), message=str(exc), error=ErrorInfo.from_exception(exc)))
        return False
    resource_defs = {"io_manager": FilesystemIOManager(base_dir=default_storage_dir()), **job.resource_defs}
    if instance is None:
        instance = HostInstanceUnavailable()  # context.instance and DagsterInstance.get() in this run
    with current_instance(instance):
        outcome = run_job(
            job,
            resource_defs=resource_defs,
            run_id=run_id,
            run_config=run_config or {},
            tags={**job.run_tags, **tags},
            partition_key=partition_key,
            on_event=on_event,
            should_cancel=should_cancel,
            asset_graph=defs.asset_graph,
            output_capture=output_capture,
            step_selection=step_selection,
            output_runs=output_runs,
            instance=instance,
        )
    return outcome.success


__all__ = ["default_storage_dir", "execute_run"]
