"""materialize() and job.execute_in_process(): the same engine, in this process, IO in memory by default."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sdk.events import Event
from sdk.execution.result import ExecuteInProcessResult
from sdk.execution.run import run_job
from sdk.io_managers import InMemoryIOManager


def execute_job_in_process(
    job: Any,
    *,
    run_config: Any = None,
    partition_key: str | None = None,
    raise_on_error: bool = True,
    run_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    resources: Mapping[str, Any] | None = None,
    asset_graph: Any = None,
    instance: Any = None,
) -> ExecuteInProcessResult:
    """Run every step in this process; raise the user's exception when raise_on_error and a step failed.

    The run and its events are recorded in `instance` (a new ephemeral one when None), which steps
    see as context.instance and DagsterInstance.get() returns meanwhile."""
    from sdk.execution.run_instance import instance_for_run

    run_id = run_id or str(uuid.uuid4())
    values: dict[tuple[str, str], Any] = {}
    resource_defs = {"io_manager": InMemoryIOManager(), **job.resource_defs, **(resources or {})}
    run_tags = {**job.run_tags, **(tags or {})}
    instance = instance_for_run(instance, job.name, run_id, run_tags, run_config, partition_key)

    outcome, events = run_recorded(
        job,
        instance,
        run_id,
        resource_defs=resource_defs,
        run_config=run_config,
        tags=run_tags,
        partition_key=partition_key,
        force_in_process=True,
        asset_graph=asset_graph,
        captured=values,
    )
    if raise_on_error and not outcome.success and outcome.exception is not None:
        raise outcome.exception
    result = ExecuteInProcessResult(run_id, job.name, outcome.success, events, values, outcome.plan, instance)
    result.job_def = job
    return result


def run_recorded(job: Any, instance: Any, run_id: str, **run_job_args: Any) -> tuple[Any, list[Event]]:
    """run_job with the run's events recorded in `instance` (a DagsterInstance already holding the run),
    which steps see as context.instance meanwhile; returns the outcome and the events in order."""
    from sdk.instance import current_instance

    events: list[Event] = []

    def on_event(event: Event) -> None:
        events.append(event)
        instance._record_event(run_id, job.name, event)

    with current_instance(instance):
        outcome = run_job(job, run_id=run_id, on_event=on_event, instance=instance, **run_job_args)
    return outcome, events


def materialize(
    assets: Sequence[Any],
    run_config: Any = None,
    instance: Any = None,
    resources: Mapping[str, Any] | None = None,
    partition_key: str | None = None,
    raise_on_error: bool = True,
    tags: Mapping[str, str] | None = None,
    selection: Any = None,
) -> ExecuteInProcessResult:
    """Materialize assets (and their checks) in this process; external AssetSpecs only provide inputs."""
    from sdk.definitions_class import Definitions

    defs = Definitions(
        assets=[a for a in assets if not _is_check(a)],
        asset_checks=[a for a in assets if _is_check(a)],
        resources=resources,
    )
    job = defs.implicit_job(selection)
    return execute_job_in_process(
        job,
        run_config=run_config,
        partition_key=partition_key,
        raise_on_error=raise_on_error,
        tags=tags,
        asset_graph=defs.asset_graph,
        instance=instance,
    )


def materialize_to_memory(assets: Sequence[Any], **kwargs: Any) -> ExecuteInProcessResult:
    resources = {k: v for k, v in (kwargs.pop("resources", None) or {}).items() if k != "io_manager"}
    return materialize(assets, resources=resources, **kwargs)


def _is_check(value: Any) -> bool:
    from sdk.checks import AssetChecksDefinition

    return isinstance(value, AssetChecksDefinition)
