"""`weir automation`: why an asset was (not) requested by declarative automation, and the ticks."""

from __future__ import annotations

from collections.abc import Sequence

import click

from host.cli import jsonout, render
from host.cli.client import HostClient
from host.errors import friendly
from protos.keys import parse_asset_key
from protos.weir.v1 import host_pb2

SHOWN_RANGES = 5  # partition ranges printed per node; --json gives them all


@click.group("automation")
def automation() -> None:
    """Declarative automation: `automation explain KEY`, `automation ticks`."""


@automation.command("explain")
@click.argument("asset_key")
@click.option("--tick", "tick_id", type=int, default=0, help="as evaluated at this tick (default: the newest)")
@click.option("--location", default="", help="the automation sensor of this location (default: any)")
@jsonout.option
@friendly
def explain(asset_key: str, tick_id: int, location: str, as_json: bool) -> None:
    """Print the asset's automation condition as a tree with each node's result: why it was (not) requested."""
    evaluation = HostClient.discover().automation_evaluation(asset_key, tick_id, location)
    if as_json:
        jsonout.emit(evaluation)
    else:
        click.echo(explanation(evaluation, asked_tick=tick_id))


@automation.command("ticks")
@click.option("--location", default="", help="only this location's automation sensors")
@click.option("--limit", default=20, show_default=True, help="how many ticks, newest first")
@jsonout.option
@friendly
def ticks(location: str, limit: int, as_json: bool) -> None:
    """The automation sensors' ticks, newest first: what each requested and launched."""
    request = host_pb2.ListAutomationEvaluationsRequest(location=location, limit=limit)
    reply = HostClient.discover().automation_evaluations(request)
    if as_json:
        jsonout.emit({"ticks": reply.ticks})
        return
    rows = [
        [
            str(t.tick_id),
            render.when(t.timestamp),
            t.location,
            t.sensor_name,
            t.status,
            ", ".join(t.requested_assets) or "-",
            ", ".join(t.run_ids) or "-",
        ]
        for t in reply.ticks
    ]
    click.echo(render.table(["TICK", "TIME", "LOCATION", "SENSOR", "STATUS", "REQUESTED", "RUNS"], rows))


@automation.command("history")
@click.argument("asset_key")
@click.option("--location", default="", help="only this location's automation sensor")
@click.option("--limit", default=20, show_default=True, help="how many evaluations, newest first")
@jsonout.option
@friendly
def history(asset_key: str, location: str, limit: int, as_json: bool) -> None:
    """The ticks at which the asset's evaluation changed, newest first (`explain KEY --tick ID` for one)."""
    request = host_pb2.ListAutomationEvaluationsRequest(
        asset_key=parse_asset_key(asset_key), location=location, limit=limit
    )
    reply = HostClient.discover().automation_evaluations(request)
    if as_json:
        jsonout.emit({"evaluations": reply.evaluations})
        return
    rows = [
        [str(e.tick_id), render.when(e.timestamp), str(e.num_requested), _value(e.result), ", ".join(e.run_ids) or "-"]
        for e in reply.evaluations
    ]
    click.echo(render.table(["TICK", "TIME", "REQUESTED", "RESULT", "RUNS"], rows))


def explanation(evaluation: host_pb2.AutomationEvaluation, asked_tick: int = 0) -> str:
    """The header (asset, tick, outcome) and the condition tree, one node per line."""
    outcome = (
        f"requested {evaluation.num_requested} partition(s)"
        if evaluation.num_requested and _partitioned(evaluation.result)
        else "requested"
        if evaluation.num_requested
        else "not requested"
    )
    since = f" (unchanged through tick {asked_tick})" if asked_tick and asked_tick != evaluation.tick_id else ""
    lines = [
        f"{evaluation.asset_key} in location {evaluation.location!r}: {outcome} at tick {evaluation.tick_id} "
        f"({render.when(evaluation.timestamp)} UTC){since}",
    ]
    if evaluation.run_ids:
        lines.append(f"runs: {', '.join(evaluation.run_ids)}")
    lines += _tree(evaluation.result, "", "", evaluation.asset_key)
    return "\n".join(lines)


def _tree(
    node: host_pb2.AutomationNode, lead: str, child_lead: str, root: str, under_skipped: bool = False
) -> list[str]:
    value = "skipped" if under_skipped else _value(node)
    lines = [f"{lead}{_title(node, root)}  {value}"]
    for i, child in enumerate(node.children):
        last = i == len(node.children) - 1
        lines += _tree(
            child,
            child_lead + ("└─ " if last else "├─ "),
            child_lead + ("   " if last else "│  "),
            root,
            under_skipped or node.skipped,
        )
    return lines


def _title(node: host_pb2.AutomationNode, root: str) -> str:
    if node.children and node.name == node.asset_key and not node.label and node.asset_key != root:
        return f"dep {node.asset_key}"  # a dep operator's branch for one dep
    return f"{node.label} ({node.name})" if node.label else node.name


def _value(node: host_pb2.AutomationNode) -> str:
    if node.skipped:
        return "skipped (no candidates left)"
    if not _partitioned(node):
        return "true" if node.value else "false"
    ranges = _ranges(node.true_partitions)
    return f"true for {node.true_count} of {node.candidate_count} partitions{': ' + ranges if ranges else ''}"


def _partitioned(node: host_pb2.AutomationNode) -> bool:
    return any(r.first for r in node.true_partitions) or node.candidate_count > 1


def _ranges(ranges: Sequence[host_pb2.PartitionKeyRange]) -> str:
    shown = [r.first if r.first == r.last else f"{r.first}...{r.last}" for r in ranges[:SHOWN_RANGES]]
    more = f", ... ({len(ranges) - SHOWN_RANGES} more ranges)" if len(ranges) > SHOWN_RANGES else ""
    return ", ".join(shown) + more
