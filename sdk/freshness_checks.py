"""Freshness checks, as Dagster builds them: `build_last_update_freshness_checks` and
`build_sensor_for_freshness_checks`.

`build_last_update_freshness_checks(assets=, lower_bound_delta=, deadline_cron=, timezone=)` gives one
asset check named `freshness_check` per asset: it passes when the asset's last materialization is no
older than `deadline - lower_bound_delta`, the deadline being the latest tick of `deadline_cron` (or
now without one). The checks are ordinary asset checks (listed with their assets, run with the asset
when it materializes, and in process by `materialize`, reading the instance); their parameters travel
in the snapshot (`dagster/freshness_params`), so under the host, `build_sensor_for_freshness_checks`
makes a sensor the host evaluates itself from storage, with no call into this code (docs/automation.md).
The result's metadata and description are Dagster's.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sdk.asset_specs import to_dep_key
from sdk.checks import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, AssetCheckSpec, multi_asset_check
from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import AssetKey
from sdk.metadata import MetadataValue

CHECK_NAME = "freshness_check"
DEFAULT_SENSOR_NAME = "freshness_checks_sensor"
DEFAULT_INTERVAL_SECONDS = 30  # Dagster's default minimum interval of a sensor
FRESHNESS_PARAMS_METADATA_KEY = "dagster/freshness_params"
LAST_UPDATED_TIMESTAMP_METADATA_KEY = "dagster/last_updated_timestamp"
LOWER_BOUND_TIMESTAMP_METADATA_KEY = "dagster/freshness_lower_bound_timestamp"
FRESH_UNTIL_METADATA_KEY = "dagster/fresh_until_timestamp"
LATEST_CRON_TICK_METADATA_KEY = "dagster/latest_cron_tick_timestamp"
OVERDUE_SECONDS_METADATA_KEY = "dagster/overdue_seconds"
OVERDUE_DEADLINE_METADATA_KEY = "dagster/overdue_deadline_timestamp"


def build_last_update_freshness_checks(
    *,
    assets: Sequence[Any],
    lower_bound_delta: datetime.timedelta,
    deadline_cron: str | None = None,
    timezone: str = "UTC",
    severity: AssetCheckSeverity = AssetCheckSeverity.WARN,
    blocking: bool = False,
) -> list[AssetChecksDefinition]:
    """One `freshness_check` per asset (all in one AssetChecksDefinition, as Dagster): it passes when the
    asset materialized at or after `deadline - lower_bound_delta`."""
    if not isinstance(lower_bound_delta, datetime.timedelta) or lower_bound_delta.total_seconds() <= 0:
        raise DagsterInvalidDefinitionError(
            f"build_last_update_freshness_checks: lower_bound_delta must be a positive datetime.timedelta, "
            f"not {lower_bound_delta!r}"
        )
    if deadline_cron is not None:
        _check_cron(deadline_cron)
    _zone(timezone)
    if not isinstance(severity, AssetCheckSeverity):
        raise DagsterInvalidDefinitionError(
            f"build_last_update_freshness_checks: severity must be AssetCheckSeverity.WARN or .ERROR, not {severity!r}"
        )
    keys = list(_asset_keys(assets))
    if not keys:
        raise DagsterInvalidDefinitionError("build_last_update_freshness_checks: assets= names no asset")
    repeated = sorted({k.to_user_string() for k in keys if keys.count(k) > 1})
    if repeated:
        raise DagsterInvalidDefinitionError(
            f"build_last_update_freshness_checks: assets= names {', '.join(repeated)} more than once"
        )
    params: dict[str, Any] = {"timezone": timezone, "lower_bound_delta_seconds": lower_bound_delta.total_seconds()}
    if deadline_cron:
        params["deadline_cron"] = deadline_cron
    params["severity"] = severity.value  # not in Dagster's params: the host needs it to evaluate alone
    specs = [
        AssetCheckSpec(
            CHECK_NAME,
            asset=key,
            description="Evaluates freshness for targeted asset.",
            blocking=blocking,
            metadata={FRESHNESS_PARAMS_METADATA_KEY: MetadataValue.json(params)},
        )
        for key in keys
    ]
    digest = hashlib.sha1("|".join(sorted(k.to_user_string() for k in keys)).encode()).hexdigest()[:8]

    @multi_asset_check(specs=specs, can_subset=True, name=f"freshness_check_{digest}")
    def freshness_check(context: Any) -> Iterator[AssetCheckResult]:
        now = time.time()
        for key in keys:
            event = context.instance.get_latest_materialization_event(key)
            result = evaluate_last_update(params, event.timestamp if event is not None else None, now)
            yield AssetCheckResult(
                passed=result.passed,
                asset_key=key,
                check_name=CHECK_NAME,
                severity=severity,
                description=result.description,
                metadata=result.metadata(),
            )

    return [freshness_check]


@dataclass(frozen=True)
class FreshnessCheckSensorDefinition:
    """A sensor that evaluates freshness checks: under the host, the host evaluates them itself on each
    tick (kind FRESHNESS_CHECKS); nothing of it runs in the code location."""

    name: str
    check_keys: tuple[Any, ...]  # AssetCheckKey of each check
    minimum_interval_seconds: int | None = None
    default_status: Any = None
    description: str | None = None

    @property
    def asset_keys(self) -> list[AssetKey]:
        return sorted({k.asset_key for k in self.check_keys}, key=lambda k: k.to_user_string())


def build_sensor_for_freshness_checks(
    *,
    freshness_checks: Sequence[AssetChecksDefinition],
    minimum_interval_seconds: int | None = None,
    name: str = DEFAULT_SENSOR_NAME,
    default_status: Any = None,
) -> FreshnessCheckSensorDefinition:
    """A sensor evaluating the given freshness checks: a check is evaluated when it never was, when it
    passed and its `dagster/fresh_until_timestamp` has passed, or when it failed and its asset has
    materialized since (Dagster's rules; there the asset's run evaluates it again)."""
    check_keys = []
    for definition in freshness_checks:
        if not isinstance(definition, AssetChecksDefinition):
            raise DagsterInvalidDefinitionError(
                f"build_sensor_for_freshness_checks: freshness_checks= takes what build_last_update_freshness_checks "
                f"returns, not {definition!r}"
            )
        for spec in definition.check_specs:
            if FRESHNESS_PARAMS_METADATA_KEY not in (spec.metadata or {}):
                raise DagsterInvalidDefinitionError(
                    f"build_sensor_for_freshness_checks: the check {spec.key.to_user_string()} is not a freshness "
                    "check; build it with build_last_update_freshness_checks"
                )
            check_keys.append(spec.key)
    repeated = sorted({k.to_user_string() for k in check_keys if check_keys.count(k) > 1})
    if repeated:
        raise DagsterInvalidDefinitionError(
            f"build_sensor_for_freshness_checks: the check(s) {', '.join(repeated)} are given more than once"
        )
    if minimum_interval_seconds is not None and (
        not isinstance(minimum_interval_seconds, int) or minimum_interval_seconds <= 0
    ):
        raise DagsterInvalidDefinitionError(
            f"build_sensor_for_freshness_checks: minimum_interval_seconds must be a positive integer, "
            f"not {minimum_interval_seconds!r}"
        )
    return FreshnessCheckSensorDefinition(
        name=name,
        check_keys=tuple(check_keys),
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Evaluates freshness checks (on the host): a check that passed is evaluated again once it "
        "can be overdue, one that failed once its asset materialized.",
    )


@dataclass(frozen=True)
class LastUpdateResult:
    """One evaluation of a last-update freshness check, with Dagster's metadata."""

    passed: bool
    description: str
    params: Mapping[str, Any]
    lower_bound: float
    deadline: float
    last_updated: float | None
    latest_cron_tick: float | None
    fresh_until: float | None

    def metadata(self) -> dict[str, MetadataValue]:
        out = {
            FRESHNESS_PARAMS_METADATA_KEY: MetadataValue.json(dict(self.params)),
            LOWER_BOUND_TIMESTAMP_METADATA_KEY: MetadataValue.float(self.lower_bound),
        }
        if self.latest_cron_tick is not None:
            out[LATEST_CRON_TICK_METADATA_KEY] = MetadataValue.float(self.latest_cron_tick)
        if self.fresh_until is not None:
            out[FRESH_UNTIL_METADATA_KEY] = MetadataValue.float(self.fresh_until)
        if self.last_updated is not None:
            out[LAST_UPDATED_TIMESTAMP_METADATA_KEY] = MetadataValue.float(self.last_updated)
        if not self.passed:
            overdue = self.deadline - (self.last_updated if self.last_updated is not None else self.lower_bound)
            out[OVERDUE_SECONDS_METADATA_KEY] = MetadataValue.float(max(overdue, 0.0))
            out[OVERDUE_DEADLINE_METADATA_KEY] = MetadataValue.float(self.deadline)
        return out


def evaluate_last_update(params: Mapping[str, Any], last_updated: float | None, now: float) -> LastUpdateResult:
    """Dagster's last-update freshness rule (the host has its own copy: host/domain/freshness.py)."""
    delta = float(params["lower_bound_delta_seconds"])
    cron = params.get("deadline_cron")
    zone = _zone(params.get("timezone") or "UTC")
    tick = _latest_tick(cron, zone, now) if cron else None
    deadline = tick if tick is not None else now
    lower_bound = deadline - delta
    passed = last_updated is not None and last_updated >= lower_bound
    fresh_until = None
    if passed:
        fresh_until = _next_tick(cron, zone, now) if cron else float(last_updated or 0.0) + delta
    allowed = seconds_in_words(now - lower_bound)
    if passed:
        description = (
            f"Asset is currently fresh. The last update was {seconds_in_words(now - float(last_updated or 0.0))} "
            f"ago, within the allowed time range of {allowed}."
        )
    elif last_updated is None:
        description = "Asset has never been observed/materialized."
    else:
        description = (
            f"Asset is overdue for an update. The last update was {seconds_in_words(now - last_updated)} ago, "
            f"which is past the allowed distance of {allowed} ago."
        )
    return LastUpdateResult(passed, description, params, lower_bound, deadline, last_updated, tick, fresh_until)


def seconds_in_words(delta: float) -> str:
    """ "1 day, 2 hours, 3 minutes, 4 seconds" (Dagster's wording); "0 seconds" for less than one."""
    parts = []
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        count = int(delta // size)
        delta -= count * size
        if count:
            parts.append(f"{count} {unit}{'s' if count > 1 else ''}")
    return ", ".join(parts) or "0 seconds"


def _asset_keys(assets: Iterable[Any]) -> Iterator[AssetKey]:
    if isinstance(assets, (str, AssetKey)):
        raise DagsterInvalidDefinitionError(
            "build_last_update_freshness_checks: assets= takes a list of assets or keys, e.g. assets=[my_asset]"
        )
    for value in assets:
        keys = getattr(value, "keys", None)
        if keys is not None and not isinstance(value, Mapping) and not callable(keys):
            yield from keys
        else:
            yield to_dep_key(value)


def _check_cron(cron: str) -> None:
    from croniter import croniter

    if not isinstance(cron, str) or not croniter.is_valid(cron):
        raise DagsterInvalidDefinitionError(
            f"build_last_update_freshness_checks: deadline_cron must be a cron string such as '0 9 * * *', not {cron!r}"
        )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise DagsterInvalidDefinitionError(
            f"freshness checks: unknown timezone {name!r}; use an IANA name such as 'UTC' or 'Europe/Paris'"
        ) from None


def _latest_tick(cron: str, zone: ZoneInfo, now: float) -> float:
    from croniter import croniter

    start = datetime.datetime.fromtimestamp(now, zone)
    return float(croniter(cron, start).get_prev(datetime.datetime).timestamp())


def _next_tick(cron: str, zone: ZoneInfo, now: float) -> float:
    from croniter import croniter

    start = datetime.datetime.fromtimestamp(now, zone)
    return float(croniter(cron, start).get_next(datetime.datetime).timestamp())
