"""Selectors of jobs, repositories and code locations, as run status sensors take them in monitored_jobs=."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JobSelector:
    """A job by name (runs of the sensor's own code location are watched; location_name is not used)."""

    job_name: str
    location_name: str | None = None
    repository_name: str | None = None

    @property
    def name(self) -> str:
        return self.job_name


@dataclass(frozen=True)
class RepositorySelector:
    """A repository of a code location (Weir watches one location per sensor: refused in monitored_jobs)."""

    location_name: str
    repository_name: str


@dataclass(frozen=True)
class CodeLocationSelector:
    """A code location (Weir watches one location per sensor: refused in monitored_jobs)."""

    location_name: str
    repository_name: str | None = None
