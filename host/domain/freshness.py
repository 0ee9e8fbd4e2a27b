"""Asset freshness, evaluated by the host: a `weir.v1.FreshnessPolicy` against the asset's last
materialization (any partition) and the time now. Pure functions; listings call them with what storage
says (docs/automation.md, "Freshness")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from host.domain.automation_conditions import ConditionError, latest_cron_tick
from protos.weir.v1 import host_pb2, snapshot_pb2

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
