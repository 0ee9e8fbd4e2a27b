"""Schedules: a cron (or several), a time zone, a target, and optionally a function that decides the run."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError


class DefaultScheduleStatus(enum.Enum):
    """Whether a schedule runs as soon as it is loaded."""

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


def resolve_target(
    job: Any, job_name: str | None, target: Any, jobs: Sequence[Any] | None = None, asset_selection: Any = None
) -> tuple[list[Any], list[str], Any]:
    """(job objects to register, job names, asset selection) from the ways users name a target."""
    from sdk.jobs import JobDefinition, UnresolvedAssetJobDefinition
    from sdk.selection import AssetSelection

    objects: list[Any] = []
    names: list[str] = []
    selection = None
    for item in [job, target, *(jobs or [])]:
        if item is None:
            continue
        if isinstance(item, (JobDefinition, UnresolvedAssetJobDefinition)):
            objects.append(item)
            names.append(item.name)
        else:
            selection = AssetSelection.from_coercible(item)
    if job_name:
        names.append(job_name)
    if asset_selection is not None:
        selection = AssetSelection.from_coercible(asset_selection)
    return objects, list(dict.fromkeys(names)), selection


class ScheduleEvaluationContext:
    """What a schedule function receives."""

    def __init__(
        self, scheduled_execution_time: datetime | None = None, resources: Any = None, instance: Any = None
    ) -> None:
        self.scheduled_execution_time = scheduled_execution_time
        self.resources = resources
        self._instance = instance
        self.log = None

    @property
    def instance(self) -> Any:
        """The DagsterInstance given to build_schedule_context(instance=...); an error says how to give one."""
        if self._instance is None:
            from sdk.instance import missing_instance_error

            raise missing_instance_error("schedule")
        return self._instance


def build_schedule_context(
    scheduled_execution_time: datetime | None = None, resources: Any = None, instance: Any = None
) -> ScheduleEvaluationContext:
    return ScheduleEvaluationContext(scheduled_execution_time, resources, instance)


class ScheduleDefinition:
    """Run a target on a cron schedule, in a time zone."""

    def __init__(
        self,
        name: str | None = None,
        *,
        cron_schedule: str | Sequence[str],
        job: Any = None,
        job_name: str | None = None,
        target: Any = None,
        run_config: Any = None,
        tags: Mapping[str, str] | None = None,
        execution_timezone: str | None = None,
        description: str | None = None,
        default_status: DefaultScheduleStatus = DefaultScheduleStatus.STOPPED,
        execution_fn: Callable[..., Any] | None = None,
        should_execute: Callable[..., bool] | None = None,
        metadata: Mapping[str, Any] | None = None,
        required_resource_keys: set[str] | None = None,
        run_config_fn: Callable[..., Any] | None = None,
        tags_fn: Callable[..., Mapping[str, str]] | None = None,
    ) -> None:
        self.target_jobs, self.job_names, self.asset_selection = resolve_target(job, job_name, target)
        if not self.job_names and self.asset_selection is None:
            raise DagsterInvalidDefinitionError("A schedule needs a target: job=, job_name= or target=.")
        crons = [cron_schedule] if isinstance(cron_schedule, str) else list(cron_schedule)
        for cron in crons:
            if len(cron.split()) not in (5, 6) and not cron.startswith("@"):
                raise DagsterInvalidDefinitionError(
                    f'Schedule cron_schedule "{cron}" is not a cron string; use five fields like "0 3 * * *".'
                )
        self.cron_schedules = crons
        self.name = name or (f"{self.job_names[0]}_schedule" if self.job_names else "asset_schedule")
        self.run_config = run_config
        self.tags = dict(tags or {})
        self.execution_timezone = execution_timezone
        self.description = description
        self.default_status = default_status
        if run_config_fn is not None or tags_fn is not None:  # Dagster's older form: config and tags per tick
            if execution_fn is not None or run_config is not None:
                raise DagsterInvalidDefinitionError(
                    f'Schedule "{self.name}": give run_config_fn=/tags_fn= or execution_fn=/run_config=, not both.'
                )
            execution_fn = _request_from(run_config_fn, tags_fn)
        self._raw_fn = execution_fn
        # what the code server calls: fn(context), or fn() when the user's function takes no context
        self.execution_fn = self._adapted(execution_fn) if execution_fn is not None else None
        self.should_execute = should_execute
        self.metadata = dict(metadata or {})
        self.required_resource_keys = frozenset(required_resource_keys or ())

    @property
    def cron_schedule(self) -> str | list[str]:
        return self.cron_schedules[0] if len(self.cron_schedules) == 1 else list(self.cron_schedules)

    @property
    def job_name(self) -> str | None:
        return self.job_names[0] if self.job_names else None

    @property
    def has_function(self) -> bool:
        return self.execution_fn is not None

    def _adapted(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        from sdk._invocation import call_with_context

        what = f'schedule "{self.name}"'

        def evaluate(context: Any) -> Any:
            return call_with_context(fn, what, context)

        return evaluate

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Direct invocation (unit tests): `my_schedule(build_schedule_context(...))`, or `my_schedule()` when
        the function takes no context; resource parameters come from the context's resources."""
        from sdk._invocation import call_with_context

        if self._raw_fn is None:
            raise DagsterInvalidDefinitionError(f'Schedule "{self.name}" has no function to call.')
        context = args[0] if args else kwargs.pop("context", None)
        return call_with_context(self._raw_fn, f'schedule "{self.name}"', context)


def schedule(
    cron_schedule: str | Sequence[str],
    *,
    job: Any = None,
    job_name: str | None = None,
    target: Any = None,
    name: str | None = None,
    tags: Mapping[str, str] | None = None,
    execution_timezone: str | None = None,
    description: str | None = None,
    default_status: DefaultScheduleStatus = DefaultScheduleStatus.STOPPED,
    required_resource_keys: set[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    should_execute: Callable[..., bool] | None = None,
) -> Callable[[Callable[..., Any]], ScheduleDefinition]:
    """Declare a schedule whose function returns a RunRequest, a list of them, a SkipReason, or run config."""

    def build(fn: Callable[..., Any]) -> ScheduleDefinition:
        return ScheduleDefinition(
            name or fn.__name__,
            cron_schedule=cron_schedule,
            job=job,
            job_name=job_name,
            target=target,
            tags=tags,
            execution_timezone=execution_timezone,
            description=description or fn.__doc__,
            default_status=default_status,
            execution_fn=fn,
            metadata=metadata,
            required_resource_keys=required_resource_keys,
            should_execute=should_execute,
        )

    return build


def _request_from(run_config_fn: Callable[..., Any] | None, tags_fn: Callable[..., Any] | None) -> Callable[..., Any]:
    """A schedule function from Dagster's older run_config_fn / tags_fn (each a function of the context)."""
    from sdk.run_requests import RunRequest

    def evaluate(context: Any) -> RunRequest:
        config = run_config_fn(context) if run_config_fn is not None else None
        tags = dict(tags_fn(context)) if tags_fn is not None else {}
        return RunRequest(run_config=config, tags=tags)

    return evaluate
