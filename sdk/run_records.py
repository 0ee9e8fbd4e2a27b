"""Runs as an instance reports them: DagsterRun, RunRecord, and RunsFilter to choose them."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any


class DagsterRunStatus(enum.Enum):
    """A run's status (run status sensors watch them too)."""

    QUEUED = "QUEUED"
    STARTING = "STARTING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"


_FINISHED = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)


@dataclass(frozen=True)
class DagsterRun:
    """One run: its job, status, tags and config."""

    job_name: str
    run_id: str
    status: DagsterRunStatus = DagsterRunStatus.STARTED
    tags: Mapping[str, str] = field(default_factory=dict)
    run_config: Mapping[str, Any] = field(default_factory=dict)
    asset_selection: frozenset | None = None
    parent_run_id: str | None = None
    root_run_id: str | None = None

    @property
    def is_finished(self) -> bool:
        return self.status in _FINISHED

    @property
    def is_success(self) -> bool:
        return self.status is DagsterRunStatus.SUCCESS

    @property
    def is_failure(self) -> bool:
        return self.status is DagsterRunStatus.FAILURE

    @property
    def is_cancelled(self) -> bool:
        return self.status is DagsterRunStatus.CANCELED

    @property
    def partition_key(self) -> str | None:
        return self.tags.get("dagster/partition")

    def with_status(self, status: DagsterRunStatus) -> DagsterRun:
        return replace(self, status=status)


@dataclass(frozen=True)
class RunRecord:
    """A stored run with when it was created, last updated, started and ended."""

    storage_id: int
    dagster_run: DagsterRun
    create_timestamp: datetime
    update_timestamp: datetime
    start_time: float | None = None
    end_time: float | None = None


def utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


@dataclass(frozen=True)
class RunsFilter:
    """Which runs `instance.get_runs` / `get_run_records` return; every given field must match.

    `tags` values may be a string or a list of accepted strings."""

    run_ids: Sequence[str] | None = None
    job_name: str | None = None
    statuses: Sequence[DagsterRunStatus] | None = None
    tags: Mapping[str, str | Sequence[str]] | None = None
    snapshot_id: str | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    exclude_subruns: bool | None = None

    def matches(self, record: RunRecord) -> bool:
        run = record.dagster_run
        if self.run_ids is not None and run.run_id not in self.run_ids:
            return False
        if self.job_name is not None and run.job_name != self.job_name:
            return False
        if self.statuses is not None and run.status not in [DagsterRunStatus(s) for s in self.statuses]:
            return False
        for key, wanted in (self.tags or {}).items():
            accepted = [wanted] if isinstance(wanted, str) else list(wanted)
            if run.tags.get(key) not in accepted:
                return False
        if self.exclude_subruns and run.parent_run_id:
            return False
        return _within(record.update_timestamp, self.updated_after, self.updated_before) and _within(
            record.create_timestamp, self.created_after, self.created_before
        )


def _within(moment: datetime, after: datetime | None, before: datetime | None) -> bool:
    if after is not None and moment <= _aware(after):
        return False
    return before is None or moment < _aware(before)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
