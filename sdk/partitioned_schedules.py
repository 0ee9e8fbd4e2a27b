"""build_schedule_from_partitioned_job: a schedule that runs a time-partitioned job's newest complete
partition at each tick."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError
from sdk.partitions import TimeWindowPartitionsDefinition
from sdk.run_requests import RunRequest, SkipReason
from sdk.schedules import DefaultScheduleStatus, ScheduleDefinition, ScheduleEvaluationContext


def _partitions_of(job: Any) -> Any:
    partitions = getattr(job, "partitions_def", None)
    if partitions is None:
        raise DagsterInvalidDefinitionError(
            f'Job "{job.name}" has no partitions_def; pass partitions_def= to define_asset_job (or @job) to '
            "build a schedule from it."
        )
    return partitions


def build_schedule_from_partitioned_job(
    job: Any,
    description: str | None = None,
    name: str | None = None,
    minute_of_hour: int | None = None,
    hour_of_day: int | None = None,
    day_of_week: int | None = None,
    day_of_month: int | None = None,
    default_status: DefaultScheduleStatus = DefaultScheduleStatus.STOPPED,
    tags: Mapping[str, str] | None = None,
) -> ScheduleDefinition:
    """A schedule on the job's partition cron (in its time zone) whose ticks run the latest complete
    partition: at midnight, a daily job runs yesterday."""
    partitions = _partitions_of(job)
    if not isinstance(partitions, TimeWindowPartitionsDefinition):
        raise DagsterInvalidDefinitionError(
            f'Job "{job.name}" is not partitioned by time; a schedule needs TimeWindowPartitionsDefinition '
            "(Daily/Hourly/Weekly/Monthly). Use a @schedule that returns RunRequest(partition_key=...) instead."
        )
    fields = partitions.cron_schedule.split()
    for index, value in enumerate((minute_of_hour, hour_of_day, day_of_month, None, day_of_week)):
        if value is not None:
            fields[index] = str(value)
    cron = " ".join(fields)

    def run_latest(context: ScheduleEvaluationContext) -> Any:
        when = context.scheduled_execution_time or datetime.now(UTC)
        key = partitions.get_last_partition_key(when)  # the newest window complete by then
        if key is None:
            return SkipReason(f"no partition of {job.name} is complete at {when.isoformat()}")
        return RunRequest(run_key=key, partition_key=key, job_name=job.name)

    return ScheduleDefinition(
        name or f"{job.name}_schedule",
        cron_schedule=cron,
        job=job,
        execution_timezone=partitions.timezone,
        description=description,
        default_status=default_status,
        execution_fn=run_latest,
        tags=tags,
    )
