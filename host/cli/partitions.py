"""`weir backfill`, `weir assets partitions KEY` and `weir partitions`: thin click wrappers over the Host API."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

import click

from host.cli import jsonout
from host.cli.client import HostClient
from host.cli.options import parse_tags, read_config
from host.cli.render import table, when
from host.errors import friendly
from protos.keys import parse_asset_key
from protos.weir.v1 import host_pb2

_FINISHED_PARTITION = ("SUCCESS", "FAILURE", "CANCELED")
_FINISHED_BACKFILL = ("COMPLETED", "FAILED", "CANCELED")


def parse_partitions(text: str) -> dict[str, Any]:
    """ "a...b" is a range, "a,b,c" a list, "*" every partition (as LaunchBackfillRequest fields)."""
    text = text.strip()
    if text in ("*", "all"):
        return {"all_partitions": True}
    if "..." in text:
        start, _, end = text.partition("...")
        if not start or not end:
            raise click.BadParameter(f"{text!r}: write a range as FIRST...LAST, like 2024-01-01...2024-01-31")
        return {"range_start": start.strip(), "range_end": end.strip()}
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if not keys:
        raise click.BadParameter("name the partitions: FIRST...LAST, a,b,c or *")
    return {"partition_keys": keys}


def _done(backfill: host_pb2.Backfill) -> int:
    return sum(n for status, n in backfill.partitions_by_status.items() if status in _FINISHED_PARTITION)


def summary(backfill: host_pb2.Backfill) -> str:
    counts = ", ".join(f"{n} {s.lower()}" for s, n in sorted(backfill.partitions_by_status.items()))
    per_run = backfill.partitions_per_run or backfill.partition_count
    text = (
        f"backfill {backfill.backfill_id} {backfill.status}: {backfill.partition_count} partitions in "
        f"{backfill.run_count} runs of up to {per_run} ({counts})"
    )
    return text + (f"\nreason: {backfill.error}" if backfill.error else "")


def follow(client: HostClient, backfill_id: str, poll: float = 0.5) -> host_pb2.Backfill:
    """A progress bar of finished partitions until the backfill ends."""
    backfill = client.get_backfill(backfill_id)
    with click.progressbar(
        length=backfill.partition_count, label=f"backfill {backfill_id}", show_pos=True, file=sys.stderr
    ) as bar:
        shown = 0
        while True:
            done = _done(backfill)
            bar.update(done - shown)
            shown = done
            if backfill.status in _FINISHED_BACKFILL:
                return backfill
            time.sleep(poll)
            backfill = client.get_backfill(backfill_id)


@click.group(invoke_without_command=True)
@click.option("--location", default="", help="the code location")
@click.option("--select", default="", help="comma-separated asset keys (a/b)")
@click.option("--job", default="", help="a partitioned job instead of an asset selection")
@click.option("--partitions", default="", help="FIRST...LAST, a,b,c, or * for every partition")
@click.option("--config", help="run config (every run): JSON or YAML text, or a .json/.yaml file")
@click.option("--tag", "tags", multiple=True, help="key=value, repeatable (on every run)")
@click.option("--no-wait", is_flag=True, help="return once the backfill is created")
@click.pass_context
@friendly
def backfill(
    ctx: click.Context,
    location: str,
    select: str,
    job: str,
    partitions: str,
    config: str | None,
    tags: tuple[str, ...],
    no_wait: bool,
) -> None:
    """Launch a backfill over partitions and show its progress; `backfill list|show|cancel` manage them."""
    if ctx.invoked_subcommand is not None:
        return
    if not location or not partitions or not (select or job):
        raise click.UsageError("weir backfill --location L (--select KEYS | --job J) --partitions FIRST...LAST")
    request = host_pb2.LaunchBackfillRequest(
        location=location,
        job_name=job,
        asset_selection=[parse_asset_key(k) for k in select.split(",") if k.strip()],
        run_config_json=read_config(config),
        tags=parse_tags(tags),
        **parse_partitions(partitions),
    )
    client = HostClient.discover()
    created = client.launch_backfill(request)
    click.echo(f"backfill {created.backfill_id}: {created.partition_count} partitions in {created.run_count} runs")
    if no_wait:
        return
    final = follow(client, created.backfill_id)
    click.echo(summary(final))
    if final.status != "COMPLETED":
        sys.exit(1)


def backfills_table(items: Sequence[host_pb2.Backfill]) -> str:
    rows = [
        [
            b.backfill_id,
            b.location,
            b.job_name or ",".join("/".join(k.path) for k in b.asset_selection),
            b.status,
            f"{_done(b)}/{b.partition_count}",
            str(b.run_count),
            when(b.created_at),
        ]
        for b in items
    ]
    return table(["BACKFILL", "LOCATION", "TARGET", "STATUS", "DONE", "RUNS", "CREATED (UTC)"], rows)


@backfill.command("list")
@click.option("--status", "statuses", multiple=True)
@click.option("--limit", default=20, show_default=True)
@jsonout.option
@friendly
def backfill_list(statuses: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Backfills, newest first."""
    found = HostClient.discover().backfills(list(statuses), limit=limit)
    if as_json:
        jsonout.emit({"backfills": found})
    else:
        click.echo(backfills_table(found))


@backfill.command("show")
@click.argument("backfill_id")
@friendly
def backfill_show(backfill_id: str) -> None:
    """A backfill's status and each partition's run."""
    found = HostClient.discover().get_backfill(backfill_id, with_partitions=True)
    click.echo(summary(found))
    click.echo(
        table(["PARTITION", "STATUS", "RUN"], [[p.partition_key, p.status, p.run_id or "-"] for p in found.partitions])
    )


@backfill.command("cancel")
@click.argument("backfill_id")
@friendly
def backfill_cancel(backfill_id: str) -> None:
    """Stop submitting runs; queued runs are canceled and running ones asked to stop."""
    click.echo(summary(HostClient.discover().cancel_backfill(backfill_id)))


def status_text(status: host_pb2.PartitionStatus) -> str:
    lines = [f"asset {'/'.join(status.asset_key.path)} in {status.location}: {status.total} partitions"]
    for label, count, found in (
        ("materialized", status.materialized_count, status.materialized),
        ("failed", status.failed_count, status.failed),
        ("in progress", status.in_progress_count, status.in_progress),
        ("missing", status.missing_count, status.missing),
    ):
        shown = ", ".join(r.start if r.count == 1 else f"{r.start}...{r.end}" for r in found[:8])
        more = f" (+{len(found) - 8} more ranges)" if len(found) > 8 else ""
        lines.append(f"  {label:<13}{count:>7}  {shown}{more}".rstrip())
    return "\n".join(lines)


@click.group()
def partitions() -> None:
    """Keys of dynamic partitions definitions (stored by the host)."""


@partitions.command("add")
@click.argument("name")
@click.argument("keys", nargs=-1, required=True)
@friendly
def partitions_add(name: str, keys: tuple[str, ...]) -> None:
    """Add keys to the dynamic partitions definition NAME."""
    reply = HostClient.discover().add_dynamic_partitions(name, list(keys))
    click.echo(f"added {reply.changed} keys to {name} ({len(reply.keys)} keys)")


@partitions.command("delete")
@click.argument("name")
@click.argument("keys", nargs=-1, required=True)
@friendly
def partitions_delete(name: str, keys: tuple[str, ...]) -> None:
    """Remove keys from the dynamic partitions definition NAME."""
    reply = HostClient.discover().delete_dynamic_partitions(name, list(keys))
    click.echo(f"deleted {reply.changed} keys from {name} ({len(reply.keys)} keys)")


@partitions.command("list")
@click.argument("name")
@friendly
def partitions_list(name: str) -> None:
    """The keys of the dynamic partitions definition NAME, in the order they were added."""
    for key in HostClient.discover().dynamic_partitions(name).keys:
        click.echo(key)
