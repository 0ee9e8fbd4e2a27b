"""Partitioned config for op jobs: `@dg.job(config=my_partitioned_config)` makes a job partitioned by the
config's partitions, and each run's config (and tags) is computed from its partition key, as in Dagster."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sdk.errors import DagsterInvalidConfigError, DagsterInvalidDefinitionError

ConfigFn = Callable[..., Mapping[str, Any]]


class PartitionedConfig:
    """Run config (and tags) as a function of a partition key, over a partitions definition.

    Args:
        partitions_def: the partitions the job runs over.
        run_config_for_partition_key_fn: partition key -> run config.
        tags_for_partition_key_fn: partition key -> tags of the run.
    """

    def __init__(
        self,
        partitions_def: Any,
        run_config_for_partition_key_fn: Callable[[str], Mapping[str, Any]] | None = None,
        tags_for_partition_key_fn: Callable[[str], Mapping[str, str]] | None = None,
    ) -> None:
        self.partitions_def = partitions_def
        self.run_config_for_partition_key_fn = run_config_for_partition_key_fn
        self.tags_for_partition_key_fn = tags_for_partition_key_fn

    def get_run_config_for_partition_key(self, partition_key: str) -> dict[str, Any]:
        from sdk.config import to_run_config_dict

        if self.run_config_for_partition_key_fn is None:
            return {}
        return to_run_config_dict(self.run_config_for_partition_key_fn(partition_key))

    def get_tags_for_partition_key(self, partition_key: str) -> dict[str, str]:
        if self.tags_for_partition_key_fn is None:
            return {}
        return {str(k): str(v) for k, v in self.tags_for_partition_key_fn(partition_key).items()}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Calling the decorated function (e.g. in a test) still works."""
        fn = self.run_config_for_partition_key_fn
        if fn is None:
            raise DagsterInvalidDefinitionError("This PartitionedConfig has no config function to call.")
        return getattr(fn, "__wrapped_config_fn__", fn)(*args, **kwargs)


def job_config_for_run(job_config: Any, partition_key: str | None, job_name: str) -> Any:
    """The job's config for one run: a PartitionedConfig's config for the run's partition."""
    if not isinstance(job_config, PartitionedConfig):
        return job_config
    if partition_key is None:
        raise DagsterInvalidConfigError(
            f'Job "{job_name}" takes its config from its partitions (a partitioned config): launch it with a '
            "partition key (partition_key=...)."
        )
    return job_config.get_run_config_for_partition_key(partition_key)


def partition_tags(job_config: Any, partition_key: str | None) -> dict[str, str]:
    """The tags a PartitionedConfig gives a run of this partition (none for other config)."""
    if not isinstance(job_config, PartitionedConfig) or partition_key is None:
        return {}
    return job_config.get_tags_for_partition_key(partition_key)


def partitioned_config(
    partitions_def: Any, tags_for_partition_key_fn: Callable[[str], Mapping[str, str]] | None = None
) -> Callable[[Callable[[str], Mapping[str, Any]]], PartitionedConfig]:
    """`@dg.partitioned_config(partitions_def=...)\\ndef config(partition_key): return {...}`."""

    def wrap(fn: Callable[[str], Mapping[str, Any]]) -> PartitionedConfig:
        return PartitionedConfig(partitions_def, fn, tags_for_partition_key_fn)

    return wrap


def static_partitioned_config(
    partition_keys: Sequence[str], tags_for_partition_key_fn: Callable[[str], Mapping[str, str]] | None = None
) -> Callable[[Callable[[str], Mapping[str, Any]]], PartitionedConfig]:
    """`@dg.static_partitioned_config(["eu", "us"])\\ndef config(partition_key): return {...}`."""
    from sdk.partitions import StaticPartitionsDefinition

    return partitioned_config(StaticPartitionsDefinition(list(partition_keys)), tags_for_partition_key_fn)


def dynamic_partitioned_config(
    partition_fn: Callable[[datetime | None], Sequence[str]],
    tags_for_partition_fn: Callable[[str], Mapping[str, str]] | None = None,
    tags_for_partition_key_fn: Callable[[str], Mapping[str, str]] | None = None,
) -> Callable[[Callable[[str], Mapping[str, Any]]], PartitionedConfig]:
    """`@dg.dynamic_partitioned_config(partition_fn=lambda current_time: [...])\ndef config(partition_key): ...`:
    partitions whose keys the function computes when asked."""
    from sdk.partitions import DynamicPartitionsDefinition

    if not callable(partition_fn):
        raise DagsterInvalidDefinitionError(
            f"dynamic_partitioned_config takes partition_fn, a function of the current time returning the partition "
            f"keys; got {type(partition_fn).__name__}."
        )
    return partitioned_config(
        DynamicPartitionsDefinition(partition_fn=partition_fn), tags_for_partition_key_fn or tags_for_partition_fn
    )


def _time_window(
    partitions_def: Any, tags_for_partition_fn: Callable[[datetime, datetime], Mapping[str, str]] | None
) -> Callable[[Callable[[datetime, datetime], Mapping[str, Any]]], PartitionedConfig]:
    def wrap(fn: Callable[[datetime, datetime], Mapping[str, Any]]) -> PartitionedConfig:
        def config(key: str) -> Mapping[str, Any]:
            window = partitions_def.time_window_for_partition_key(key)
            return fn(window.start, window.end)

        def tags(key: str) -> Mapping[str, str]:
            assert tags_for_partition_fn is not None
            window = partitions_def.time_window_for_partition_key(key)
            return tags_for_partition_fn(window.start, window.end)

        config.__wrapped_config_fn__ = fn  # type: ignore[attr-defined]
        return PartitionedConfig(partitions_def, config, tags if tags_for_partition_fn is not None else None)

    return wrap


def daily_partitioned_config(
    start_date: str | datetime,
    minute_offset: int = 0,
    hour_offset: int = 0,
    timezone: str | None = None,
    fmt: str | None = None,
    end_offset: int = 0,
    tags_for_partition_fn: Callable[[datetime, datetime], Mapping[str, str]] | None = None,
) -> Callable[[Callable[[datetime, datetime], Mapping[str, Any]]], PartitionedConfig]:
    """`@dg.daily_partitioned_config(start_date="2024-01-01")\\ndef config(start, end): return {...}`: one
    partition a day; the function gets the day's window."""
    from sdk.partitions import DailyPartitionsDefinition

    partitions = DailyPartitionsDefinition(
        start_date, timezone=timezone, fmt=fmt or "%Y-%m-%d", end_offset=end_offset,
        minute_offset=minute_offset, hour_offset=hour_offset,
    )  # fmt: skip
    return _time_window(partitions, tags_for_partition_fn)


def hourly_partitioned_config(
    start_date: str | datetime,
    minute_offset: int = 0,
    timezone: str | None = None,
    fmt: str | None = None,
    end_offset: int = 0,
    tags_for_partition_fn: Callable[[datetime, datetime], Mapping[str, str]] | None = None,
) -> Callable[[Callable[[datetime, datetime], Mapping[str, Any]]], PartitionedConfig]:
    """One partition an hour; the function gets the hour's window."""
    from sdk.partitions import HourlyPartitionsDefinition

    partitions = HourlyPartitionsDefinition(
        start_date, timezone=timezone, fmt=fmt or "%Y-%m-%d-%H:%M", end_offset=end_offset, minute_offset=minute_offset
    )
    return _time_window(partitions, tags_for_partition_fn)


def weekly_partitioned_config(
    start_date: str | datetime,
    minute_offset: int = 0,
    hour_offset: int = 0,
    day_offset: int = 0,
    timezone: str | None = None,
    fmt: str | None = None,
    end_offset: int = 0,
    tags_for_partition_fn: Callable[[datetime, datetime], Mapping[str, str]] | None = None,
) -> Callable[[Callable[[datetime, datetime], Mapping[str, Any]]], PartitionedConfig]:
    """One partition a week (day_offset 0 is Sunday); the function gets the week's window."""
    from sdk.partitions import WeeklyPartitionsDefinition

    partitions = WeeklyPartitionsDefinition(
        start_date, timezone=timezone, fmt=fmt or "%Y-%m-%d", end_offset=end_offset,
        minute_offset=minute_offset, hour_offset=hour_offset, day_offset=day_offset,
    )  # fmt: skip
    return _time_window(partitions, tags_for_partition_fn)


def monthly_partitioned_config(
    start_date: str | datetime,
    minute_offset: int = 0,
    hour_offset: int = 0,
    day_offset: int = 1,
    timezone: str | None = None,
    fmt: str | None = None,
    end_offset: int = 0,
    tags_for_partition_fn: Callable[[datetime, datetime], Mapping[str, str]] | None = None,
) -> Callable[[Callable[[datetime, datetime], Mapping[str, Any]]], PartitionedConfig]:
    """One partition a month (from day_offset, 1 by default); the function gets the month's window."""
    from sdk.partitions import MonthlyPartitionsDefinition

    partitions = MonthlyPartitionsDefinition(
        start_date, timezone=timezone, fmt=fmt or "%Y-%m-%d", end_offset=end_offset,
        minute_offset=minute_offset, hour_offset=hour_offset, day_offset=day_offset,
    )  # fmt: skip
    return _time_window(partitions, tags_for_partition_fn)
