"""Asset freshness, evaluated by the host: a `weir.v1.FreshnessPolicy` against the asset's last
materialization (any partition) and the time now. Pure functions; listings call them with what storage
says (docs/automation.md, "Freshness")."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from host.domain.automation_conditions import ConditionError, latest_cron_tick, next_cron_tick
from protos.weir.v1 import common_pb2, host_pb2, snapshot_pb2

PASS, WARN, FAIL, UNKNOWN = "PASS", "WARN", "FAIL", "UNKNOWN"


@dataclass(frozen=True)
class Freshness:
    state: str  # PASS | WARN | FAIL | UNKNOWN
    reason: str
    last_materialized: float | None = None


def evaluate(policy: snapshot_pb2.FreshnessPolicy, last: float | None, now: float) -> Freshness:
    """The asset's freshness now, with the reason in words."""
    if last is None:
        return Freshness(UNKNOWN, "never materialized")
    if policy.deadline_cron:
        return _cron(policy, last, now)
    age = now - last
    when = f"last materialized {_span(age)} ago"
    if age > policy.fail_window_seconds:
        return Freshness(FAIL, f"{when}, more than the fail window ({_span(policy.fail_window_seconds)})", last)
    if policy.warn_window_seconds and age > policy.warn_window_seconds:
        return Freshness(WARN, f"{when}, more than the warn window ({_span(policy.warn_window_seconds)})", last)
    return Freshness(PASS, f"{when}, within {_span(policy.fail_window_seconds)}", last)


def _cron(policy: snapshot_pb2.FreshnessPolicy, last: float, now: float) -> Freshness:
    tz = policy.timezone or "UTC"
    try:
        deadline = latest_cron_tick(policy.deadline_cron, tz, now)
    except ConditionError as exc:
        return Freshness(UNKNOWN, f"the policy's deadline_cron cannot be evaluated: {exc}", last)
    if deadline is None:
        return Freshness(PASS, "no deadline has passed yet", last)
    opens = deadline - policy.lower_bound_seconds
    if last >= opens:
        return Freshness(
            PASS, f"materialized at {_iso(last)}, within the window for the deadline {_iso(deadline)}", last
        )
    return Freshness(
        FAIL,
        f"the deadline {_iso(deadline)} passed without a materialization since {_iso(opens)} (last: {_iso(last)})",
        last,
    )


def _span(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}".replace(".0 ", " ")
    return f"{seconds:.0f} s"


def _iso(instant: float) -> str:
    return dt.datetime.fromtimestamp(instant, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def freshness_to_proto(node: snapshot_pb2.AssetNode, last: float | None, now: float) -> host_pb2.AssetFreshness | None:
    """The asset's freshness as the Host API lists it with the asset; None without a policy."""
    if not node.HasField("freshness_policy"):
        return None
    found = evaluate(node.freshness_policy, last, now)
    return host_pb2.AssetFreshness(
        state=found.state, reason=found.reason, last_materialized=last or 0.0, evaluated_at=now
    )


# -- freshness checks (build_last_update_freshness_checks), evaluated by the host -----------------------
# Dagster's metadata keys on a freshness check's result.
FRESHNESS_PARAMS = "dagster/freshness_params"
LAST_UPDATED = "dagster/last_updated_timestamp"
LOWER_BOUND = "dagster/freshness_lower_bound_timestamp"
FRESH_UNTIL = "dagster/fresh_until_timestamp"
LATEST_CRON_TICK = "dagster/latest_cron_tick_timestamp"
OVERDUE_SECONDS = "dagster/overdue_seconds"
OVERDUE_DEADLINE = "dagster/overdue_deadline_timestamp"


@dataclass(frozen=True)
class CheckResult:
    """One evaluation of a last-update freshness check (the sdk computes the same in process:
    sdk/freshness_checks.py)."""

    passed: bool
    description: str
    metadata: list[common_pb2.MetadataEntry]
    fresh_until: float | None


def evaluate_last_update(params: snapshot_pb2.LastUpdateFreshness, last: float | None, now: float) -> CheckResult:
    """Passed when the asset materialized at or after deadline - lower_bound_delta, the deadline being the
    latest tick of deadline_cron (now without one)."""
    delta = params.lower_bound_delta_seconds
    tz = params.timezone or "UTC"
    tick = latest_cron_tick(params.deadline_cron, tz, now) if params.deadline_cron else None
    deadline = tick if tick is not None else now
    lower = deadline - delta
    passed = last is not None and last >= lower
    fresh_until = None
    if passed:
        fresh_until = next_cron_tick(params.deadline_cron, tz, now) if params.deadline_cron else (last or 0.0) + delta
    json_params: dict[str, object] = {"timezone": tz, "lower_bound_delta_seconds": delta}
    if params.deadline_cron:
        json_params["deadline_cron"] = params.deadline_cron
    json_params["severity"] = params.severity or "WARN"
    entries: list[tuple[str, common_pb2.MetadataValue]] = [
        (FRESHNESS_PARAMS, common_pb2.MetadataValue(json=json.dumps(json_params))),
        (LOWER_BOUND, common_pb2.MetadataValue(float_value=lower)),
    ]
    if tick is not None:
        entries.append((LATEST_CRON_TICK, common_pb2.MetadataValue(float_value=tick)))
    if fresh_until is not None:
        entries.append((FRESH_UNTIL, common_pb2.MetadataValue(float_value=fresh_until)))
    if last is not None:
        entries.append((LAST_UPDATED, common_pb2.MetadataValue(float_value=last)))
    if not passed:
        overdue = max(deadline - (last if last is not None else lower), 0.0)
        entries.append((OVERDUE_SECONDS, common_pb2.MetadataValue(float_value=overdue)))
        entries.append((OVERDUE_DEADLINE, common_pb2.MetadataValue(float_value=deadline)))
    allowed = seconds_in_words(now - lower)
    if passed:
        description = (
            f"Asset is currently fresh. The last update was {seconds_in_words(now - (last or 0.0))} ago, "
            f"within the allowed time range of {allowed}."
        )
    elif last is None:
        description = "Asset has never been observed/materialized."
    else:
        description = (
            f"Asset is overdue for an update. The last update was {seconds_in_words(now - last)} ago, "
            f"which is past the allowed distance of {allowed} ago."
        )
    metadata = [common_pb2.MetadataEntry(key=k, value=v) for k, v in entries]
    return CheckResult(passed, description, metadata, fresh_until)


def check_due(
    params: snapshot_pb2.LastUpdateFreshness,
    latest: tuple[bool, float] | None,
    last_materialized: float | None,
    now: float,
) -> str:
    """Why the sensor evaluates the check now ("" when it does not), by Dagster's rules: never evaluated;
    passed, and it can be overdue again; failed, and the asset materialized since (in Dagster the run
    that materializes it evaluates it again; here the host does). `latest` is (passed, when)."""
    if latest is None:
        return "never evaluated"
    passed, evaluated_at = latest
    if not passed:
        if last_materialized is not None and last_materialized > evaluated_at:
            return "failed, and the asset materialized since"
        return ""
    tz = params.timezone or "UTC"
    if params.deadline_cron:
        fresh_until = next_cron_tick(params.deadline_cron, tz, evaluated_at)
    else:
        fresh_until = (last_materialized or 0.0) + params.lower_bound_delta_seconds
    return "passed, and can be overdue again" if fresh_until is not None and now >= fresh_until else ""


def seconds_in_words(delta: float) -> str:
    """ "1 day, 2 hours, 3 minutes, 4 seconds" (Dagster's wording)."""
    parts = []
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        count = int(delta // size)
        delta -= count * size
        if count:
            parts.append(f"{count} {unit}{'s' if count > 1 else ''}")
    return ", ".join(parts) or "0 seconds"
