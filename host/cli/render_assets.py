"""Text of `weir assets show`: an asset's definition, lineage across locations, history and checks."""

from __future__ import annotations

from collections.abc import Sequence

from host.cli.render import summarize, table, when
from protos.keys import asset_key_str
from protos.weir.v1 import common_pb2, host_pb2, snapshot_pb2


def definition(details: host_pb2.AssetDetails) -> str:
    node = details.node
    lines = [
        f"asset {asset_key_str(node.key)}",
        f"  location      {details.location}" + ("" if node.is_executable else " (declared, not materialized there)"),
    ]
    optional = [
        ("group", node.group_name or "default"),
        ("description", summarize(node.description)),
        ("kinds", ", ".join(node.kinds)),
        ("owners", ", ".join(node.owners)),
        ("tags", ", ".join(f"{k}={v}" for k, v in sorted(node.tags.items()))),
        ("code version", node.code_version),
        ("partitions", partitions(node.partitions)),
        ("materialized", details.self.location if details.self.location != details.location else ""),
        ("declared in", ", ".join(n for n in details.self.declared_in if n != details.location)),
        ("automation", node.automation_condition.label or node.automation_condition.kind.upper()),
        ("freshness", f"{details.freshness.state}: {details.freshness.reason}" if details.freshness.state else ""),
    ]
    lines += [f"  {label:<13} {value}" for label, value in optional if value]
    mat = details.latest_materialization
    lines.append(f"  last run      {_materialized(mat) if mat.run_id else 'never materialized'}")
    return "\n".join(lines)


def _materialized(mat: host_pb2.Materialization) -> str:
    partition = f" partition {mat.partition_key}" if mat.partition_key else ""
    return f"{when(mat.timestamp)} UTC run {mat.run_id}{partition}"


def partitions(definition: snapshot_pb2.PartitionsDefinition) -> str:
    """A partitions definition in a few words: its kind and what fixes its keys."""
    kind = definition.WhichOneof("kind")
    if kind == "static":
        keys = definition.static.keys
        return f"static, {len(keys)} keys: " + summarize(", ".join(keys), 80)
    if kind == "time_window":
        window = definition.time_window
        span = f"from {window.start}" + (f" to {window.end}" if window.end else "")
        return f"time window {span}, cron {window.cron_schedule!r} ({window.timezone or 'UTC'})"
    if kind == "dynamic":
        return f"dynamic {definition.dynamic.name!r} (`weir partitions list {definition.dynamic.name}`)"
    if kind == "multi":
        return "multi: " + " x ".join(f"{d.name} ({partitions(d.partitions)})" for d in definition.multi.dimensions)
    if kind == "code":
        return f"{definition.code.type_name} (keys computed by the location)"
    return ""


def lineage(label: str, refs: Sequence[host_pb2.AssetRef]) -> str:
    """Related assets with the location materializing each and those declaring it."""
    if not refs:
        return f"{label}: none"
    rows = [
        [
            asset_key_str(r.asset_key),
            r.location or "(not materialized in any location)",
            ", ".join(r.declared_in) or "-",
        ]
        for r in refs
    ]
    return f"{label}:\n" + _indent(table(["ASSET", "LOCATION", "DECLARED IN"], rows))


def materializations(events: Sequence[common_pb2.RunEvent], limit: int) -> str:
    return _history("materializations", events, limit)


def observations(events: Sequence[common_pb2.RunEvent], limit: int) -> str:
    """What runs observed of the asset (AssetObservation): metadata only, the asset's data unchanged."""
    return _history("observations", events, limit)


def _history(label: str, events: Sequence[common_pb2.RunEvent], limit: int) -> str:
    if not events:
        return f"{label}: none"
    lines = [f"{label} (newest first, at most {limit}):"]
    for e in events:
        partition = f"  partition {e.partition_key}" if e.partition_key else ""
        lines.append(f"  {when(e.timestamp)}  run {e.run_id}{partition}")
        lines += [f"      {m.key}: {metadata_value(m.value)}" for m in e.metadata]
    return "\n".join(lines)


def checks(states: Sequence[host_pb2.AssetCheckState], history: dict[str, list[common_pb2.RunEvent]]) -> str:
    """Each check with its evaluations, newest first (a failure shows its severity)."""
    if not states:
        return "checks: none"
    lines = ["checks:"]
    for state in states:
        blocking = " (blocking)" if state.check.blocking else ""
        description = f" - {summarize(state.check.description, 80)}" if state.check.description else ""
        lines.append(f"  {state.check.name}{blocking}{description}")
        evaluations = history.get(state.check.name, [])
        if not evaluations:
            lines.append("      never evaluated")
        for e in evaluations:
            verdict = "passed" if e.check_passed else f"FAILED ({e.check_severity or 'ERROR'})"
            partition = f"  partition {e.partition_key}" if e.partition_key else ""
            lines.append(f"      {when(e.timestamp)}  {verdict:<15} run {e.run_id}{partition}")
            lines += [f"          {m.key}: {metadata_value(m.value)}" for m in e.metadata]
    return "\n".join(lines)


def metadata_value(value: common_pb2.MetadataValue) -> str:
    """A metadata value on one line, a long one as its beginning and size."""
    which = value.WhichOneof("value")
    return "" if which is None else summarize(str(getattr(value, which))).replace("\n", "\\n")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
