"""Freshness policies: how recently an asset should have been materialized, as data the host evaluates.

`FreshnessPolicy.time_window(fail_window, warn_window)` and `FreshnessPolicy.cron(deadline_cron,
lower_bound_delta, timezone)` as in Dagster; pass one as `freshness_policy=` to `@asset`, `AssetSpec` or
`AssetOut`. The policy travels in the snapshot and the host computes the asset's freshness state
(PASS, WARN, FAIL, UNKNOWN) from its last materialization; nothing here runs on the host.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError

MINIMUM_SECONDS = 60.0  # as Dagster: a window shorter than a minute is refused


class FreshnessPolicy:
    """Base of the freshness policies; build one with `FreshnessPolicy.time_window` or `.cron`."""

    @staticmethod
    def time_window(
        fail_window: datetime.timedelta, warn_window: datetime.timedelta | None = None
    ) -> TimeWindowFreshnessPolicy:
        """FAIL when the last materialization is older than fail_window, WARN when older than warn_window."""
        fail = _seconds(fail_window, "fail_window")
        warn = _seconds(warn_window, "warn_window") if warn_window is not None else 0.0
        if warn and warn >= fail:
            raise DagsterInvalidDefinitionError(
                "FreshnessPolicy.time_window: warn_window must be less than fail_window"
            )
        return TimeWindowFreshnessPolicy(fail, warn)

    @staticmethod
    def cron(deadline_cron: str, lower_bound_delta: datetime.timedelta, timezone: str = "UTC") -> CronFreshnessPolicy:
        """Expect a materialization between (deadline - lower_bound_delta) and each deadline of the cron
        schedule; FAIL after a deadline passed without one, until the asset materializes again."""
        if not isinstance(deadline_cron, str) or len(deadline_cron.split()) not in (5, 6):
            raise DagsterInvalidDefinitionError(
                f"FreshnessPolicy.cron: deadline_cron must be a cron string such as '0 10 * * *', not {deadline_cron!r}"
            )
        return CronFreshnessPolicy(deadline_cron, _seconds(lower_bound_delta, "lower_bound_delta"), timezone)


@dataclass(frozen=True)
class TimeWindowFreshnessPolicy(FreshnessPolicy):
    fail_window_seconds: float
    warn_window_seconds: float = 0.0  # 0: no warning window


@dataclass(frozen=True)
class CronFreshnessPolicy(FreshnessPolicy):
    deadline_cron: str
    lower_bound_seconds: float
    timezone: str = "UTC"


def _seconds(value: Any, name: str) -> float:
    if not isinstance(value, datetime.timedelta):
        raise DagsterInvalidDefinitionError(
            f"FreshnessPolicy: {name} must be a datetime.timedelta, not {type(value).__name__}"
        )
    seconds = value.total_seconds()
    if seconds < MINIMUM_SECONDS:
        raise DagsterInvalidDefinitionError(f"FreshnessPolicy: {name} cannot be less than 1 minute (got {value})")
    return seconds


def check_policy(value: Any, owner: str) -> FreshnessPolicy | None:
    """The policy a definition was given, refused with the fix when it is not one."""
    if value is None or isinstance(value, (TimeWindowFreshnessPolicy, CronFreshnessPolicy)):
        return value
    raise DagsterInvalidDefinitionError(
        f"{owner}: freshness_policy= must be FreshnessPolicy.time_window(...) or FreshnessPolicy.cron(...), "
        f"not {type(value).__name__}"
    )
